"""`ozonbot review import`: corrected examples from a review file into `nlu/`.

Each example is judged on its own and either added, skipped (nothing to do: not reviewed, or
already known with the same intent) or refused (something a person must fix: an intent that is
not one of the 20 contract names, personal data left in the text, a text of the held-out test set
or a near copy of one, a text `nlu/` already files under another intent). Added examples go to
the file that already holds their intent, with posting/order numbers and SKUs annotated as the
regexes of `nlu/entities.yml` find them (the NLU data tests require the two to agree).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from bot.dialogue.types import FALLBACK_INTENT
from bot.errors import ReviewError
from bot.models import Intent
from bot.review.anonymize import Anonymizer
from bot.review.export import from_spreadsheet
from bot.review.nlu_files import (
    Annotated,
    NluExample,
    add_to_block,
    annotate_numbers,
    clean_text,
    example_key,
    example_texts,
    new_file,
    nlu_entries,
    number_patterns,
    read_examples,
    verify_addition,
    words,
    write_atomically,
)

NEAR_COPY_JACCARD = 0.8
"""Word-set similarity at which a text counts as a copy of a held-out one (as in the NLU tests)."""
NEW_FILE = "imported.yml"
"""Where an intent that no file of nlu/ holds yet would go (never the case for contract intents)."""
BULK_FILES = ("everyday-*.yml", "preambles.yml")
"""Files of written-in-bulk phrasings: an imported real turn joins its intent's block in a topic
file (orders.yml, returns.yml, ...) instead, where people curate each intent; only an intent
that no topic file holds goes to one of these."""


@dataclass(frozen=True, slots=True)
class Candidate:
    intent: str
    text: str
    where: str
    """Where it came from, for the report: `intent delivery_status #3` or `row 7`."""


class Outcome(StrEnum):
    ADDED = "added"
    SKIPPED = "skipped"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Verdict:
    candidate: Candidate
    outcome: Outcome
    reason: str = ""
    line: str | None = None
    """The example as it is written into nlu/ (only when added)."""
    path: Path | None = None


@dataclass(frozen=True)
class NluData:
    """What an import is checked against: every example of nlu/ and of the held-out file."""

    nlu_dir: Path
    training: dict[str, NluExample]
    holdout: dict[str, NluExample]
    holdout_words: tuple[frozenset[str], ...]
    intent_files: dict[str, Path]
    numbers: tuple[tuple[str, re.Pattern[str]], ...] = field(default=())

    @classmethod
    def load(cls, nlu_dir: Path, holdout: Path) -> NluData:
        if not nlu_dir.is_dir():
            raise ReviewError(str(nlu_dir), "not a directory of NLU files")
        if not holdout.is_file():
            raise ReviewError(str(holdout), "held-out file not found (see --holdout)")
        files = sorted(nlu_dir.glob("*.yml"))
        training = [example for path in files for example in read_examples(path)]
        held = read_examples(holdout)
        intent_files: dict[str, Path] = {}
        for example in sorted(training, key=lambda e: filing_order(e.path)):
            intent_files.setdefault(example.intent, example.path)
        return cls(
            nlu_dir=nlu_dir,
            training={example_key(e.text.plain): e for e in training},
            holdout={example_key(e.text.plain): e for e in held},
            holdout_words=tuple(words(e.text.plain) for e in held),
            intent_files=intent_files,
            numbers=number_patterns(nlu_dir / "entities.yml"),
        )

    def target(self, intent: str) -> Path:
        return self.intent_files.get(intent, self.nlu_dir / NEW_FILE)


def filing_order(path: Path) -> tuple[bool, str]:
    """Topic files first, then the bulk files (BULK_FILES), each by name."""
    return (any(path.match(pattern) for pattern in BULK_FILES), path.name)


# --- reading review files ---------------------------------------------------------------------


def read_candidates(path: Path) -> list[Candidate]:
    """Examples of a review file: Rasa NLU YAML, or the export's CSV (`correct_intent` filled)."""
    if path.suffix.lower() == ".csv":
        return _csv_candidates(path)
    return [
        Candidate(str(entry["intent"]), text, f"intent {entry['intent']} #{number}")
        for entry in nlu_entries(path)
        if "intent" in entry
        for number, text in enumerate(example_texts(entry, str(path)), start=1)
    ]


def _csv_candidates(path: Path) -> list[Candidate]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReviewError(str(path), f"cannot read CSV: {exc}") from exc
    if rows and not {"text", "correct_intent"} <= set(rows[0]):
        raise ReviewError(str(path), "a review CSV needs the columns `text` and `correct_intent`")
    return [
        Candidate(
            (row.get("correct_intent") or "").strip(),
            from_spreadsheet(row.get("text") or ""),
            f"row {number}",
        )
        for number, row in enumerate(rows, start=2)  # row 1 is the header
    ]


# --- judging ----------------------------------------------------------------------------------


def judge(candidates: Iterable[Candidate], data: NluData, anonymizer: Anonymizer) -> list[Verdict]:
    seen: dict[str, str] = {}
    verdicts = []
    for candidate in candidates:
        verdict = _judge_one(candidate, data, anonymizer, seen)
        if verdict.outcome is Outcome.ADDED:
            seen[example_key(_text(candidate).plain)] = candidate.intent
        verdicts.append(verdict)
    return verdicts


def _judge_one(
    candidate: Candidate, data: NluData, anonymizer: Anonymizer, seen: dict[str, str]
) -> Verdict:
    text = _text(candidate)
    problem = _form_problem(candidate, text, anonymizer)
    if problem is not None:
        return problem
    key = example_key(text.plain)
    clash = _known(candidate, key, text, data, seen)
    if clash is not None:
        return clash
    line = annotate_numbers(text, data.numbers).render()
    return Verdict(candidate, Outcome.ADDED, line=line, path=data.target(candidate.intent))


def _text(candidate: Candidate) -> Annotated:
    return Annotated.parse(clean_text(candidate.text))


def _form_problem(candidate: Candidate, text: Annotated, anonymizer: Anonymizer) -> Verdict | None:
    """Refusals and skips that depend on the example alone."""
    if not candidate.intent:
        return Verdict(candidate, Outcome.SKIPPED, "no correct_intent filled in")
    if not example_key(text.plain):
        return Verdict(candidate, Outcome.SKIPPED, "no words")
    if candidate.intent == FALLBACK_INTENT:
        reason = "nlu_fallback is not an intent: move the example under the right one or delete it"
        return Verdict(candidate, Outcome.REFUSED, reason)
    if Intent.parse(candidate.intent) is None:
        reason = f"unknown intent {candidate.intent!r}: use one of the 20 contract intents"
        return Verdict(candidate, Outcome.REFUSED, reason)
    if "[" in text.plain or "]" in text.plain:
        return Verdict(candidate, Outcome.REFUSED, "a stray [ or ]: Rasa reads it as markup")
    kinds = sorted(anonymizer.kinds(text.plain))
    if kinds:
        found = ", ".join(kinds)
        reason = f"personal data ({found}): replace it by a placeholder like <phone> or delete it"
        return Verdict(candidate, Outcome.REFUSED, reason)
    return None


def _known(
    candidate: Candidate, key: str, text: Annotated, data: NluData, seen: dict[str, str]
) -> Verdict | None:
    """Refusals and skips against what nlu/, the held-out file and this import already hold."""
    held = data.holdout.get(key)
    if held is not None:
        reason = f"in the held-out set {held.path.name} ({held.intent}): would leak the test set"
        return Verdict(candidate, Outcome.REFUSED, reason)
    if _near_holdout(text.plain, data):
        reason = "a near copy of a held-out example: would leak the test set"
        return Verdict(candidate, Outcome.REFUSED, reason)
    known = data.training.get(key)
    if known is not None and known.intent == candidate.intent:
        return Verdict(candidate, Outcome.SKIPPED, f"already in {known.path.name}")
    if known is not None:
        reason = f"{known.path.name} files it under {known.intent}: change it there if wrong"
        return Verdict(candidate, Outcome.REFUSED, reason)
    if seen.get(key) == candidate.intent:
        return Verdict(candidate, Outcome.SKIPPED, "repeated in this file")
    if key in seen:
        return Verdict(candidate, Outcome.REFUSED, f"also given as {seen[key]} in this file")
    return None


def _near_holdout(plain: str, data: NluData) -> bool:
    mine = words(plain)
    return any(
        len(mine & other) / len(mine | other) >= NEAR_COPY_JACCARD
        for other in data.holdout_words
        if mine | other
    )


# --- writing ----------------------------------------------------------------------------------


def apply(verdicts: Iterable[Verdict]) -> list[Path]:
    """Write the added examples into their files; returns the files changed."""
    by_file: dict[Path, dict[str, list[str]]] = {}
    for verdict in verdicts:
        if verdict.outcome is Outcome.ADDED and verdict.path and verdict.line:
            intents = by_file.setdefault(verdict.path, {})
            intents.setdefault(verdict.candidate.intent, []).append(verdict.line)
    for path, additions in sorted(by_file.items()):
        before = path.read_text(encoding="utf-8") if path.exists() else ""
        after = _added(before, additions, str(path))
        verify_addition(before, after, additions, str(path))
        write_atomically(path, after)
    return sorted(by_file)


def _added(source: str, additions: dict[str, list[str]], where: str) -> str:
    if not source:
        return new_file(additions)
    for intent, lines in sorted(additions.items()):
        source = add_to_block(source, intent, lines, where)
    return source


# --- the report -------------------------------------------------------------------------------


def render_report(verdicts: list[Verdict], anonymizer: Anonymizer, *, dry_run: bool) -> str:
    """What was added (per intent and file), skipped and refused, and why."""
    lines = []
    for outcome in Outcome:
        chosen = [v for v in verdicts if v.outcome is outcome]
        lines.append(f"{outcome.value:<8} {len(chosen)}")
        if outcome is Outcome.ADDED:
            lines += _added_summary(chosen)
        else:
            lines += [_explain(v, anonymizer) for v in chosen]
    if dry_run:
        lines.append("dry run: nothing was written")
    return "\n".join(lines)


def _added_summary(verdicts: list[Verdict]) -> list[str]:
    counts: dict[tuple[str, str], int] = {}
    for verdict in verdicts:
        key = (verdict.candidate.intent, str(verdict.path))
        counts[key] = counts.get(key, 0) + 1
    return [f"  {intent} +{count} -> {path}" for (intent, path), count in sorted(counts.items())]


def _explain(verdict: Verdict, anonymizer: Anonymizer) -> str:
    # The refused text is shown masked: a person reading the report does not need the phone.
    text = anonymizer.mask(clean_text(verdict.candidate.text))
    short = text if len(text) <= 60 else text[:57] + "..."
    return f"  {verdict.candidate.where}: {short!r} - {verdict.reason}"
