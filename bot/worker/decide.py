"""The decision stage: what to do with a buyer turn, as a pure function of what is known.

Inputs are the inbound detectors' flags, Rasa's answer and the shop's situation (working hours,
kill switch, mode override); the output is a `Plan`. Nothing here does I/O, so every rule of
ARCHITECTURE.md ("disputes, abuse and spam are never auto-answered", "abuse and spam get no
reply") is checked by plain unit tests.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.config import ShopConfig
from bot.dialogue.types import DialogueResult
from bot.guard.types import Inspection, Violation
from bot.models import (
    NEVER_AUTO_INTENTS,
    Decision,
    EscalationReason,
    InboundFlag,
    Intent,
    Mode,
)

if TYPE_CHECKING:
    from bot.worker.send import Checked

MAX_REPLY_CHARS = 1000
"""Ozon's limit for one chat message (`/v1/chat/send/message`)."""

# When several reasons apply to one chat, the card shows the strongest.
_STRENGTH = (
    EscalationReason.UNKNOWN,
    EscalationReason.SYSTEM,
    EscalationReason.BLOCKED_REPLY,
    EscalationReason.HUMAN_REQUEST,
    EscalationReason.DISPUTE,
    EscalationReason.LEGAL_THREAT,
    EscalationReason.SPAM,
    EscalationReason.ABUSE,
)


def stronger(a: EscalationReason | None, b: EscalationReason | None) -> EscalationReason | None:
    if a is None or b is None:
        return a or b
    return a if _STRENGTH.index(a) >= _STRENGTH.index(b) else b


@dataclass(frozen=True, slots=True)
class Situation:
    working: bool
    """Inside the shop's working hours."""
    shop_paused: bool = False
    """Kill switch (/pause): nothing is sent automatically; replies become drafts."""
    override: Mode | None = None
    """/mode for routine intents, until it expires."""


@dataclass(frozen=True, slots=True)
class Plan:
    decision: Decision
    reason: EscalationReason | None = None
    detail: str | None = None
    reply: str | None = None
    """Text for the buyer now (decision REPLY)."""
    suggested: str | None = None
    """Text offered to staff (DRAFT, or an escalation with a candidate answer)."""
    violations: tuple[Violation, ...] = ()
    checked: Checked | None = None
    """The reply once the outbound check approved it: only this can be sent."""

    @property
    def complaint(self) -> bool:
        return self.reason in (EscalationReason.ABUSE, EscalationReason.SPAM)

    def approved(self, checked: Checked) -> Plan:
        return replace(self, checked=checked)


def escalate(
    reason: EscalationReason, detail: str | None = None, *, suggested: str | None = None
) -> Plan:
    return Plan(Decision.ESCALATE, reason=reason, detail=detail, suggested=suggested)


def decide_inbound(inspection: Inspection) -> Plan | None:
    """Flags that decide without asking Rasa: abuse and spam (complaint flow), legal threats."""
    flags = inspection.flags
    if flags & {InboundFlag.PROFANITY, InboundFlag.INSULT}:
        return escalate(EscalationReason.ABUSE, "inbound:" + ",".join(sorted(flags)))
    if InboundFlag.SPAM in flags:
        return escalate(EscalationReason.SPAM, "inbound:spam")
    if InboundFlag.LEGAL_THREAT in flags:
        return escalate(EscalationReason.LEGAL_THREAT, "inbound:legal_threat")
    return None


def decide(shop: ShopConfig, dialogue: DialogueResult, situation: Situation) -> Plan:
    """Rasa's answer + the shop's situation → reply, draft, escalate or stay silent."""
    candidate = "\n\n".join(dialogue.replies).strip() or None
    payload = dialogue.escalation
    if payload is not None:
        suggested = payload.suggested or candidate
        reason = payload.reason or EscalationReason.UNKNOWN
        return escalate(reason, payload.detail, suggested=suggested)
    intent = Intent.parse(dialogue.intent or "")
    if intent in NEVER_AUTO_INTENTS:
        # The policy should have escalated; if it did not, people still get it.
        return escalate(_reason_for(intent), f"intent:{intent}", suggested=candidate)
    if candidate is None:
        if intent is None:
            return escalate(EscalationReason.UNKNOWN, f"no answer for {dialogue.intent!r}")
        return Plan(Decision.NONE, detail=f"nothing to say for {intent}")
    if len(candidate) > MAX_REPLY_CHARS:
        too_long = "reply longer than Ozon allows"
        return escalate(EscalationReason.UNKNOWN, too_long, suggested=candidate)
    mode = _mode(shop, intent, situation)
    if mode is Mode.AUTO:
        return Plan(Decision.REPLY, reply=candidate)
    if mode is Mode.DRAFT:
        detail = "shop paused" if situation.shop_paused else None
        return Plan(Decision.DRAFT, suggested=candidate, detail=detail)
    return escalate(EscalationReason.UNKNOWN, f"mode off for {intent}", suggested=candidate)


def _mode(shop: ShopConfig, intent: Intent | None, situation: Situation) -> Mode:
    if situation.shop_paused:
        return Mode.DRAFT
    if intent is None:  # a clarifying question after a fallback
        return situation.override or Mode.AUTO
    if situation.override is not None:
        return situation.override
    return shop.mode_for(intent, working=situation.working)


def _reason_for(intent: Intent) -> EscalationReason:
    if intent is Intent.HUMAN_REQUEST:
        return EscalationReason.HUMAN_REQUEST
    if intent is Intent.ABUSIVE:
        return EscalationReason.ABUSE
    if intent is Intent.SPAM:
        return EscalationReason.SPAM
    return EscalationReason.DISPUTE


def blocked(plan: Plan, violations: tuple[Violation, ...]) -> Plan:
    """The outbound check stopped the reply: escalate with the violation, never send it."""
    rules = ",".join(sorted({v.rule.value for v in violations}))
    return replace(
        plan,
        decision=Decision.ESCALATE,
        reason=EscalationReason.BLOCKED_REPLY,
        detail=f"blocked:{rules}",
        reply=None,
        suggested=None,
        violations=violations,
        checked=None,
    )
