"""The review inbox: which handled buyer turns are worth a human look, and why.

A turn is picked when the model was unsure (confidence below the threshold, or Rasa's
`nlu_fallback`), when it ended in an `unknown` escalation or a reply the guard blocked, when
staff took the chat over and answered themselves, or when staff marked its intent as wrong on
the Telegram card. Texts are anonymised here, before they leave the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.dialogue.types import FALLBACK_INTENT
from bot.models import EscalationReason
from bot.review.anonymize import Anonymizer
from bot.review.nlu_files import clean_text
from bot.state.chats import ChatStore
from bot.state.escalations import ControlStore, EscalationStore
from bot.state.models import BlockedText, Escalation, TurnRecord

_TAKEOVER = "take_over"
_STAFF_REPLIES = frozenset({"replied", "sent_suggested"})


class Why(StrEnum):
    """Why a turn is in the inbox (several may apply)."""

    STAFF_MARK = "staff_mark"
    FALLBACK = "fallback"
    LOW_CONFIDENCE = "low_confidence"
    UNKNOWN_ESCALATION = "unknown_escalation"
    STAFF_ANSWERED = "staff_answered"
    BLOCKED_REPLY = "blocked_reply"


@dataclass(frozen=True, slots=True)
class ReviewItem:
    shop: str
    chat_id: str
    message_ids: tuple[str, ...]
    handled_at: datetime
    text: str
    """Anonymised, on one line."""
    predicted_intent: str | None
    confidence: float | None
    why: tuple[Why, ...]
    staff_mark: str | None = None

    @property
    def block_intent(self) -> str:
        """The intent block it is filed under: the staff mark, else the model's guess.

        No guess at all (a taken-over chat) is filed under `nlu_fallback`, which `review
        import` refuses: a person has to move it, it is never trained on by default.
        """
        return self.staff_mark or self.predicted_intent or FALLBACK_INTENT


def reasons(record: TurnRecord, escalation: Escalation | None, threshold: float) -> tuple[Why, ...]:
    """Every reason `record` deserves a look, in the order above."""
    found: list[Why] = []
    if escalation is not None and staff_mark(record, escalation):
        found.append(Why.STAFF_MARK)
    if record.intent == FALLBACK_INTENT:
        found.append(Why.FALLBACK)
    elif record.intent and record.confidence is not None and record.confidence < threshold:
        found.append(Why.LOW_CONFIDENCE)
    if record.reason is EscalationReason.UNKNOWN:
        found.append(Why.UNKNOWN_ESCALATION)
    if escalation is not None and staff_answered_after_takeover(escalation):
        found.append(Why.STAFF_ANSWERED)
    if record.reason is EscalationReason.BLOCKED_REPLY or record.violations:
        found.append(Why.BLOCKED_REPLY)
    return tuple(found)


def staff_mark(record: TurnRecord, escalation: Escalation) -> str | None:
    """The intent staff said this turn really is (marks are kept per buyer message id)."""
    marks = escalation.wrong_intent_marks
    return next((marks[m] for m in reversed(record.message_ids) if m in marks), None)


def staff_answered_after_takeover(escalation: Escalation) -> bool:
    taken = False
    for action in escalation.history:
        taken = taken or action.action == _TAKEOVER
        if taken and action.action in _STAFF_REPLIES:
            return True
    return False


def select(
    records: Iterable[TurnRecord],
    escalations: Mapping[str, Escalation],
    *,
    threshold: float,
    anonymizer: Anonymizer,
) -> list[ReviewItem]:
    """The inbox items among `records`, oldest first."""
    items = []
    for record in sorted(records, key=lambda r: (r.handled_at, r.chat_id)):
        escalation = escalations.get(record.escalation_id or "")
        why = reasons(record, escalation, threshold)
        text = clean_text(record.text)
        if not why or not text:
            continue
        items.append(
            ReviewItem(
                shop=record.shop,
                chat_id=record.chat_id,
                message_ids=record.message_ids,
                handled_at=record.handled_at,
                text=anonymizer.mask(text),
                predicted_intent=record.intent,
                confidence=record.confidence,
                why=why,
                staff_mark=staff_mark(record, escalation) if escalation else None,
            )
        )
    return items


async def collect(
    chats: ChatStore,
    escalations: EscalationStore,
    shop: str,
    since: datetime,
    until: datetime,
    *,
    threshold: float,
    anonymizer: Anonymizer,
) -> list[ReviewItem]:
    """The inbox of one shop for turns handled in [since, until]."""
    records = await chats.records_between(shop, since, until)
    linked: dict[str, Escalation] = {}
    for escalation_id in sorted({r.escalation_id for r in records if r.escalation_id}):
        # An escalation opened before the period can still hold this period's turns.
        escalation = await escalations.get(escalation_id)
        if escalation is not None:
            linked[escalation_id] = escalation
    return select(records, linked, threshold=threshold, anonymizer=anonymizer)


@dataclass(frozen=True, slots=True)
class BlockedReply:
    """An outgoing text the guard refused (the bot's or a staff member's), anonymised."""

    shop: str
    at: datetime
    origin: str
    rules: tuple[str, ...]
    text: str


def blocked_reply(shop: str, blocked: BlockedText, anonymizer: Anonymizer) -> BlockedReply:
    rules = tuple(sorted({v.rule.value for v in blocked.violations}))
    text = anonymizer.mask(clean_text(blocked.text))
    return BlockedReply(shop=shop, at=blocked.at, origin=blocked.origin, rules=rules, text=text)


async def collect_blocked(
    control: ControlStore, shop: str, since: datetime, until: datetime, anonymizer: Anonymizer
) -> list[BlockedReply]:
    """Refused outgoing texts of the period: what the knowledge snippets or staff got wrong."""
    found = await control.blocked_between(shop, since, until)
    return [blocked_reply(shop, b, anonymizer) for b in sorted(found, key=lambda b: b.at)]
