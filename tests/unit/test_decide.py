"""The decision stage: a pure function, so every rule of the contract is checked directly."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.config import ShopConfig
from bot.dialogue.types import ActionPayload, DialogueResult
from bot.guard.types import InboundHit, Inspection, Violation
from bot.models import Decision, EscalationReason, InboundFlag, Intent, Mode, Rule
from bot.worker.decide import Plan, Situation, blocked, decide, decide_inbound, stronger

SHOP = ShopConfig(id="main", name="Shop", client_id="1", api_key=SecretStr("k"))
WORKING = Situation(working=True)


def answer(intent: str, *replies: str, payloads: tuple[ActionPayload, ...] = ()) -> DialogueResult:
    return DialogueResult(intent=intent, confidence=0.9, replies=replies, payloads=payloads)


def inspection(*flags: InboundFlag) -> Inspection:
    return Inspection(text="x", hits=tuple(InboundHit(f, 0, 1, "x") for f in flags))


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
        ("spam", EscalationReason.SPAM),
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
