"""Parsing Seller API JSON into `bot.ozon.schemas` values: ids, enums, traps, malformed bodies."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from bot.errors import OzonMalformedError
from bot.ozon import parsing
from bot.ozon.schemas import ChatStatus, ChatType, UserType

M = "/v3/chat/history"


def message(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "message_id": "3000000000817031942",
        "created_at": "2019-08-24T14:15:22Z",
        "data": ["Здравствуйте", "вопрос"],
        "user": {"id": "115568", "type": "Сustomer"},
    }
    body.update(overrides)
    return body


def test_huge_numeric_id_from_pythons_json_stays_exact() -> None:
    data = json.loads(
        '{"messages": [{"message_id": 30000000001280042740, "created_at": "2019-08-24T14:15:22Z"}]}'
    )
    assert parsing.chat_history(data, M).messages[0].message_id == "30000000001280042740"


@pytest.mark.parametrize("spelling", ["Сustomer", "Customer", "customer", "CUSTOMER"])
def test_every_spelling_of_customer_is_a_buyer(spelling: str) -> None:
    parsed = parsing.chat_history({"messages": [message(user={"type": spelling})]}, M)
    assert parsed.messages[0].user_type is UserType.CUSTOMER
    assert parsed.messages[0].is_buyer


def test_unknown_user_type_is_other_not_an_error() -> None:
    parsed = parsing.chat_history({"messages": [message(user={"type": "Robot"})]}, M)
    assert parsed.messages[0].user_type is UserType.OTHER


def test_notification_user_is_recognised() -> None:
    parsed = parsing.chat_history({"messages": [message(user={"type": "NotificationUser"})]}, M)
    assert parsed.messages[0].user_type is UserType.NOTIFICATION_USER


def test_message_data_lines_are_joined_with_newlines() -> None:
    assert parsing.chat_history({"messages": [message()]}, M).messages[0].text == (
        "Здравствуйте\nвопрос"
    )


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("false", False), (True, True)])
def test_has_next_may_be_a_string(raw: object, expected: bool) -> None:
    assert parsing.chat_page({"has_next": raw}, "/v3/chat/list").has_next is expected


def test_chat_enums_ignore_case_and_underscores_spelling() -> None:
    chat = {
        "chat_id": "c",
        "chat_status": "Opened",
        "chat_type": "Buyer_Seller",
        "created_at": "2026-01-01T00:00:00Z",
    }
    (summary,) = parsing.chat_page({"chats": [{"chat": chat}]}, "/v3/chat/list").chats
    assert (summary.status, summary.chat_type) == (ChatStatus.OPENED, ChatType.BUYER_SELLER)


def test_zero_unread_message_id_means_none() -> None:
    chat = {"chat_id": "c", "created_at": "2026-01-01T00:00:00Z"}
    body = {"chats": [{"chat": chat, "first_unread_message_id": 0, "last_message_id": "5"}]}
    (summary,) = parsing.chat_page(body, "/v3/chat/list").chats
    assert (summary.first_unread_message_id, summary.last_message_id) == (None, "5")


def test_omitted_lists_are_empty() -> None:
    page = parsing.chat_page({}, "/v3/chat/list")
    assert (page.chats, page.has_next, page.cursor) == ((), False, "")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"messages": [message(message_id=None)]}, "message_id"),
        ({"messages": [message(created_at="yesterday")]}, "created_at"),
        ({"messages": [message(message_id=1.5)]}, "message_id"),
        ({"messages": [message(is_read="maybe")]}, "is_read"),
        ({"messages": {"a": 1}}, "messages"),
        ([], "expected an object"),
    ],
    ids=["missing-id", "bad-date", "float-id", "bad-flag", "not-a-list", "not-an-object"],
)
def test_broken_bodies_are_malformed_and_name_the_field(body: object, problem: str) -> None:
    with pytest.raises(OzonMalformedError, match=problem) as caught:
        parsing.chat_history(body, M)
    assert caught.value.method == M


def test_naive_dates_are_utc() -> None:
    parsed = parsing.chat_history({"messages": [message(created_at="2019-08-24T14:15:22")]}, M)
    assert parsed.messages[0].created_at == datetime(2019, 8, 24, 14, 15, 22, tzinfo=UTC)


def test_delivery_day_is_the_moscow_date_of_the_window_end() -> None:
    body = {
        "result": {
            "posting_number": "1-2-3",
            "analytics_data": {"delivery_date_end": "2026-11-25T22:00:00Z"},
        }
    }
    posting = parsing.posting(body, "/v3/posting/fbs/get", "fbs")
    assert posting.delivery_date == date(2026, 11, 26)


def test_order_number_falls_back_to_the_posting_without_its_last_group() -> None:
    assert parsing.order_number_of("9121072335-0187-1") == "9121072335-0187"


def test_available_stock_is_present_minus_reserved() -> None:
    item = {"id": 1, "stocks": {"stocks": [{"present": 5, "reserved": 2}, {"present": 1}]}}
    (info,) = parsing.product_infos({"items": [item]}, "/v3/product/info/list")
    assert info.present == 4


def test_stock_is_unknown_when_ozon_says_nothing() -> None:
    (info,) = parsing.product_infos({"items": [{"id": 1}]}, "/v3/product/info/list")
    assert info.present is None


def test_known_attribute_ids_get_names_and_unknown_keep_the_sent_name() -> None:
    item = {
        "id": 1,
        "attributes": [
            {"id": 85, "values": [{"value": "Acme"}]},
            {"id": 9000000001, "name": "Совместимость", "values": [{"value": "iPhone"}]},
            {"id": 123, "values": []},
        ],
    }
    (card,) = parsing.product_attributes({"result": [item]}, "/v4/product/info/attributes")
    assert [(a.name, a.name_en) for a in card.attributes] == [
        ("Бренд", "Brand"),
        ("Совместимость", None),
        (None, None),
    ]
    assert card.find("brand") is card.attributes[0]
    assert card.dimensions is None


def test_send_result_other_than_success_is_malformed() -> None:
    with pytest.raises(OzonMalformedError):
        parsing.send_result({"result": "queued"}, "/v1/chat/send/message")


def test_a_cut_emoji_becomes_a_replacement_character() -> None:
    """A lone UTF-16 surrogate (JSON `\\ud83d`) cannot be encoded to UTF-8 for Redis or Rasa."""
    data = json.loads(
        '{"messages": [{"message_id": 1, "created_at": "2026-01-01T00:00:00Z",'
        ' "data": ["где заказ? \\ud83d"]}]}'
    )
    (parsed,) = parsing.chat_history(data, M).messages
    assert parsed.text == "где заказ? \ufffd"
    parsed.text.encode("utf-8")


def test_a_whole_emoji_is_kept() -> None:
    data = json.loads(
        '{"messages": [{"message_id": 1, "created_at": "2026-01-01T00:00:00Z",'
        ' "data": ["\\ud83d\\ude00"]}]}'
    )
    assert parsing.chat_history(data, M).messages[0].text == "\U0001f600"


def test_ids_sent_as_numbers_become_strings_and_zero_is_none() -> None:
    body = {
        "messages": [
            message(
                message_id=42,
                user={"id": 115568, "type": "Seller"},
                context={"order_number": "", "sku": 0},
            )
        ]
    }
    (parsed,) = parsing.chat_history(body, M).messages
    assert (parsed.message_id, parsed.user_id, parsed.context) == ("42", "115568", None)


def test_message_context_keeps_the_order_and_the_sku_as_a_string() -> None:
    body = {"messages": [message(context={"order_number": "1-2", "sku": 1234567})]}
    context = parsing.chat_history(body, M).messages[0].context
    assert context is not None
    assert (context.order_number, context.sku) == ("1-2", "1234567")


def test_null_lists_and_flags_read_as_empty() -> None:
    """Go encodes an empty slice as `null`; protobuf JSON leaves out false flags."""
    page = parsing.chat_history({"messages": None, "has_next": None}, M)
    assert (page.messages, page.has_next) == ((), False)
    (info,) = parsing.product_infos({"items": [{"id": 1, "sources": None}]}, "/m")
    assert (info.sku, info.archived, info.visible) == ("", False, False)


def test_an_unknown_enum_value_is_other_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    chat = {"chat_id": "c", "chat_type": "SELLER_BRAND_NEW_KIND", "created_at": "2026-01-01T00:00Z"}
    body = {"chats": [{"chat": chat}, {"chat": {**chat, "chat_id": "d"}}]}
    with caplog.at_level("WARNING"):
        first = parsing.chat_page(body, "/v3/chat/list")
        parsing.chat_page(body, "/v3/chat/list")
    assert {c.chat_type for c in first.chats} == {ChatType.OTHER}
    logged = [r for r in caplog.records if "SELLER_BRAND_NEW_KIND" in r.getMessage()]
    assert len(logged) == 1


def test_an_enum_of_the_wrong_json_type_is_malformed() -> None:
    with pytest.raises(OzonMalformedError, match=r"\$\.messages\[0\]\.user\.type"):
        parsing.chat_history({"messages": [message(user={"type": 7})]}, M)


def test_the_error_names_the_path_but_never_quotes_the_value() -> None:
    """A buyer's text must not reach the logs through an error message."""
    with pytest.raises(OzonMalformedError) as caught:
        parsing.chat_history({"messages": [message(data=["секрет", 5])]}, M)
    assert "$.messages[0].data: expected an array of strings" in caught.value.message
    assert "секрет" not in str(caught.value)
    assert caught.value.__cause__ is not None  # pydantic's detail stays in the chain


def test_a_chat_without_its_chat_object_is_malformed() -> None:
    with pytest.raises(OzonMalformedError, match=r"\$\.chats\[0\]\.chat\.chat_id"):
        parsing.chat_page({"chats": [{"unread_count": 1}]}, "/v3/chat/list")


def test_a_count_may_be_a_digit_string_but_not_a_boolean() -> None:
    assert parsing.unread_count({"unread_count": "3"}, "/v2/chat/read") == 3
    with pytest.raises(OzonMalformedError, match="unread_count: expected an integer"):
        parsing.unread_count({"unread_count": True}, "/v2/chat/read")


def test_a_posting_carries_the_scheme_of_its_method_and_needs_its_number() -> None:
    body = {"postings": [{"posting_number": "9121072335-0187-1", "products": None}]}
    (posting,) = parsing.postings_page(body, "/v3/posting/fbo/list", "fbo").postings
    assert (posting.scheme, posting.order_number, posting.products) == (
        "fbo",
        "9121072335-0187",
        (),
    )
    with pytest.raises(OzonMalformedError, match=r"\$\.result\.posting_number"):
        parsing.posting({"result": {"status": "delivered"}}, "/v3/posting/fbs/get", "fbs")


def test_a_bad_delivery_date_names_its_key() -> None:
    body = {"result": {"posting_number": "1-2-3", "analytics_data": {"delivery_date_end": 5}}}
    with pytest.raises(OzonMalformedError, match="analytics_data: delivery_date_end"):
        parsing.posting(body, "/v3/posting/fbs/get", "fbs")


def test_product_info_reads_sku_visibility_and_either_archive_flag() -> None:
    item = {
        "id": 7,
        "sources": [{"sku": 0}, {"sku": 12345}],
        "visibility_details": {"has_price": True, "has_stock": "true"},
        "is_archived": False,
        "is_autoarchived": True,
    }
    (info,) = parsing.product_infos({"items": [item]}, "/v3/product/info/list")
    assert (info.product_id, info.sku, info.visible, info.archived) == ("7", "12345", True, True)


def test_dimensions_come_from_the_cards_top_level() -> None:
    item = {"id": 1, "height": 10, "depth": "160", "dimension_unit": "mm"}
    (card,) = parsing.product_attributes({"result": [item]}, "/v4/product/info/attributes")
    assert card.dimensions is not None
    assert (card.dimensions.height, card.dimensions.depth, card.dimensions.width) == (10, 160, None)


def test_a_message_push_needs_its_chat_and_a_ping_has_none() -> None:
    with pytest.raises(OzonMalformedError, match=r"\$\.chat_id") as caught:
        parsing.push({"message_type": "TYPE_NEW_MESSAGE", "message_id": "1"})
    assert caught.value.method == parsing.PUSH
    ping = parsing.push({"message_type": "TYPE_PING", "chat_id": "c", "chat_type": "x"})
    assert (ping.chat_id, ping.chat_type) == ("", ChatType.OTHER)
    with pytest.raises(OzonMalformedError, match=r"\$\.message_type"):
        parsing.push({"chat_id": "c"})


def test_values_are_frozen() -> None:
    (parsed,) = parsing.chat_history({"messages": [message()]}, M).messages
    with pytest.raises(ValueError, match="frozen"):
        parsed.text = "changed"  # type: ignore[misc]
