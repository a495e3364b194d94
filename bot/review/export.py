"""Writing the review inbox: a Rasa NLU YAML file for people who edit text, a CSV for people who
live in spreadsheets, and a CSV of blocked outgoing replies. Chat turns, product questions and
reviews share the files; each example says its stream (`chat …`, `question …`, `review …` in the
YAML comment, the `stream` column in the CSV) and, for questions and reviews, the decision.

The YAML uses Rasa's list form of examples (`- text: "..."`), because only there can each example
carry a real YAML comment (the model's guess, its confidence, why it is here): inside Rasa's
usual `examples: |` block a `#` line would be read as a broken example. Rasa reads both forms.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.review.inbox import BlockedReply, ReviewItem, Why
from bot.review.nlu_files import example_key
from bot.review.public import decision_of, stream_of

CSV_COLUMNS = (
    "shop",
    "stream",
    "chat_id",
    "message_ids",
    "handled_at",
    "text",
    "predicted_intent",
    "confidence",
    "decision",
    "why",
    "staff_mark",
    "correct_intent",
)
BLOCKED_COLUMNS = ("shop", "at", "origin", "rules", "text")
# A cell starting with one of these is a formula to a spreadsheet: a buyer could write
# "=HYPERLINK(...)". Such cells get a leading apostrophe, which `review import` removes again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_HEADER = """\
# Review inbox of ozonbot: {scope}, {period}; {count} buyer turns.
# Written by `ozonbot review export` at {written}. Buyer texts are anonymised.
#
# How to review (docs/tuning.md):
# - each example is filed under the intent the model predicted, or the one staff marked as
#   right; move it under the intent it really is (one of the 20 contract intents);
# - `nlu_fallback` is not an intent: move those examples or delete them;
# - delete whatever should not be trained on: EVERY example left in this file is imported;
# - then: ozonbot review import <this file> --dry-run, and without --dry-run.
"""


@dataclass(frozen=True, slots=True)
class Period:
    since: datetime
    until: datetime
    zone: str

    def describe(self) -> str:
        since, until = self.since.strftime("%Y-%m-%d %H:%M"), self.until.strftime("%Y-%m-%d %H:%M")
        return f"{since} .. {until} ({self.zone})"

    def slug(self) -> str:
        return f"{self.since:%Y%m%d}-{self.until:%Y%m%d}"


def render_yaml(items: list[ReviewItem], *, scope: str, period: Period, written: datetime) -> str:
    """The inbox as a Rasa NLU file: one block per intent, one example per distinct text."""
    header = _HEADER.format(
        scope=scope,
        period=period.describe(),
        count=len(items),
        written=written.strftime("%Y-%m-%d %H:%M %Z"),
    )
    groups = _distinct(items)
    if not groups:
        return f'version: "3.1"\n\n{header}\nnlu: []\n'
    blocks = [_render_block(intent, group) for intent, group in _by_intent(groups)]
    return f'version: "3.1"\n\n{header}\nnlu:\n' + "\n".join(blocks)


def _distinct(items: list[ReviewItem]) -> list[list[ReviewItem]]:
    """Items grouped by text (case and punctuation aside); a staff-marked one leads its group."""
    groups: dict[str, list[ReviewItem]] = {}
    for item in items:
        groups.setdefault(example_key(item.text), []).append(item)
    return [sorted(g, key=lambda i: (i.staff_mark is None, i.handled_at)) for g in groups.values()]


def _by_intent(groups: list[list[ReviewItem]]) -> list[tuple[str, list[list[ReviewItem]]]]:
    by: dict[str, list[list[ReviewItem]]] = {}
    for group in groups:
        by.setdefault(group[0].block_intent, []).append(group)
    return sorted(by.items())


def _render_block(intent: str, groups: list[list[ReviewItem]]) -> str:
    lines = [f"- intent: {intent}", "  examples:"]
    for group in groups:
        lines.append(f"  # {comment(group[0], also=len(group) - 1)}")
        lines.append(f"  - text: {json.dumps(group[0].text, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def comment(item: ReviewItem, *, also: int = 0) -> str:
    """What a reviewer needs next to the example: the model's guess, the mark, the reasons."""
    guess = item.predicted_intent or "no prediction"
    if item.confidence is not None:
        guess += f" {item.confidence:.2f}"
    parts = [f"model: {guess}"]
    if item.staff_mark:
        parts.append(f"staff mark: {item.staff_mark}")
    parts.append("why: " + ", ".join(_WHY_TEXT[w] for w in item.why))
    where = f"chat {item.chat_id}" if stream_of(item) == "chats" else item.chat_id.replace(":", " ")
    parts.append(f"{where} {item.handled_at:%Y-%m-%d %H:%M}")
    if decision_of(item):
        parts.append(f"decision: {decision_of(item)}")
    if also:
        parts.append(f"+{also} more like it")
    return " | ".join(parts)


_WHY_TEXT = {
    Why.STAFF_MARK: "staff marked the intent wrong",
    Why.FALLBACK: "fallback",
    Why.LOW_CONFIDENCE: "low confidence",
    Why.UNKNOWN_ESCALATION: "escalated as unknown",
    Why.STAFF_ANSWERED: "staff took over and answered",
    Why.BLOCKED_REPLY: "reply blocked by the guard",
}


def render_csv(items: Iterable[ReviewItem]) -> str:
    """One row per turn; `correct_intent` is left empty for people to fill."""
    rows = [
        {
            "shop": item.shop,
            "stream": stream_of(item),
            "chat_id": item.chat_id,
            "message_ids": " ".join(item.message_ids),
            "handled_at": item.handled_at.isoformat(timespec="seconds"),
            "text": item.text,
            "predicted_intent": item.predicted_intent or "",
            "confidence": "" if item.confidence is None else f"{item.confidence:.3f}",
            "decision": decision_of(item),
            "why": ";".join(item.why),
            "staff_mark": item.staff_mark or "",
            "correct_intent": "",
        }
        for item in items
    ]
    return _csv(CSV_COLUMNS, rows)


def render_blocked_csv(blocked: Iterable[BlockedReply]) -> str:
    rows = [
        {
            "shop": b.shop,
            "at": b.at.isoformat(timespec="seconds"),
            "origin": b.origin,
            "rules": ";".join(b.rules),
            "text": b.text,
        }
        for b in blocked
    ]
    return _csv(BLOCKED_COLUMNS, rows)


def _csv(columns: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    return buffer.getvalue()


def spreadsheet_safe(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def from_spreadsheet(value: str) -> str:
    """Undo `spreadsheet_safe`."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


@dataclass(frozen=True, slots=True)
class Written:
    yaml: Path
    csv: Path
    blocked: Path


def write_all(
    out: Path,
    stem: str,
    *,
    yaml_text: str,
    csv_text: str,
    blocked_text: str,
) -> Written:
    """Write the three files; CSVs carry a byte-order mark so spreadsheets read them as UTF-8."""
    out.mkdir(parents=True, exist_ok=True)
    written = Written(out / f"{stem}.yml", out / f"{stem}.csv", out / f"{stem}-blocked.csv")
    written.yaml.write_text(yaml_text, encoding="utf-8")
    written.csv.write_text(csv_text, encoding="utf-8-sig")
    written.blocked.write_text(blocked_text, encoding="utf-8-sig")
    return written
