"""`ozonbot review story`: a handled conversation as a Rasa test story, so a fixed bug stays fixed.

The story has the `tests/stories/` format (`- user:` text with `intent:`, `- action:`,
`- slot_was_set:`), buyer texts anonymised and entities annotated where they survive the masking.
A staff "wrong intent" mark replaces the model's intent: the story then says what the bot should
have understood, and `rasa test` fails until it does. Turns while staff had taken the chat over
are left out (a test story cannot express a paused conversation); so is everything Rasa reverted.

From the worker's turn records (when Rasa no longer has the conversation) only intents and
decisions are known: an escalation is `action_escalate`, a reply is the action of the one-turn
rule for its intent in `stories/rules.yml`, and a gap is marked with a `TODO` comment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot import yamlio
from bot.dialogue.types import FALLBACK_INTENT
from bot.errors import ReviewError
from bot.models import Decision
from bot.review.anonymize import Anonymizer, PersonalSpan
from bot.review.nlu_files import EntitySpan, markup, read_document, write_atomically
from bot.review.tracker import (
    ActionRun,
    Conversation,
    Entity,
    Paused,
    Resumed,
    SlotSet,
    SlotValue,
    UserTurn,
)
from bot.state.models import TurnRecord

ESCALATE_ACTION = "action_escalate"
_ONE_TURN = 2
"""Steps of a one-turn rule: an intent and an action."""
_STORY_LINE = re.compile(r"^(?P<indent>[ ]*)- story:", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class UserStep:
    text: str
    """Anonymised, with Rasa entity markup."""
    intent: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ActionStep:
    name: str


@dataclass(frozen=True, slots=True)
class SlotStep:
    name: str
    value: SlotValue


@dataclass(frozen=True, slots=True)
class NoteStep:
    text: str


Step = UserStep | ActionStep | SlotStep | NoteStep


@dataclass(frozen=True, slots=True)
class Story:
    name: str
    header: tuple[str, ...]
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Origin:
    shop: str
    chat_id: str
    source: str
    """Where the events came from, for the header comment."""


# --- from Rasa's tracker ----------------------------------------------------------------------


def from_conversation(
    conversation: Conversation,
    origin: Origin,
    *,
    marks: Mapping[str, str],
    anonymizer: Anonymizer,
) -> Story:
    steps: list[Step] = []
    paused, left_out = False, 0
    for event in conversation.events:
        if isinstance(event, Paused | Resumed):
            if isinstance(event, Paused) and not paused:
                steps.append(NoteStep("staff took the chat over here (Rasa paused)"))
            elif isinstance(event, Resumed) and paused:
                steps.append(_resumed(left_out))
                left_out = 0
            paused = isinstance(event, Paused)
        elif paused:
            left_out += isinstance(event, UserTurn)
        elif isinstance(event, UserTurn):
            mark = marks.get(event.message_id) if event.message_id else None
            steps.append(_user_step(event, mark, anonymizer))
        elif isinstance(event, ActionRun):
            steps.append(ActionStep(event.name))
        elif isinstance(event, SlotSet):
            steps.append(SlotStep(event.name, _masked_value(event.value, anonymizer)))
    if paused:
        steps.append(_resumed(left_out))
    turns = conversation.user_turns
    return _story(origin, turns[0].at if turns else None, steps)


def _resumed(left_out: int) -> NoteStep:
    return NoteStep(f"back to the bot; {left_out} buyer turn(s) while paused are left out")


def _user_step(turn: UserTurn, mark: str | None, anonymizer: Anonymizer) -> UserStep:
    predicted = turn.intent or FALLBACK_INTENT
    text = masked_with_entities(turn.text, turn.entities, anonymizer)
    if mark is None or mark == predicted:
        return UserStep(text, predicted)
    confidence = f" {turn.confidence:.2f}" if turn.confidence is not None else ""
    return UserStep(text, mark, f"staff marked this {mark}; the model said {predicted}{confidence}")


def masked_with_entities(text: str, entities: Iterable[Entity], anonymizer: Anonymizer) -> str:
    """`text` with personal data masked and the other entities in Rasa's markup."""
    personal = anonymizer.find(text)
    kept = _entities_outside(entities, personal)
    pieces: list[tuple[int, int, str]] = [(p.start, p.end, p.kind.placeholder) for p in personal]
    for entity in kept:
        original = text[entity.start : entity.end]
        value = None if entity.value == original else entity.value
        span = EntitySpan(entity.entity, entity.start, entity.end, value)
        pieces.append((entity.start, entity.end, markup(original, span)))
    parts, position = [], 0
    for start, end, replacement in sorted(pieces):
        parts += [text[position:start], replacement]
        position = end
    parts.append(text[position:])
    return "".join(parts)


def _entities_outside(
    entities: Iterable[Entity], personal: tuple[PersonalSpan, ...]
) -> list[Entity]:
    kept: list[Entity] = []
    for entity in sorted(entities, key=lambda e: (e.start, -e.end)):
        taken = [(p.start, p.end) for p in personal] + [(k.start, k.end) for k in kept]
        if all(entity.end <= start or end <= entity.start for start, end in taken):
            kept.append(entity)
    return kept


def _masked_value(value: SlotValue, anonymizer: Anonymizer) -> SlotValue:
    return anonymizer.mask(value) if isinstance(value, str) else value


# --- from the worker's records ----------------------------------------------------------------


def from_records(
    records: Iterable[TurnRecord],
    origin: Origin,
    *,
    marks: Mapping[str, str],
    anonymizer: Anonymizer,
    rule_actions: Mapping[str, str],
) -> Story:
    """A story from turn records (oldest first): intents and decisions only."""
    ordered = sorted(records, key=lambda r: r.handled_at)
    steps: list[Step] = []
    for record in ordered:
        if record.intent is None and record.decision is Decision.NONE:
            steps.append(NoteStep(f"a buyer turn the bot did not handle ({record.detail})"))
            continue
        steps += _record_steps(record, marks, anonymizer, rule_actions)
    return _story(origin, ordered[0].handled_at if ordered else None, steps)


def _record_steps(
    record: TurnRecord,
    marks: Mapping[str, str],
    anonymizer: Anonymizer,
    rule_actions: Mapping[str, str],
) -> list[Step]:
    entities = [
        Entity(name, start, start + len(value), value)
        for name, value in record.entities.items()
        if value and (start := record.text.find(value)) >= 0
    ]
    turn = UserTurn(
        text=record.text,
        intent=record.intent,
        confidence=record.confidence,
        entities=tuple(entities),
        message_id=None,
        at=record.handled_at,
    )
    mark = next((marks[m] for m in reversed(record.message_ids) if m in marks), None)
    user = _user_step(turn, mark, anonymizer)
    return [user, _record_action(record, user.intent, rule_actions)]


def _record_action(record: TurnRecord, intent: str, rule_actions: Mapping[str, str]) -> Step:
    if record.decision is Decision.ESCALATE:
        return ActionStep(ESCALATE_ACTION)
    action = rule_actions.get(record.intent or intent)
    if record.decision in (Decision.REPLY, Decision.DRAFT) and action:
        return ActionStep(action)
    return NoteStep(f"TODO: the action the bot ran is not recorded (decision {record.decision})")


def rule_actions(rules_file: Path) -> dict[str, str]:
    """intent → action of the one-turn rules without conditions (`- intent: X` `- action: Y`)."""
    if not rules_file.exists():
        return {}
    found: dict[str, str] = {}
    for rule in read_document(rules_file).get("rules") or []:
        steps = rule.get("steps") if isinstance(rule, dict) and "condition" not in rule else None
        if isinstance(steps, list) and len(steps) == _ONE_TURN:
            intent, action = steps[0].get("intent"), steps[1].get("action")
            if isinstance(intent, str) and isinstance(action, str):
                found.setdefault(intent, action)
    return found


# --- rendering ---------------------------------------------------------------------------------


def _story(origin: Origin, started: datetime | None, steps: list[Step]) -> Story:
    when = started.strftime("%Y-%m-%d %H:%M") if started else "unknown date"
    header = (
        f"From chat {origin.chat_id} of shop {origin.shop}, conversation of {when} UTC",
        f"({origin.source}); written by `ozonbot review story`, buyer texts anonymised.",
    )
    return Story(f"chat {origin.chat_id}, {when}", header, tuple(steps))


def render_story(story: Story, indent: str = "  ") -> str:
    """One `- story:` item, indented for a `stories:` list."""
    lines = [f"{indent}# {line}" for line in story.header]
    lines += [f"{indent}- story: {_scalar(story.name)}", f"{indent}  steps:"]
    step_indent = indent + "    "
    for step in story.steps:
        lines += _step_lines(step, step_indent)
    return "\n".join(lines) + "\n"


def _step_lines(step: Step, indent: str) -> list[str]:
    if isinstance(step, NoteStep):
        return [f"{indent}# {step.text}"]
    if isinstance(step, ActionStep):
        return [f"{indent}- action: {step.name}"]
    if isinstance(step, SlotStep):
        return [f"{indent}- slot_was_set:", f"{indent}    - {step.name}: {_scalar(step.value)}"]
    note = [f"{indent}# {step.note}"] if step.note else []
    text = [f"{indent}    {line}" for line in step.text.splitlines() or [""]]
    return [*note, f"{indent}- user: |", *text, f"{indent}  intent: {step.intent}"]


def _scalar(value: Any) -> str:
    """A YAML scalar: JSON's quoting and literals are valid YAML."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False)


def render_file(story: Story) -> str:
    return f'version: "3.1"\n\nstories:\n{render_story(story)}'


def append_story(path: Path, story: Story) -> None:
    """Add `story` to a test-stories file (created when missing); other stories stay as they are."""
    if not path.exists():
        write_atomically(path, render_file(story))
        return
    source = path.read_text(encoding="utf-8")
    before = _story_names(source, str(path))
    match = _STORY_LINE.search(source)
    block = render_story(story, match["indent"] if match else "  ")
    after = source + ("" if source.endswith("\n") else "\n") + "\n" + block
    if _story_names(after, str(path)) != [*before, story.name]:
        raise ReviewError(str(path), "cannot append a story: `stories:` is not the file's last key")
    write_atomically(path, after)


def _story_names(source: str, where: str) -> list[str]:
    try:
        document = yamlio.parse(source)
    except yamlio.YAMLError as exc:
        raise ReviewError(where, f"not valid YAML: {exc}") from exc
    stories = document.get("stories") if isinstance(document, dict) else None
    if stories is None and isinstance(document, dict):
        raise ReviewError(where, "not a stories file (no `stories:`)")
    return [str(s.get("story")) for s in stories or [] if isinstance(s, dict)]
