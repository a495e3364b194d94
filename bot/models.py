"""Names shared by every part of the system.

The string values of the enums below are **contracts** (see ARCHITECTURE.md): Rasa's `nlu/`
and `domain.yml`, the scenario files, `ozonbot check --json` and the staff console all spell
them exactly like this. Add a member only together with its training data and documentation.
"""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    GREET = "greet"
    THANK = "thank"
    AFFIRM = "affirm"
    DENY = "deny"
    DELIVERY_STATUS = "delivery_status"
    RETURN_REQUEST = "return_request"
    PRODUCT_SPECS = "product_specs"
    PRODUCT_AVAILABILITY = "product_availability"
    ORDER_CANCEL = "order_cancel"
    ORDER_CHANGE = "order_change"
    PAYMENT_REFUND = "payment_refund"
    DEFECTIVE_ITEM = "defective_item"
    WRONG_ITEM = "wrong_item"
    NOT_RECEIVED = "not_received"
    COMPLAINT = "complaint"
    HUMAN_REQUEST = "human_request"
    CONTACT_EXCHANGE = "contact_exchange"
    ABUSIVE = "abusive"
    SPAM = "spam"
    OUT_OF_SCOPE = "out_of_scope"

    @classmethod
    def parse(cls, value: str) -> Intent | None:
        """The intent named `value`, or None for Rasa's `nlu_fallback` and unknown names."""
        try:
            return cls(value)
        except ValueError:
            return None


DISPUTE_INTENTS = frozenset(
    {Intent.DEFECTIVE_ITEM, Intent.WRONG_ITEM, Intent.NOT_RECEIVED, Intent.COMPLAINT}
)
"""Intents that always go to a person with reason `dispute` (ARCHITECTURE.md)."""

NEVER_AUTO_INTENTS = DISPUTE_INTENTS | {Intent.ABUSIVE, Intent.SPAM, Intent.HUMAN_REQUEST}
"""Intents no working-hours mode may answer automatically."""

ROUTINE_INTENTS = frozenset(set(Intent) - NEVER_AUTO_INTENTS - {Intent.OUT_OF_SCOPE})


class EscalationReason(StrEnum):
    DISPUTE = "dispute"
    LEGAL_THREAT = "legal_threat"
    ABUSE = "abuse"
    SPAM = "spam"
    HUMAN_REQUEST = "human_request"
    UNKNOWN = "unknown"
    BLOCKED_REPLY = "blocked_reply"
    SYSTEM = "system"


COMPLAINT_REASONS = frozenset({EscalationReason.ABUSE, EscalationReason.SPAM})
"""Reasons that go to the complaint flow: no reply to the buyer at all."""


class Rule(StrEnum):
    """Outbound rule ids: what the check of every outgoing text reports."""

    PROFANITY = "profanity"
    INSULT = "insult"
    CONTACTS = "contacts"
    EXTERNAL_LINK = "external_link"
    CANCEL_REQUEST = "cancel_request"
    COMPETITOR = "competitor"
    OZON_NEGATIVE = "ozon_negative"
    SUPERLATIVE = "superlative"
    CAPS = "caps"
    PUNCTUATION = "punctuation"
    EMOJI = "emoji"
    PERSONAL_DATA = "personal_data"


MECHANICAL_RULES = frozenset({Rule.CAPS, Rule.PUNCTUATION, Rule.EMOJI})
"""Rules a machine can fix without changing meaning; staff are offered the fix to confirm."""


class InboundFlag(StrEnum):
    """Detector flags on buyer text, computed before Rasa sees it."""

    PROFANITY = "profanity"
    INSULT = "insult"
    SPAM = "spam"
    CONTACTS = "contacts"
    EXTERNAL_LINK = "external_link"
    LEGAL_THREAT = "legal_threat"


class Decision(StrEnum):
    """What the worker does with a buyer turn."""

    REPLY = "reply"
    DRAFT = "draft"
    ESCALATE = "escalate"
    NONE = "none"


class Mode(StrEnum):
    """Per intent and working-hours period: send, ask staff to approve, or hand over."""

    AUTO = "auto"
    DRAFT = "draft"
    OFF = "off"


class Language(StrEnum):
    RU = "ru"
    EN = "en"
    ZH = "zh"
