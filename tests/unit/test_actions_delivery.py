"""`action_delivery_status` and `action_cancel_info` against a fake Ozon."""

from __future__ import annotations

from datetime import date
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from bot.dialogue.actions.delivery import CancelInfo, DeliveryStatus
from bot.errors import OzonAuthError, OzonServerError, OzonTimeoutError
from tests.unit.actions_fakes import FakeOzon, deps, posting, run_action, tracker

NUMBER = "57195475-0050-3"
TODAY = date(2026, 11, 21)
ASK: dict[str, Any] = {"entities": [("posting_number", NUMBER)]}


def awaiting(value: bool) -> dict[str, object]:
    return {"event": "slot", "timestamp": None, "name": "awaiting_posting_number", "value": value}


async def test_fbs_posting_answer_has_status_date_and_tracking() -> None:
    ozon = FakeOzon(fbs={NUMBER: posting(NUMBER)})
    said, events = await run_action(DeliveryStatus, ozon, f"где заказ {NUMBER}", **ASK)
    assert said.payload == {
        "kind": "reply",
        "key": "delivery.delivering",
        "facts": {
            "posting_number": NUMBER,
            "order_number": "57195475-0050",
            "scheme": "fbs",
            "status": "delivering",
            "substatus": "posting_on_way_to_city",
            "delivery_date": "2026-11-25",
            "tracking_number": "RU123456789",
        },
    }
    assert "25 ноября" in said.text
    assert "RU123456789" in said.text
    assert events == [awaiting(False)]
    assert ozon.calls == [("fbs_posting", NUMBER)]


async def test_text_comes_before_the_payload() -> None:
    ozon = FakeOzon(fbs={NUMBER: posting(NUMBER)})
    dispatcher = CollectingDispatcher()
    await DeliveryStatus(deps(ozon)).run(dispatcher, tracker(**ASK), {})
    kinds = ["text" if m["text"] else "custom" for m in dispatcher.messages]
    assert kinds == ["text", "custom"]


async def test_fbs_not_found_falls_back_to_fbo_without_tracking() -> None:
    fbo = posting(NUMBER, scheme="fbo", substatus="", tracking_number=None)
    ozon = FakeOzon(fbo={NUMBER: fbo})
    said, _ = await run_action(DeliveryStatus, ozon, **ASK)
    assert ozon.calls == [("fbs_posting", NUMBER), ("fbo_posting", NUMBER)]
    assert said.payload["key"] == "delivery.delivering"
    assert said.payload["facts"]["scheme"] == "fbo"
    assert "tracking_number" not in said.payload["facts"]
    assert "25 ноября" in said.text


async def test_posting_unknown_to_both_schemes_is_not_found() -> None:
    said, events = await run_action(DeliveryStatus, FakeOzon(), **ASK)
    assert said.payload == {
        "kind": "reply",
        "key": "delivery.not_found",
        "facts": {"posting_number": NUMBER},
    }
    assert NUMBER in said.text
    assert events == [awaiting(False)]


async def test_no_delivery_date_and_no_tracking_gives_the_status_only() -> None:
    bare = posting(NUMBER, delivery_date=None, tracking_number=None)
    said, _ = await run_action(DeliveryStatus, FakeOzon(fbs={NUMBER: bare}), **ASK)
    assert said.payload["facts"].keys() == {
        "posting_number",
        "order_number",
        "scheme",
        "status",
        "substatus",
    }
    assert "ноября" not in said.text


async def test_eta_and_tracking_are_separate_sentences_added_when_known() -> None:
    with_both = posting(NUMBER)
    status_only = posting(NUMBER, delivery_date=None, tracking_number=None)
    said_both, _ = await run_action(DeliveryStatus, FakeOzon(fbs={NUMBER: with_both}), **ASK)
    said_status, _ = await run_action(DeliveryStatus, FakeOzon(fbs={NUMBER: status_only}), **ASK)
    assert said_both.text.startswith(said_status.text)
    assert len(said_both.text) > len(said_status.text)


async def test_delivered_posting_gets_no_expected_date() -> None:
    done = posting(NUMBER, status="delivered", substatus="posting_delivered")
    said, _ = await run_action(DeliveryStatus, FakeOzon(fbs={NUMBER: done}), **ASK)
    assert said.payload["key"] == "delivery.delivered"
    assert "25 ноября" not in said.text


async def test_waiting_in_pickup_point_is_said_instead_of_delivering() -> None:
    waiting = posting(NUMBER, substatus="posting_in_pickup_point")
    said, _ = await run_action(DeliveryStatus, FakeOzon(fbs={NUMBER: waiting}), **ASK)
    assert said.payload["key"] == "delivery.in_pickup_point"
    assert said.payload["facts"]["status"] == "delivering"
    assert "25 ноября" not in said.text
    assert "RU123456789" not in said.text


async def test_unknown_status_gets_a_generic_answer_with_the_facts() -> None:
    odd = posting(NUMBER, status="some_new_ozon_status", substatus="")
    said, _ = await run_action(DeliveryStatus, FakeOzon(fbs={NUMBER: odd}), **ASK)
    assert said.payload["kind"] == "reply"
    assert said.payload["key"] == "delivery.unknown_status"
    assert said.payload["facts"]["status"] == "some_new_ozon_status"


async def test_posting_from_the_slot() -> None:
    ozon = FakeOzon(fbs={NUMBER: posting(NUMBER)})
    said, _ = await run_action(DeliveryStatus, ozon, slots={"posting_number": NUMBER})
    assert said.payload["key"] == "delivery.delivering"


async def test_an_order_of_one_posting_is_listed_in_two_calls_and_described() -> None:
    first = "57195475-0050-1"
    ozon = FakeOzon(fbs={first: posting(first)})
    said, _ = await run_action(DeliveryStatus, ozon, order_number="57195475-0050")
    assert ozon.calls == [
        ("fbs_postings_of_orders", "57195475-0050"),
        ("fbo_postings_of_orders", "57195475-0050"),
    ]
    assert said.payload["facts"]["posting_number"] == first


async def test_no_posting_known_asks_for_it_and_waits() -> None:
    ozon = FakeOzon()
    said, events = await run_action(DeliveryStatus, ozon, "где мой заказ")
    assert said.payload == {"kind": "reply", "key": "ask_posting_number", "facts": {}}
    assert said.text
    assert events == [awaiting(True)]
    assert ozon.calls == []


async def test_english_buyer_gets_english_date() -> None:
    ozon = FakeOzon(fbs={NUMBER: posting(NUMBER)})
    said, _ = await run_action(DeliveryStatus, ozon, f"where is {NUMBER}", lang="en", **ASK)
    assert "November 25" in said.text
    assert "ноября" not in said.text


async def test_language_is_detected_when_metadata_has_none() -> None:
    ozon = FakeOzon(fbs={NUMBER: posting(NUMBER)})
    said, _ = await run_action(
        DeliveryStatus, ozon, f"Hello, where is my order {NUMBER}?", lang=None, **ASK
    )
    assert "November 25" in said.text


async def test_same_turn_gets_the_same_phrasing() -> None:
    ozon = FakeOzon(fbs={NUMBER: posting(NUMBER)})
    first, _ = await run_action(DeliveryStatus, ozon, turn="7", **ASK)
    again, _ = await run_action(DeliveryStatus, ozon, turn="7", **ASK)
    assert first.text == again.text


async def test_ozon_down_reverts_the_turn_for_a_retry() -> None:
    ozon = FakeOzon(failure=OzonServerError("/v3/posting/fbs/get", "unavailable", status=503))
    said, events = await run_action(DeliveryStatus, ozon, **ASK)
    assert said.texts == []
    assert said.payload == {"kind": "retry", "error": "OzonServerError"}
    assert events == [{"event": "rewind", "timestamp": None}]


async def test_ozon_timeout_also_reverts_the_turn() -> None:
    ozon = FakeOzon(failure=OzonTimeoutError("/v3/posting/fbs/get", "no answer"))
    said, events = await run_action(DeliveryStatus, ozon, **ASK)
    assert said.payload == {"kind": "retry", "error": "OzonTimeoutError"}
    assert events == [{"event": "rewind", "timestamp": None}]


async def test_ozon_refusing_our_key_escalates_as_system() -> None:
    ozon = FakeOzon(failure=OzonAuthError("/v3/posting/fbs/get", "bad key", status=401))
    said, events = await run_action(DeliveryStatus, ozon, **ASK)
    assert said.texts == []
    assert said.payload == {
        "kind": "escalate",
        "reason": "system",
        "detail": "OzonAuthError",
        "suggested": None,
        "facts": {"posting_number": NUMBER},
    }
    assert events == []


async def test_unknown_shop_escalates_as_system_without_calling_ozon() -> None:
    ozon = FakeOzon(fbs={NUMBER: posting(NUMBER)})
    said, _ = await run_action(DeliveryStatus, ozon, shop="other", **ASK)
    assert said.payload["kind"] == "escalate"
    assert said.payload["reason"] == "system"
    assert said.payload["detail"] == "unknown_shop"
    assert ozon.calls == []


# --- cancellation ----------------------------------------------------------------------------


async def test_cancel_without_a_posting_explains_the_procedure() -> None:
    ozon = FakeOzon()
    said, events = await run_action(CancelInfo, ozon, "как отменить", intent="order_cancel")
    assert said.payload == {"kind": "reply", "key": "cancel.procedure", "facts": {}}
    assert said.text
    assert events == []
    assert ozon.calls == []


async def test_cancel_of_a_posting_not_yet_shipped_explains_the_procedure() -> None:
    packing = posting(NUMBER, status="awaiting_packaging", substatus="")
    said, _ = await run_action(CancelInfo, FakeOzon(fbs={NUMBER: packing}), **ASK)
    assert said.payload["key"] == "cancel.procedure"
    assert said.payload["facts"]["status"] == "awaiting_packaging"


async def test_cancel_of_a_shipped_posting_says_it_is_too_late() -> None:
    said, _ = await run_action(CancelInfo, FakeOzon(fbs={NUMBER: posting(NUMBER)}), **ASK)
    assert said.payload["key"] == "cancel.already_shipped"


async def test_cancel_of_an_unknown_posting_explains_the_procedure() -> None:
    said, _ = await run_action(CancelInfo, FakeOzon(), **ASK)
    assert said.payload == {"kind": "reply", "key": "cancel.procedure", "facts": {}}


async def test_an_order_number_finds_the_posting_holding_the_chats_product() -> None:
    """For a cancel or a return one posting is needed: the chat's product picks it."""
    from bot.dialogue.actions.postings import resolve_posting

    ozon = FakeOzon(
        fbs={
            "57195475-0050-1": posting("57195475-0050-1", sku="111"),
            "57195475-0050-3": posting("57195475-0050-3", sku="1234567890"),
        }
    )
    found = await resolve_posting(ozon, "57195475-0050", "1234567890", TODAY)
    assert found is not None
    assert found.posting_number == "57195475-0050-3"
    first = await resolve_posting(ozon, "57195475-0050", None, TODAY)
    assert first is not None
    assert first.posting_number == "57195475-0050-1"
    assert await resolve_posting(ozon, "11111111-0001", None, TODAY) is None


# --- orders split into several postings ------------------------------------------------------

ORDER = "57195475-0050"


def split_order() -> FakeOzon:
    """Headphones delivered in -1, a phone case still on its way in -2."""
    return FakeOzon(
        fbs={
            f"{ORDER}-1": posting(
                f"{ORDER}-1", status="delivered", substatus="", sku="111", product_name="Наушники"
            ),
            f"{ORDER}-2": posting(f"{ORDER}-2", sku="222", product_name="Чехол для iPhone 13"),
        }
    )


async def test_received_one_part_means_the_posting_still_coming() -> None:
    ozon = split_order()
    said, _ = await run_action(
        DeliveryStatus, ozon, "одну коробку получила, а где вторая?", order_number=ORDER, sku="111"
    )
    assert said.payload["facts"]["posting_number"] == f"{ORDER}-2"
    assert "доставлен" not in said.text


async def test_the_product_named_picks_its_posting() -> None:
    said, _ = await run_action(
        DeliveryStatus, split_order(), "когда привезут чехол?", order_number=ORDER, sku="111"
    )
    assert said.payload["facts"]["posting_number"] == f"{ORDER}-2"


async def test_an_unclear_question_about_a_split_order_lists_each_posting() -> None:
    said, _ = await run_action(
        DeliveryStatus, split_order(), "где мой заказ?", order_number=ORDER, sku="111"
    )
    assert said.payload["key"] == "delivery.several_postings"
    assert said.payload["facts"]["postings"] == f"{ORDER}-1:delivered, {ORDER}-2:delivering"
    assert f"{ORDER}-1" in said.text
    assert f"{ORDER}-2" in said.text
    assert "«Наушники»" in said.text
    assert "25 ноября" in said.text
    assert "RU123456789" not in said.text  # a list stays short: no tracking sentences


# --- dates and tracking as Ozon gives them ----------------------------------------------------


async def test_an_fbo_date_is_said_as_expected_by_that_day() -> None:
    fbo = posting(NUMBER, scheme="fbo", substatus="", tracking_number=None)
    said, _ = await run_action(
        DeliveryStatus, FakeOzon(fbo={NUMBER: fbo}), "когда привезут?", **ASK
    )
    assert "25 ноября" in said.text
    assert "до 25 ноября" in said.text or "не позднее 25 ноября" in said.text


async def test_asking_for_tracking_where_ozon_gives_none_says_so() -> None:
    fbo = posting(NUMBER, scheme="fbo", substatus="", tracking_number=None)
    ozon = FakeOzon(fbo={NUMBER: fbo})
    said, _ = await run_action(DeliveryStatus, ozon, "а трек-номер какой?", **ASK)
    assert "трек-номер" in said.text.lower()
    plain, _ = await run_action(DeliveryStatus, ozon, "где заказ?", **ASK)
    assert "трек" not in plain.text.lower()
