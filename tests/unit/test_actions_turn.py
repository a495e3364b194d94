"""Reading Rasa's tracker into a `Turn`, and the dates actions write."""

from __future__ import annotations

from datetime import date

import pytest

from bot.config import WorkingHours
from bot.dialogue.actions.context import describe_hours
from bot.dialogue.actions.turn import Turn, as_posting_reference, parse_turn
from bot.knowledge.dates import format_date
from bot.models import InboundFlag, Language
from tests.unit.actions_fakes import tracker_state


def turn_of(**kwargs: object) -> Turn:
    state = tracker_state(**kwargs)  # type: ignore[arg-type]
    return parse_turn(state["sender_id"], state["latest_message"], state["slots"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("57195475-0050-3", "57195475-0050-3"),
        ("9121072335-0187-1", "9121072335-0187-1"),
        ("57195475-0050", "57195475-0050"),
        (" 57195475-0050 ", "57195475-0050"),
        ("1234567890", None),
        ("заказ", None),
        (None, None),
    ],
)
def test_posting_reference_from_posting_or_order_number(
    value: str | None, expected: str | None
) -> None:
    assert as_posting_reference(value) == expected


def test_metadata_entities_and_slots_are_parsed() -> None:
    state = tracker_state(
        "где заказ",
        entities=[("posting_number", "57195475-0050-3")],
        slots={"awaiting_posting_number": True, "escalation_reason": "dispute"},
        order_number="57195475-0050",
        sku="1234567890",
        turn="42",
    )
    state["latest_message"]["metadata"]["flags"] = ["legal_threat", "made_up"]
    turn = parse_turn(state["sender_id"], state["latest_message"], state["slots"])
    assert (turn.shop_id, turn.chat_id, turn.lang, turn.turn_id) == ("main", "chat-1", "ru", "42")
    assert turn.context_order_number == "57195475-0050"
    assert turn.context_sku == "1234567890"
    assert turn.flags == {InboundFlag.LEGAL_THREAT}
    assert turn.intent == "delivery_status"
    assert turn.entity("posting_number") == "57195475-0050-3"
    assert turn.slots.awaiting_posting_number is True
    assert turn.slots.escalation_reason == "dispute"
    assert turn.seed == "ozonbot:main:chat-1:42"


def test_language_other_than_ru_or_en_is_left_to_detection() -> None:
    assert turn_of(lang="zh").lang is None
    assert turn_of(lang="EN").lang is Language.EN


def test_entity_posting_number_wins_over_slot_and_context() -> None:
    turn = turn_of(
        entities=[("posting_number", "11111111-0001-2")],
        slots={"posting_number": "22222222-0002-1"},
        order_number="33333333-0003",
    )
    assert turn.posting_number() == "11111111-0001-2"


def test_order_number_entity_is_a_reference_not_a_posting_number() -> None:
    turn = turn_of(entities=[("order_number", "11111111-0001")], slots={"posting_number": None})
    assert turn.posting_reference() == "11111111-0001"
    assert turn.posting_number() is None


def test_slot_posting_number_wins_over_chat_context() -> None:
    turn = turn_of(slots={"posting_number": "22222222-0002-1"}, order_number="33333333-0003")
    assert turn.posting_number() == "22222222-0002-1"


def test_chat_context_holding_a_full_posting_number_is_used_as_is() -> None:
    assert turn_of(order_number="33333333-0003-2").posting_number() == "33333333-0003-2"


def test_no_posting_anywhere() -> None:
    assert turn_of(order_number=None).posting_number() is None


def test_sku_from_entity_then_slot_then_context() -> None:
    assert turn_of(entities=[("sku", "111")], slots={"sku": "222"}, sku="333").sku() == "111"
    assert turn_of(slots={"sku": "222"}, sku="333").sku() == "222"
    assert turn_of(sku="333").sku() == "333"
    assert turn_of(sku="not a sku").sku() is None


def test_numbers_sent_as_json_numbers_become_strings() -> None:
    state = tracker_state()
    state["latest_message"]["metadata"]["sku"] = 1234567890
    state["latest_message"]["metadata"]["turn"] = 18446744073709551617
    turn = parse_turn(state["sender_id"], state["latest_message"], state["slots"])
    assert turn.context_sku == "1234567890"
    assert turn.turn_id == "18446744073709551617"


@pytest.mark.parametrize(
    ("day", "lang", "expected"),
    [
        (date(2026, 11, 25), Language.RU, "25 ноября"),
        (date(2026, 3, 1), Language.RU, "1 марта"),
        (date(2026, 11, 25), Language.EN, "November 25"),
        (date(2027, 1, 5), Language.RU, "5 января 2027 г."),
        (date(2027, 1, 5), Language.EN, "January 5, 2027"),
    ],
)
def test_dates_in_the_buyers_language(day: date, lang: Language, expected: str) -> None:
    assert format_date(day, lang, today=date(2026, 11, 21)) == expected


def test_working_hours_group_days_with_equal_hours() -> None:
    hours = WorkingHours.model_validate(
        {
            "weekly": {
                "mon": "09:00-18:00",
                "tue": "09:00-18:00",
                "wed": "09:00-18:00",
                "thu": "09:00-18:00",
                "fri": "09:00-17:00",
                "sat": "10:00-14:00",
            }
        }
    )
    assert describe_hours(hours, Language.RU) == "пн–чт 09:00–18:00; пт 09:00–17:00; сб 10:00–14:00"
    assert describe_hours(WorkingHours(), Language.EN) == "Mon–Fri 09:00–18:00"
