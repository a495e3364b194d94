"""One buyer turn as the actions see it, parsed once from Rasa's tracker state.

Rasa sends the tracker as JSON (`docs/dialogue.md`, "Rasa → actions"); everything an action
needs from it (the worker's metadata, the latest intent and entities, the slots) is read here
into a frozen `Turn`, so no action pokes into Rasa's dictionaries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.models import InboundFlag, Language

# Ozon numbers: posting `57195475-0050-3` (first group up to 10 digits), order `57195475-0050`
# (the posting number without its last group; shared/ozon/README.md).
_POSTING = re.compile(r"^\d{5,12}-\d{3,5}-\d{1,3}$")
_ORDER = re.compile(r"^\d{5,12}-\d{3,5}$")


def as_posting_reference(value: str | None) -> str | None:
    """`value` if it names postings: a posting number, or an order number (all its postings;
    `postings.resolve_posting` finds the one meant). Anything else: None."""
    if value is None:
        return None
    value = value.strip()
    return value if _POSTING.match(value) or _ORDER.match(value) else None


def is_posting_number(value: str) -> bool:
    return bool(_POSTING.match(value))


@dataclass(frozen=True, slots=True)
class Slots:
    posting_number: str | None = None
    order_number: str | None = None
    sku: str | None = None
    attribute: str | None = None
    escalation_reason: str | None = None
    awaiting_posting_number: bool = False


@dataclass(frozen=True, slots=True)
class Turn:
    """The latest buyer turn: who, in which shop and language, what Rasa understood."""

    sender_id: str
    text: str
    shop_id: str | None
    chat_id: str | None
    lang: Language | None
    """From the worker's metadata; None when absent or not a buyer language we answer in."""
    turn_id: str
    context_order_number: str | None
    """The Ozon chat context (`metadata.order_number`): may hold an order or a posting number."""
    context_sku: str | None
    flags: frozenset[InboundFlag]
    intent: str | None
    entities: tuple[tuple[str, str], ...]
    slots: Slots

    def entity(self, name: str) -> str | None:
        """The first value of entity `name` in the latest message."""
        for entity, value in self.entities:
            if entity == name:
                return value
        return None

    @property
    def seed(self) -> str:
        """Phrasing seed: varies between chats and turns, reproducible for one turn."""
        return f"{self.sender_id}:{self.turn_id}"

    def posting_reference(self) -> str | None:
        """The posting or order the buyer means: latest entities, then slots, then the chat
        context."""
        candidates = (
            self.entity("posting_number"),
            self.entity("order_number"),
            self.slots.posting_number,
            self.slots.order_number,
            self.context_order_number,
        )
        for candidate in candidates:
            if (reference := as_posting_reference(candidate)) is not None:
                return reference
        return None

    def posting_number(self) -> str | None:
        """A full posting number when the buyer or the chat gave one (facts for staff)."""
        reference = self.posting_reference()
        return reference if reference is not None and is_posting_number(reference) else None

    def sku(self) -> str | None:
        """The product the buyer means: latest entity, then the slot, then the chat context."""
        for candidate in (self.entity("sku"), self.slots.sku, self.context_sku):
            if candidate is not None and candidate.strip().isdigit():
                return candidate.strip()
        return None

    def attribute(self) -> str | None:
        """The product attribute asked about (canonical Russian name), if any."""
        return self.entity("attribute") or self.slots.attribute


# --- parsing Rasa's JSON ----------------------------------------------------------------


def _text(value: object) -> str | None:
    """A non-empty string from JSON (ids may arrive as numbers), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int):
        text = str(value).strip()
        return text or None
    return None


def _language(value: object) -> Language | None:
    # Buyers are answered in Russian or English only; `zh` is a staff-card language.
    text = _text(value)
    if text is None or text.lower() not in (Language.RU, Language.EN):
        return None
    return Language(text.lower())


def _flags(value: object) -> frozenset[InboundFlag]:
    if not isinstance(value, list):
        return frozenset()
    known = {flag.value for flag in InboundFlag}
    return frozenset(InboundFlag(item) for item in value if item in known)


def _entities(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        return ()
    found = []
    for item in value:
        if not isinstance(item, dict):
            continue
        name, text = _text(item.get("entity")), _text(item.get("value"))
        if name is not None and text is not None:
            found.append((name, text))
    return tuple(found)


def _slots(values: Mapping[str, object]) -> Slots:
    return Slots(
        posting_number=_text(values.get("posting_number")),
        order_number=_text(values.get("order_number")),
        sku=_text(values.get("sku")),
        attribute=_text(values.get("attribute")),
        escalation_reason=_text(values.get("escalation_reason")),
        awaiting_posting_number=values.get("awaiting_posting_number") is True,
    )


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, dict) else {}


def parse_turn(
    sender_id: str, latest_message: Mapping[str, object], slots: Mapping[str, object]
) -> Turn:
    """Build a `Turn` from the parts of Rasa's tracker state that actions use."""
    metadata = _mapping(latest_message.get("metadata"))
    intent = _mapping(latest_message.get("intent"))
    return Turn(
        sender_id=sender_id,
        text=_text(latest_message.get("text")) or "",
        shop_id=_text(metadata.get("shop")),
        chat_id=_text(metadata.get("chat_id")),
        lang=_language(metadata.get("lang")),
        turn_id=_text(metadata.get("turn")) or _text(latest_message.get("message_id")) or "",
        context_order_number=_text(metadata.get("order_number")),
        context_sku=_text(metadata.get("sku")),
        flags=_flags(metadata.get("flags")),
        intent=_text(intent.get("name")),
        entities=_entities(latest_message.get("entities")),
        slots=_slots(slots),
    )
