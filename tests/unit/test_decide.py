"""The decision stage: a pure function, so every rule of the contract is checked directly."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.config import ShopConfig
from bot.dialogue.types import ActionPayload, DialogueResult
from bot.guard.types import InboundHit, Inspection, Request, Violation
from bot.models import Decision, EscalationReason, InboundFlag, Intent, Mode, Rule
from bot.worker.decide import (
    Plan,
    Situation,
    blocked,
    decide,
    decide_inbound,
    flags_for_rasa,
    stronger,
)

SHOP = ShopConfig(id="main", name="Shop", client_id="1", api_key=SecretStr("k"))
WORKING = Situation(working=True)


def answer(intent: str, *replies: str, payloads: tuple[ActionPayload, ...] = ()) -> DialogueResult:
    return DialogueResult(intent=intent, confidence=0.9, replies=replies, payloads=payloads)


def inspection(*flags: InboundFlag, requests: tuple[str, ...] = ()) -> Inspection:
    return Inspection(
        text="x",
        hits=tuple(InboundHit(f, 0, 1, "x") for f in flags),
        requests=tuple(Request(kind, 0, 1, "x") for kind in requests),
    )


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        ((InboundFlag.PROFANITY,), EscalationReason.ABUSE),
        ((InboundFlag.INSULT,), EscalationReason.ABUSE),
        ((InboundFlag.SPAM,), EscalationReason.SPAM),
        ((InboundFlag.LEGAL_THREAT,), EscalationReason.LEGAL_THREAT),
        ((InboundFlag.SPAM, InboundFlag.INSULT), EscalationReason.ABUSE),
    ],
)
def test_inbound_flags_escalate_without_rasa(
    flags: tuple[InboundFlag, ...], reason: EscalationReason
) -> None:
    plan = decide_inbound(inspection(*flags))
    assert plan is not None
    assert plan.decision is Decision.ESCALATE
    assert plan.reason is reason
    assert plan.reply is None


def test_contacts_and_links_alone_go_to_rasa() -> None:
    assert decide_inbound(inspection(InboundFlag.CONTACTS, InboundFlag.EXTERNAL_LINK)) is None


def test_abuse_and_spam_plans_are_complaints() -> None:
    assert Plan(Decision.ESCALATE, reason=EscalationReason.ABUSE).complaint
    assert Plan(Decision.ESCALATE, reason=EscalationReason.SPAM).complaint
    assert not Plan(Decision.ESCALATE, reason=EscalationReason.DISPUTE).complaint


def test_routine_intent_is_answered_automatically_at_any_hour() -> None:
    for working in (True, False):
        plan = decide(SHOP, answer("delivery_status", "Заказ в пути."), Situation(working=working))
        assert plan.decision is Decision.REPLY
        assert plan.reply == "Заказ в пути."


def test_several_replies_are_sent_as_one_message() -> None:
    plan = decide(SHOP, answer("greet", "Здравствуйте.", "Чем помочь?"), WORKING)
    assert plan.reply == "Здравствуйте.\n\nЧем помочь?"


def test_escalation_payload_wins_and_keeps_the_suggested_reply() -> None:
    payload = ActionPayload(kind="escalate", reason=EscalationReason.DISPUTE, suggested="Проверим.")
    plan = decide(SHOP, answer("defective_item", payloads=(payload,)), WORKING)
    assert plan.decision is Decision.ESCALATE
    assert plan.reason is EscalationReason.DISPUTE
    assert plan.suggested == "Проверим."
    assert plan.reply is None


@pytest.mark.parametrize(
    ("intent", "reason"),
    [
        ("wrong_item", EscalationReason.DISPUTE),
        ("not_received", EscalationReason.DISPUTE),
        ("complaint", EscalationReason.DISPUTE),
        ("human_request", EscalationReason.HUMAN_REQUEST),
        ("abusive", EscalationReason.ABUSE),
        ("spam", EscalationReason.UNKNOWN),  # Rasa's spam alone: a person, not the complaint flow
    ],
)
def test_never_auto_intents_escalate_even_if_rasa_answered(
    intent: str, reason: EscalationReason
) -> None:
    plan = decide(SHOP, answer(intent, "какой-то ответ"), WORKING)
    assert plan.decision is Decision.ESCALATE
    assert plan.reason is reason
    assert plan.reply is None


def test_unknown_intent_without_answer_escalates_unknown() -> None:
    plan = decide(SHOP, answer("nlu_fallback"), WORKING)
    assert plan.reason is EscalationReason.UNKNOWN


def test_fallback_with_a_clarifying_question_is_sent() -> None:
    plan = decide(SHOP, answer("nlu_fallback", "Уточните, пожалуйста, вопрос."), WORKING)
    assert plan.decision is Decision.REPLY


def test_draft_mode_after_hours_keeps_the_reply_for_staff() -> None:
    shop = SHOP.model_copy(
        update={"modes": {"working": {}, "after_hours": {Intent.DELIVERY_STATUS: Mode.DRAFT}}}
    )
    plan = decide(shop, answer("delivery_status", "В пути."), Situation(working=False))
    assert plan.decision is Decision.DRAFT
    assert plan.suggested == "В пути."
    assert decide(shop, answer("delivery_status", "В пути."), WORKING).decision is Decision.REPLY


def test_off_mode_escalates_with_the_candidate() -> None:
    shop = SHOP.model_copy(
        update={"modes": {"working": {Intent.RETURN_REQUEST: Mode.OFF}, "after_hours": {}}}
    )
    plan = decide(shop, answer("return_request", "Возврат оформляется так."), WORKING)
    assert plan.decision is Decision.ESCALATE
    assert plan.suggested == "Возврат оформляется так."


def test_kill_switch_turns_every_reply_into_a_draft() -> None:
    plan = decide(SHOP, answer("greet", "Здравствуйте."), Situation(working=True, shop_paused=True))
    assert plan.decision is Decision.DRAFT


def test_mode_override_applies_to_routine_intents() -> None:
    plan = decide(
        SHOP, answer("greet", "Здравствуйте."), Situation(working=True, override=Mode.OFF)
    )
    assert plan.decision is Decision.ESCALATE


def test_a_reply_longer_than_ozon_allows_goes_to_staff() -> None:
    plan = decide(SHOP, answer("product_specs", "а" * 1001), WORKING)
    assert plan.decision is Decision.ESCALATE
    assert plan.suggested == "а" * 1001


def test_nothing_to_say_is_silence() -> None:
    assert decide(SHOP, answer("affirm"), WORKING).decision is Decision.NONE


def test_blocked_reply_escalates_with_the_violation_and_sends_nothing() -> None:
    violation = Violation(Rule.EMOJI, 0, 1, "🙂")
    plan = blocked(Plan(Decision.REPLY, reply="🙂"), (violation,))
    assert plan.decision is Decision.ESCALATE
    assert plan.reason is EscalationReason.BLOCKED_REPLY
    assert plan.reply is None
    assert plan.violations == (violation,)


def test_stronger_reason_wins() -> None:
    assert stronger(EscalationReason.UNKNOWN, EscalationReason.DISPUTE) is EscalationReason.DISPUTE
    assert stronger(EscalationReason.ABUSE, EscalationReason.DISPUTE) is EscalationReason.ABUSE
    assert stronger(None, EscalationReason.SPAM) is EscalationReason.SPAM


# --- inbound routing: the complaint flow only for abuse or spam and nothing else --------------

INSULT, SPAM, LEGAL = InboundFlag.INSULT, InboundFlag.SPAM, InboundFlag.LEGAL_THREAT
RUDE_DELIVERY_SHOP = SHOP.model_copy(update={"answer_rude_delivery": True})


def spam_payload() -> ActionPayload:
    return ActionPayload(kind="escalate", reason=EscalationReason.SPAM, detail="intent spam")


def test_an_insult_with_a_refund_and_a_court_threat_is_a_legal_threat_not_a_complaint() -> None:
    """ "вы мошенники, верните деньги, иначе подам в суд": a person answers inside Ozon's
    window; the card keeps the abuse evidence."""
    plan = decide_inbound(inspection(INSULT, LEGAL, requests=("money",)))
    assert plan is not None
    assert plan.reason is EscalationReason.LEGAL_THREAT
    assert not plan.complaint
    assert plan.detail == "inbound:insult,legal_threat requests:money abuse:x"


@pytest.mark.parametrize("kind", ["money", "defect", "wrong_item", "delivery", "order"])
def test_an_insult_with_a_substantive_request_is_a_dispute(kind: str) -> None:
    plan = decide_inbound(inspection(INSULT, requests=(kind,)))
    assert plan is not None
    assert plan.reason is EscalationReason.DISPUTE
    assert not plan.complaint
    assert plan.detail is not None
    assert "insult" in plan.detail


def test_an_insult_and_nothing_else_goes_to_the_complaint_flow() -> None:
    plan = decide_inbound(inspection(INSULT))
    assert plan is not None
    assert plan.reason is EscalationReason.ABUSE
    assert plan.complaint


def test_rasa_reading_a_request_turns_an_abuse_plan_into_a_dispute() -> None:
    """A request the lexicons missed is still a request when Rasa names it."""
    plan = decide_inbound(inspection(INSULT), intent="defective_item")
    assert plan is not None
    assert plan.reason is EscalationReason.DISPUTE
    plan = decide_inbound(inspection(INSULT), intent="abusive")
    assert plan is not None
    assert plan.reason is EscalationReason.ABUSE


def test_spam_with_a_payment_request_is_left_to_rasa() -> None:
    assert decide_inbound(inspection(SPAM, requests=("money",))) is None
    plan = decide_inbound(inspection(SPAM))
    assert plan is not None
    assert plan.reason is EscalationReason.SPAM


def test_rasa_spam_alone_never_sends_a_buyer_to_the_complaint_flow() -> None:
    """ "I want assistance to solve a problem with online payment" read as spam at 0.98."""
    plan = decide(SHOP, answer("spam", payloads=(spam_payload(),)), WORKING, inspection())
    assert plan.reason is EscalationReason.UNKNOWN
    assert not plan.complaint
    assert plan.detail == "intent spam; rasa:spam without the inbound spam signal"


def test_rasa_spam_with_the_inbound_spam_signal_is_the_complaint_flow() -> None:
    plan = decide(SHOP, answer("spam", payloads=(spam_payload(),)), WORKING, inspection(SPAM))
    assert plan.reason is EscalationReason.SPAM
    assert plan.complaint


def test_rasa_abuse_on_a_message_with_a_request_is_a_dispute() -> None:
    payload = ActionPayload(kind="escalate", reason=EscalationReason.ABUSE)
    seen = inspection(INSULT, requests=("delivery",))
    plan = decide(SHOP, answer("delivery_status", payloads=(payload,)), WORKING, seen)
    assert plan.reason is EscalationReason.DISPUTE
    assert plan.detail == "inbound:insult requests:delivery abuse:x"


def test_a_rude_delivery_question_goes_to_a_person_by_default() -> None:
    seen = inspection(INSULT, requests=("delivery",))
    assert decide_inbound(seen) is not None
    plan = decide(SHOP, answer("delivery_status", "Заказ в пути."), WORKING, seen)
    assert plan.decision is Decision.ESCALATE
    assert plan.reason is EscalationReason.DISPUTE
    assert plan.suggested == "Заказ в пути."


def test_a_shop_may_answer_a_rude_delivery_question_with_the_facts() -> None:
    seen = inspection(INSULT, requests=("delivery",))
    assert decide_inbound(seen, RUDE_DELIVERY_SHOP) is None
    assert flags_for_rasa(seen, RUDE_DELIVERY_SHOP) == frozenset()
    plan = decide(RUDE_DELIVERY_SHOP, answer("delivery_status", "Заказ в пути."), WORKING, seen)
    assert plan.decision is Decision.REPLY
    assert plan.reply == "Заказ в пути."


def test_the_setting_covers_delivery_only() -> None:
    """A rude refund request is a dispute even in a shop that answers rude delivery questions;
    and a rude turn Rasa reads as another routine intent goes to a person."""
    refund = decide_inbound(inspection(INSULT, requests=("money",)), RUDE_DELIVERY_SHOP)
    assert refund is not None
    assert refund.reason is EscalationReason.DISPUTE
    seen = inspection(INSULT, requests=("delivery",))
    plan = decide(RUDE_DELIVERY_SHOP, answer("product_specs", "Хлопок."), WORKING, seen)
    assert plan.reason is EscalationReason.DISPUTE


def test_rasa_is_not_told_of_spam_the_routing_already_weighed() -> None:
    seen = inspection(SPAM, InboundFlag.CONTACTS, requests=("money",))
    assert flags_for_rasa(seen) == frozenset({InboundFlag.CONTACTS})
    assert flags_for_rasa(inspection(INSULT, requests=("delivery",))) == {INSULT}
