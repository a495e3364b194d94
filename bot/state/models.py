"""What the worker keeps in Redis, as frozen pydantic models (JSON on the wire, typed in code).

These are the records other parts read: the staff console reads escalations and notifications,
`ozonbot review` reads turn records, the scheduler reads both. Ids are strings throughout.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.guard.types import Violation
from bot.models import Decision, EscalationReason, InboundFlag, Rule
from bot.ozon.schemas import MessageContext as MessageContext  # one model, read from Ozon


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class BuyerMessage(_Frozen):
    """One buyer message taken from Ozon into a chat's inbox."""

    shop: str
    chat_id: str
    message_id: str
    created_at: datetime
    text: str
    is_image: bool = False
    context: MessageContext | None = None
    seen_at: datetime = Field(default_factory=utcnow)
    """When the worker first saw it (the start of the latency the benchmark measures)."""


class ViolationRecord(_Frozen):
    rule: Rule
    start: int
    end: int
    fragment: str

    @classmethod
    def from_violation(cls, violation: Violation) -> ViolationRecord:
        return cls(
            rule=violation.rule,
            start=violation.start,
            end=violation.end,
            fragment=violation.fragment,
        )


class BlockedText(_Frozen):
    """An outgoing text the guard refused, kept for review for a limited time."""

    at: datetime
    origin: str
    text: str
    violations: tuple[ViolationRecord, ...]


class Timings(_Frozen):
    """Milliseconds spent per stage of one turn."""

    inbound: float = 0.0
    dialogue: float = 0.0
    decide: float = 0.0
    outbound: float = 0.0
    send: float = 0.0
    total: float = 0.0
    visible_to_sent: float | None = None


class TurnRecord(_Frozen):
    """What happened to one buyer turn (one or several messages answered together)."""

    shop: str
    chat_id: str
    message_ids: tuple[str, ...]
    text: str
    """The buyer's text as written: kept for review with the record's retention, never logged."""
    lang: str = "ru"
    intent: str | None = None
    confidence: float | None = None
    entities: dict[str, str] = Field(default_factory=dict)
    flags: tuple[InboundFlag, ...] = ()
    decision: Decision
    reason: EscalationReason | None = None
    detail: str | None = None
    reply: str | None = None
    suggested: str | None = None
    violations: tuple[ViolationRecord, ...] = ()
    escalation_id: str | None = None
    new_escalation: bool = False
    """The turn opened the escalation; False when it only added to a card already open."""
    acted_intent: str | None = None
    """The intent the worker acted on: Rasa's, or `abusive`/`spam` when the inbound detectors
    decided before Rasa (`intent` stays Rasa's own answer, for the tuning loop)."""
    timings: Timings = Field(default_factory=Timings)
    seen_at: datetime | None = None
    """When the worker first saw the earliest of the turn's messages."""
    handled_at: datetime = Field(default_factory=utcnow)
    worker: str = ""

    @property
    def last_message_id(self) -> str:
        return self.message_ids[-1]


class SendClaim(_Frozen):
    """Who is sending an escalation's suggested reply, and since when (the claim)."""

    token: str
    at: datetime
    by: str
    text: str


class EscalationStatus(StrEnum):
    OPEN = "open"
    TAKEN = "taken"
    """A staff member took the chat over: the bot is paused for it."""
    COMPLAINT = "complaint"
    """Abuse or spam: the bot never answers the chat again until staff resolve it."""
    COMPLAINT_FILED = "complaint_filed"
    RESOLVED = "resolved"
    RETURNED = "returned"
    """Given back to the bot."""


class StaffAction(_Frozen):
    at: datetime = Field(default_factory=utcnow)
    user_id: int | None = None
    user_name: str | None = None
    action: str
    note: str | None = None


class Escalation(_Frozen):
    """One chat handed to people; at most one open escalation per chat.

    A *draft* (working-hours mode `draft`) is the same card without a reason: the bot has a
    reply ready and waits for a person to approve it (or sends it at `auto_send_at`).
    """

    id: str
    shop: str
    chat_id: str
    reason: EscalationReason | None
    draft: bool = False
    auto_send_at: datetime | None = None
    detail: str | None = None
    intent: str | None = None
    confidence: float | None = None
    status: EscalationStatus = EscalationStatus.OPEN
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    last_buyer_at: datetime = Field(default_factory=utcnow)
    buyer_messages: tuple[BuyerMessage, ...] = ()
    """The last buyer messages of the chat (the card masks contacts before showing them)."""
    facts: dict[str, str] = Field(default_factory=dict)
    """Order/posting status and similar, as the actions reported them."""
    suggested: str | None = None
    violations: tuple[ViolationRecord, ...] = ()
    order_number: str | None = None
    reply_deadline: datetime | None = None
    """When Ozon's reply window closes, when known."""
    card_message_id: int | None = None
    thread_id: int | None = None
    history: tuple[StaffAction, ...] = ()
    reminders_sent: int = 0
    owner_mentioned: bool = False
    evidence: tuple[str, ...] = ()
    """Complaint flow: message ids, times and detector hits kept as evidence."""
    wrong_intent_marks: dict[str, str] = Field(default_factory=dict)
    sending: SendClaim | None = None
    """The suggested reply is being sent (claimed): nobody else may send it meanwhile."""

    @property
    def is_open(self) -> bool:
        return self.status in (
            EscalationStatus.OPEN,
            EscalationStatus.TAKEN,
            EscalationStatus.COMPLAINT,
        )


NotificationKind = Literal[
    "escalation",  # a new or updated escalation card
    "draft",  # a suggested reply waiting for one-tap approval
    "forward",  # a buyer message in a taken-over or complaint chat, to the card's thread
    "reminder",  # SLA re-announcement / owner mention / urgent
    "digest",  # the morning digest
    "notice",  # plain text to the staff chat (premium missing, key expiry, system)
    "question",  # a public product question for staff: send, edit and send, or dismiss
    "review",  # a review for staff (1-3 stars, or one the bot could not answer)
]


class PublicStream(StrEnum):
    QUESTIONS = "questions"
    REVIEWS = "reviews"


class PublicCardStatus(StrEnum):
    OPEN = "open"
    SENT = "sent"
    DISMISSED = "dismissed"


class PublicCard(_Frozen):
    """A product question or a review waiting for staff (`bot.streams.desk`). The card carries
    everything it shows, so the console renders it without another lookup."""

    id: str
    """`{shop}-q-{10 hex}` or `{shop}-r-{10 hex}`: fits a Telegram button (64 bytes)."""
    shop: str
    stream: PublicStream
    item_id: str
    """The question or review id at Ozon."""
    sku: str
    product_name: str | None = None
    text: str
    """The buyer's text as written (the card masks contacts before showing it)."""
    rating: int | None = None
    why: str
    """Why it came to people: `card_silent`, `compatibility`, `complaint`, `abuse`, `spam`,
    `dispute`, `low_rating`, `unknown`, `blocked_reply`, `moderation_failed`, ..."""
    intent: str | None = None
    facts: dict[str, str] = Field(default_factory=dict)
    """What the card or the order says (attribute values, order status)."""
    suggested: str | None = None
    """A checked suggestion; None when the card does not say and nothing can be suggested."""
    status: PublicCardStatus = PublicCardStatus.OPEN
    created_at: datetime = Field(default_factory=utcnow)
    history: tuple[StaffAction, ...] = ()
    card_message_id: int | None = None
    """The card's message in the staff chat, once posted (later updates edit it)."""


class Notification(_Frozen):
    """One thing to tell staff. Delivered through the outbox; `id` makes delivery idempotent."""

    id: str
    kind: NotificationKind
    shop: str
    escalation_id: str | None = None
    chat_id: str | None = None
    text: str | None = None
    """Pre-rendered text for `notice`/`digest`; cards are rendered by the staff console."""
    public: PublicCard | None = None
    """The card of a `question`/`review` notification, as it was when queued."""
    created_at: datetime = Field(default_factory=utcnow)
    attempts: int = 0


class PendingSend(_Frozen):
    """A reply decided for a turn but not yet known to be delivered.

    Written before the Ozon call and removed in the same transaction that records the turn, so a
    worker that dies in between leaves it behind; the next owner of the chat looks for the text
    in the chat history instead of answering twice.
    """

    message_ids: tuple[str, ...]
    text: str
    started_at: datetime
    record: TurnRecord
    escalation: Escalation | None = None
    attempts: int = 0
    unsent: bool = False
    """Ozon answered that it did not take the message (429): resend it without looking."""
    writes_probe: bool = False
    """The first write since Ozon refused them: when it goes through, staff are told."""
