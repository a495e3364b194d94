"""What a card shows of the machine translation of the buyer's messages (plain values, so
`bot.staff.cards` renders them without knowing any engine)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class TranslationState(StrEnum):
    NONE = "none"
    """Nothing to translate: every message is already in the staff language."""
    PENDING = "pending"
    """Asked for; the card is edited when it arrives."""
    DONE = "done"
    UNAVAILABLE = "unavailable"
    """Translation is off, or the engine failed for at least one message."""


@dataclass(frozen=True, slots=True)
class CardTranslations:
    state: TranslationState = TranslationState.NONE
    lines: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Buyer message id -> its text in the staff language (masked before it left)."""
