"""What one action decided: the buyer-facing text, the worker payload, the slot changes.

Actions return an `Outcome`; only `base.py` turns it into rasa_sdk dispatcher calls and events,
so the decisions stay plain data that unit tests can compare.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.dialogue.actions.payload import Payload


@dataclass(frozen=True, slots=True)
class SetSlot:
    name: str
    value: str | bool | None


@dataclass(frozen=True, slots=True)
class RevertTurn:
    """Rasa forgets the buyer's turn (and this action), so the worker can replay it later."""


Event = SetSlot | RevertTurn


@dataclass(frozen=True, slots=True)
class Outcome:
    payload: Payload
    text: str | None = None
    """Said to the buyer, before the payload; None for escalations and retries."""
    events: tuple[Event, ...] = ()
