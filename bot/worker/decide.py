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
    writes_probe: bool = False
    """Ozon refused our writes lately and the pause is over: this reply tries again."""


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


ABUSE_FLAGS = frozenset({InboundFlag.PROFANITY, InboundFlag.INSULT})
GENERAL_ASK = "ask"
"""The request kind of a general ask ("can you…", "подскажите…", lexicons/requests.yml)."""
SUBSTANTIVE_INTENTS = frozenset(
    {
        Intent.DELIVERY_STATUS,
        Intent.RETURN_REQUEST,
        Intent.ORDER_CANCEL,
        Intent.ORDER_CHANGE,
        Intent.PAYMENT_REFUND,
        Intent.DEFECTIVE_ITEM,
        Intent.WRONG_ITEM,
        Intent.NOT_RECEIVED,
        Intent.COMPLAINT,
        Intent.PRODUCT_SPECS,
        Intent.PRODUCT_AVAILABILITY,
        Intent.HUMAN_REQUEST,
    }
)
"""Intents that ask for something a person must answer: with them a message is never abuse or
spam and nothing else, whatever else it holds."""


def decide_inbound(
    inspection: Inspection, shop: ShopConfig | None = None, intent: str | None = None
) -> Plan | None:
    """What the inbound detectors decide, precision first; None: ask Rasa (and `decide`).

    The complaint flow (reasons `abuse`, `spam`: the bot stays silent, staff are told not to
    answer) is only for a message that is abuse or spam and nothing else. Precedence:
    `legal_threat` > `dispute` > `abuse` > `spam`.

    - A legal threat escalates as `legal_threat`, whatever else the message holds.
    - Abuse (profanity, insult) with a substantive request (`Inspection.requests`: money, a
      defect, a wrong item, delivery, the buyer's order) escalates as `dispute`, the abuse
      evidence in `detail`, so staff answer inside Ozon's window and may complain as well.
      With `shop.answer_rude_delivery` a rude question that is only about delivery goes to
      Rasa instead (None), which may answer it with the facts (`decide`, `flags_for_rasa`).
    - Abuse alone: `abuse`. Spam (the inbound spam signal) with no request: `spam`; spam with a
      request goes to Rasa (payment and refund wording is never spam).
    - `intent`: Rasa's intent, when the caller has it (the worker asks Rasa quietly after an
      inbound decision): a complaint plan whose message Rasa reads as a substantive request
      becomes a `dispute` (a request the lexicons missed is still a request).
    """
    flags = inspection.flags
    evidence = describe_inbound(inspection)
    if InboundFlag.LEGAL_THREAT in flags:
        return escalate(EscalationReason.LEGAL_THREAT, evidence)
    requests = inspection.request_kinds
    substantive = bool(requests) or Intent.parse(intent or "") in SUBSTANTIVE_INTENTS
    if flags & ABUSE_FLAGS:
        if not substantive:
            return escalate(EscalationReason.ABUSE, evidence)
        if _answers_rude_delivery(shop, requests, intent):
            return None
        return escalate(EscalationReason.DISPUTE, evidence)
    # Spam asks too ("хочешь зарабатывать?"): a general ask does not pull it out of the flow.
    asked = bool(requests - {GENERAL_ASK}) or Intent.parse(intent or "") in SUBSTANTIVE_INTENTS
    if InboundFlag.SPAM in flags and not asked:
        return escalate(EscalationReason.SPAM, evidence)
    return None


def flags_for_rasa(
    inspection: Inspection, shop: ShopConfig | None = None
) -> frozenset[InboundFlag]:
    """The inbound flags to hand Rasa (`TurnRequest.flags`) for a turn `decide_inbound` left to
    it. Rasa's escalation policy sends any abuse or spam flag to the complaint flow, so a flag
    the routing has already weighed is not passed on: spam (a message with a request is not
    spam), and abuse when the shop answers rude delivery questions (Rasa may then answer)."""
    flags = inspection.flags - {InboundFlag.SPAM}
    if _answers_rude_delivery(shop, inspection.request_kinds, None):
        flags -= ABUSE_FLAGS
    return flags


def _answers_rude_delivery(
    shop: ShopConfig | None, requests: frozenset[str], intent: str | None
) -> bool:
    """The shop answers rude questions that are only about delivery, and this is one."""
    if shop is None or not shop.answer_rude_delivery or not requests <= {"delivery", "order"}:
        return False
    return intent is None or Intent.parse(intent) is Intent.DELIVERY_STATUS


def describe_inbound(inspection: Inspection) -> str:
    """The evidence behind an inbound decision, for the card: `inbound:` and the flags, the
    requests (`requests:money,delivery`) and the abusive words (`abuse:уроды, мошенники`), so
    staff answering a dispute can still complain; staff/cards.py `detail_label` words it."""
    parts = ["inbound:" + ",".join(sorted(inspection.flags))]
    if inspection.requests:
        parts.append("requests:" + ",".join(sorted(inspection.request_kinds)))
    abuse = [" ".join(h.fragment.split())[:40] for h in inspection.hits if h.flag in ABUSE_FLAGS]
    if abuse:
        parts.append("abuse:" + ", ".join(abuse[:3]))
    return " ".join(parts)


def decide(
    shop: ShopConfig,
    dialogue: DialogueResult,
    situation: Situation,
    inspection: Inspection | None = None,
) -> Plan:
    """Rasa's answer + the shop's situation → reply, draft, escalate or stay silent.

    `inspection`: the inbound detectors' verdict on the same turn. The complaint flow needs
    them to agree: Rasa's `spam` never sends a buyer there alone (the inbound spam signal must
    have fired, on a message with no request), and Rasa's `abuse` on a message with a
    substantive request is a `dispute` (`confirmed`). A rude turn `decide_inbound` left to Rasa
    is answered only if the shop answers rude delivery questions and it is one."""
    candidate = "\n\n".join(dialogue.replies).strip() or None
    payload = dialogue.escalation
    intent = Intent.parse(dialogue.intent or "")
    if payload is not None:
        suggested = payload.suggested or candidate
        reason, why = confirmed(payload.reason or EscalationReason.UNKNOWN, intent, inspection)
        return escalate(reason, _joined(payload.detail, why), suggested=suggested)
    if intent in NEVER_AUTO_INTENTS:
        # The policy should have escalated; if it did not, people still get it.
        reason, why = confirmed(_reason_for(intent), intent, inspection)
        return escalate(reason, _joined(f"intent:{intent}", why), suggested=candidate)
    if (
        inspection is not None
        and inspection.flags & ABUSE_FLAGS
        and not _answers_rude_delivery(shop, inspection.request_kinds, dialogue.intent)
    ):
        return escalate(EscalationReason.DISPUTE, describe_inbound(inspection), suggested=candidate)
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


def confirmed(
    reason: EscalationReason, intent: Intent | None, inspection: Inspection | None
) -> tuple[EscalationReason, str | None]:
    """`reason` unless it would send a buyer to the complaint flow without the inbound
    detectors agreeing; then the reason a person handles it with, and why (for `detail`)."""
    if reason is EscalationReason.SPAM:
        if (
            inspection is not None
            and InboundFlag.SPAM in inspection.flags
            and not inspection.requests
        ):
            return reason, None
        return EscalationReason.UNKNOWN, "rasa:spam without the inbound spam signal"
    substantive = inspection is not None and (
        bool(inspection.requests) or intent in SUBSTANTIVE_INTENTS
    )
    if reason is EscalationReason.ABUSE and inspection is not None and substantive:
        return EscalationReason.DISPUTE, describe_inbound(inspection)
    return reason, None


def _joined(detail: str | None, why: str | None) -> str | None:
    if why is None:
        return detail
    return f"{detail}; {why}" if detail else why


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
