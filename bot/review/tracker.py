"""A conversation as Rasa recorded it: `GET /conversations/{sender}/tracker?include_events=ALL`.

Rasa's tracker JSON is parsed here, once, into the few event kinds a test story needs: what the
buyer said (text, intent, entities, the worker's message id from the turn metadata), the actions
the bot ran, slots set, and pauses (staff takeovers). Rasa's own bookkeeping is applied, not
copied: a `rewind` (an action asked Rasa to forget the turn, e.g. Ozon was down and the worker
retried it later) removes the turn, `undo` the last action, `restart` everything before it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.dialogue.rasa import RasaClient
from bot.errors import RasaMalformedError

SlotValue = str | int | float | bool | None
# Actions Rasa runs on its own; a test story leaves them out (`rasa test` predicts them itself).
_INTERNAL_ACTIONS = frozenset({"action_listen", "action_session_start", "action_extract_slots"})
_INTERNAL_SLOTS = frozenset({"session_started_metadata"})


@dataclass(frozen=True, slots=True)
class Entity:
    entity: str
    start: int
    end: int
    value: str


@dataclass(frozen=True, slots=True)
class UserTurn:
    text: str
    intent: str | None
    confidence: float | None
    entities: tuple[Entity, ...]
    message_id: str | None
    """The worker's newest Ozon message id of the turn (metadata `turn`): staff marks use it."""
    at: datetime


@dataclass(frozen=True, slots=True)
class ActionRun:
    name: str
    at: datetime


@dataclass(frozen=True, slots=True)
class SlotSet:
    name: str
    value: SlotValue
    at: datetime


@dataclass(frozen=True, slots=True)
class Paused:
    at: datetime


@dataclass(frozen=True, slots=True)
class Resumed:
    at: datetime


Event = UserTurn | ActionRun | SlotSet | Paused | Resumed


@dataclass(frozen=True, slots=True)
class Conversation:
    sender: str
    events: tuple[Event, ...]

    @property
    def user_turns(self) -> tuple[UserTurn, ...]:
        return tuple(e for e in self.events if isinstance(e, UserTurn))


def parse_tracker(data: Any) -> Conversation:
    """Rasa's tracker JSON → `Conversation`; anything else is a `RasaMalformedError`."""
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise RasaMalformedError("tracker: expected an object with an `events` list")
    events: list[Event] = []
    for raw in data["events"]:
        if not isinstance(raw, dict):
            raise RasaMalformedError("tracker: an event is not an object")
        _apply(events, raw)
    return Conversation(str(data.get("sender_id") or ""), tuple(events))


def _apply(events: list[Event], raw: Mapping[str, Any]) -> None:
    kind, at = raw.get("event"), _time(raw.get("timestamp"))
    if kind == "user":
        events.append(_user(raw, at))
    elif kind == "action" and str(raw.get("name")) not in _INTERNAL_ACTIONS:
        events.append(ActionRun(str(raw.get("name")), at))
    elif kind == "slot" and str(raw.get("name")) not in _INTERNAL_SLOTS:
        events.append(SlotSet(str(raw.get("name")), _slot_value(raw.get("value")), at))
    elif kind == "pause":
        events.append(Paused(at))
    elif kind == "resume":
        events.append(Resumed(at))
    elif kind == "rewind":
        _drop_back_to(events, UserTurn)
    elif kind == "undo":
        _drop_back_to(events, ActionRun)
    elif kind == "restart":
        events.clear()


def _drop_back_to(events: list[Event], kind: type[UserTurn] | type[ActionRun]) -> None:
    """Remove events from the end up to and including the last one of `kind`."""
    while events:
        if isinstance(events.pop(), kind):
            return


def _user(raw: Mapping[str, Any], at: datetime) -> UserTurn:
    parse, metadata = _object(raw.get("parse_data")), _object(raw.get("metadata"))
    intent = _object(parse.get("intent"))
    name, confidence = intent.get("name"), intent.get("confidence")
    turn = metadata.get("turn")
    return UserTurn(
        text=str(raw.get("text") or ""),
        intent=str(name) if name else None,
        confidence=float(confidence) if isinstance(confidence, int | float) else None,
        entities=tuple(_entities(parse.get("entities"))),
        message_id=str(turn) if turn is not None else None,
        at=at,
    )


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _entities(raw: Any) -> list[Entity]:
    found = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        start, end = item.get("start"), item.get("end")
        if isinstance(start, int) and isinstance(end, int) and item.get("entity"):
            found.append(Entity(str(item["entity"]), start, end, str(item.get("value", ""))))
    return found


def _slot_value(value: Any) -> SlotValue:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return json.dumps(value, ensure_ascii=False)


def _time(value: Any) -> datetime:
    seconds = float(value) if isinstance(value, int | float) else 0.0
    return datetime.fromtimestamp(seconds, UTC)


async def read_conversation(rasa: RasaClient, sender: str) -> Conversation:
    """Every event of `sender`'s conversation; an unknown sender has no user turns."""
    data = await rasa.tracker(sender)
    return Conversation(sender, ()) if data is None else parse_tracker(data)
