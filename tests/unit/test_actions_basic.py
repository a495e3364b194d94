"""The snippet-only actions, `action_return_info` and `action_escalate`."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from bot.dialogue.actions.base import OzonbotAction
from bot.dialogue.actions.basic import (
    Acknowledge,
    ChangeInfo,
    Clarify,
    DeclineContacts,
    Greet,
    RefundInfo,
    Thank,
)
from bot.dialogue.actions.escalate import Escalate
from bot.dialogue.actions.registry import ACTION_NAMES, build_actions
from bot.dialogue.actions.returns import ReturnInfo
from bot.errors import OzonMalformedError
from tests.unit.actions_fakes import FakeOzon, deps, posting, return_item, run_action, shop, tracker

NUMBER = "57195475-0050-3"


@pytest.mark.parametrize(
    ("action_class", "key"),
    [
        (Greet, "greet"),
        (Thank, "thank"),
        (RefundInfo, "refund.procedure"),
        (ChangeInfo, "change.procedure"),
        (DeclineContacts, "contacts.decline"),
        (Clarify, "clarify"),
    ],
)
async def test_snippet_action_says_its_snippet(action_class: type[OzonbotAction], key: str) -> None:
    ozon = FakeOzon()
    said, events = await run_action(action_class, ozon, "текст")
    assert said.payload == {"kind": "reply", "key": key, "facts": {}}
    assert said.text
    assert events == []
    assert ozon.calls == []


@pytest.mark.parametrize(("intent", "key"), [("affirm", "affirm"), ("deny", "deny")])
async def test_acknowledge_follows_the_buyers_yes_or_no(intent: str, key: str) -> None:
    said, _ = await run_action(Acknowledge, FakeOzon(), intent=intent)
    assert said.payload["key"] == key


async def test_english_greeting_is_english_and_differs_from_russian() -> None:
    ru, _ = await run_action(Greet, FakeOzon(), intent="greet", lang="ru")
    en, _ = await run_action(Greet, FakeOzon(), intent="greet", lang="en")
    assert ru.text != en.text
    assert en.text.isascii()


def test_every_action_in_the_contract_is_built() -> None:
    assert set(ACTION_NAMES) == {
        "action_greet",
        "action_thank",
        "action_acknowledge",
        "action_delivery_status",
        "action_return_info",
        "action_refund_info",
        "action_cancel_info",
        "action_change_info",
        "action_product_specs",
        "action_product_availability",
        "action_decline_contacts",
        "action_clarify",
        "action_escalate",
    }
    assert [a.name() for a in build_actions(deps(FakeOzon()))] == list(ACTION_NAMES)


# --- returns ---------------------------------------------------------------------------------


async def test_return_procedure_names_the_shops_window() -> None:
    ozon = FakeOzon()
    said, _ = await run_action(ReturnInfo, ozon, "как вернуть", intent="return_request")
    assert said.payload == {
        "kind": "reply",
        "key": "return.procedure",
        "facts": {"return_window_days": "14"},
    }
    assert "14" in said.text
    assert ozon.calls == []


async def test_return_window_comes_from_the_shop_settings() -> None:
    dispatcher = CollectingDispatcher()
    action = ReturnInfo(deps(FakeOzon(), shop(return_window_days=30)))
    await action.run(dispatcher, tracker(intent="return_request"), {})
    assert "30" in dispatcher.messages[0]["text"]


async def test_existing_return_of_the_posting_is_reported_with_its_status() -> None:
    ozon = FakeOzon(returns_by_posting={NUMBER: [return_item(NUMBER, "Едет на склад Ozon")]})
    said, _ = await run_action(ReturnInfo, ozon, slots={"posting_number": NUMBER})
    assert said.payload == {
        "kind": "reply",
        "key": "return.status",
        "facts": {
            "posting_number": NUMBER,
            "return_id": "777",
            "return_status": "MovingToOzon",
            "return_status_name": "Едет на склад Ozon",
            "return_window_days": "14",
        },
    }
    assert "Едет на склад Ozon" in said.text
    assert ozon.calls == [("returns", NUMBER)]


async def test_known_posting_without_a_return_gets_the_procedure() -> None:
    ozon = FakeOzon(fbs={NUMBER: posting(NUMBER)})
    said, _ = await run_action(ReturnInfo, ozon, slots={"posting_number": NUMBER})
    assert said.payload["key"] == "return.procedure"
    assert said.payload["facts"]["posting_number"] == NUMBER


async def test_malformed_returns_answer_reverts_the_turn() -> None:
    ozon = FakeOzon(failure=OzonMalformedError("/v1/returns/list", "html page"))
    said, events = await run_action(ReturnInfo, ozon, slots={"posting_number": NUMBER})
    assert said.payload == {"kind": "retry", "error": "OzonMalformedError"}
    assert events == [{"event": "rewind", "timestamp": None}]


# --- escalation ------------------------------------------------------------------------------

RESET = {"event": "slot", "timestamp": None, "name": "escalation_reason", "value": None}


async def test_escalate_reports_the_policys_reason_and_resets_it() -> None:
    said, events = await run_action(
        Escalate,
        FakeOzon(),
        "товар пришел разбитый",
        intent="defective_item",
        slots={"escalation_reason": "dispute", "posting_number": NUMBER},
        sku="1234567890",
    )
    assert said.texts == []
    assert said.payload == {
        "kind": "escalate",
        "reason": "dispute",
        "detail": "defective_item",
        "suggested": None,
        "facts": {"posting_number": NUMBER, "sku": "1234567890"},
    }
    assert events == [RESET]


async def test_escalate_without_a_reason_is_unknown() -> None:
    said, events = await run_action(Escalate, FakeOzon(), intent="nlu_fallback")
    assert said.payload["reason"] == "unknown"
    assert said.payload["detail"] == "nlu_fallback"
    assert events == [RESET]


async def test_escalate_with_a_reason_outside_the_contract_is_unknown() -> None:
    said, _ = await run_action(Escalate, FakeOzon(), slots={"escalation_reason": "angry"})
    assert said.payload["reason"] == "unknown"


async def test_escalate_facts_come_from_the_chat_context_without_ozon_calls() -> None:
    ozon = FakeOzon()
    said, _ = await run_action(
        Escalate, ozon, slots={"escalation_reason": "human_request"}, order_number="57195475-0050"
    )
    # Only what is known: the order number, not a guessed posting of it.
    assert said.payload["facts"] == {"order_number": "57195475-0050"}
    assert ozon.calls == []


async def test_escalate_works_for_an_unknown_shop() -> None:
    said, _ = await run_action(
        Escalate, FakeOzon(), shop="gone", slots={"escalation_reason": "spam"}
    )
    assert said.payload["reason"] == "spam"


async def test_asking_where_to_send_a_return_gets_the_hand_over_answer() -> None:
    """After the steps, "куда отправлять?" is a question of its own: where the item goes."""
    said, _ = await run_action(ReturnInfo, FakeOzon(), "а куда её отправлять, какой адрес?")
    assert said.payload["key"] == "return.where"
    assert "пункт выдачи" in said.text
