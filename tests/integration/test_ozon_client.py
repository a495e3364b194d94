"""The Ozon client against the emulator over real sockets: pagination, ids, errors, retries,
write semantics and the rate limiter."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import aiohttp
import pytest

from bot.errors import (
    OzonAuthError,
    OzonBadRequestError,
    OzonError,
    OzonMalformedError,
    OzonNotFoundError,
    OzonPermissionError,
    OzonRateLimitError,
    OzonServerError,
    OzonSubscriptionError,
    OzonTimeoutError,
    OzonUnknownOutcomeError,
)
from bot.ozon.client import OZON_RPS_LIMIT, OzonClient, OzonHttp, burst_for
from bot.ozon.schemas import ChatStatus, Direction, QuestionStatus, ReviewStatus, UserType
from bot.sandbox.app import RunningSandbox, serve
from bot.sandbox.state import FIRST_MESSAGE_ID, SandboxState

SPEC = Path(__file__).resolve().parents[3] / "shared" / "ozon" / "openapi-subset.json"
SCENARIO = {
    "postings": [
        {
            "posting_number": "57195475-0050-3",
            "scheme": "fbs",
            "status": "delivering",
            "substatus": "posting_on_way_to_city",
            "delivery_date": "2026-11-25",
            "tracking_number": "RU123456789",
            "sku": "1234567890",
        },
        {"posting_number": "9121072335-0187-1", "scheme": "fbo", "status": "delivered", "sku": 77},
    ],
    "products": [
        {
            "sku": "1234567890",
            "name": "Чехол для iPhone 13",
            "offer_id": "case-13",
            "attributes": {"Материал": "силикон", "Совместимость": ["iPhone 13", "iPhone 14"]},
            "stock": 5,
            "price": "499",
            "description": "Мягкий чехол",
        }
    ],
    "returns": [
        {"posting_number": "57195475-0050-3", "status": "MovingToSeller"},
        {"posting_number": "9121072335-0187-1", "status": "MoneyReturned"},
    ],
}


class Calls:
    """A `CallObserver` that remembers (method, status, started) of every attempt."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, float]] = []

    def __call__(self, method: str, status: str, seconds: float) -> None:
        self.seen.append((method, status, time.monotonic() - seconds))

    def statuses(self, method: str) -> list[str]:
        return [status for m, status, _ in self.seen if m == method]


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    spec = SPEC if SPEC.exists() else None
    async with serve(SandboxState(hold_s=5), spec=spec) as running:
        running.state.seed_from_scenario(SCENARIO)
        yield running
    assert running.state.schema_violations == []


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
async def http(calls: Calls) -> AsyncIterator[OzonHttp]:
    async with OzonHttp(timeout_s=0.5, observer=calls) as client_http:
        yield client_http


@pytest.fixture
def ozon(http: OzonHttp, sandbox: RunningSandbox) -> OzonClient:
    return http.client(
        base_url=sandbox.url, client_id="1001", api_key="key", read_retries=2, backoff_s=0.01
    )


async def fault(sandbox: RunningSandbox, method: str, kind: str, **extra: object) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{sandbox.url}/sandbox/faults", json={"method": method, "kind": kind, **extra}
        ) as response,
    ):
        assert response.status == 200, await response.text()


def buyer(sandbox: RunningSandbox, chat_id: str, text: str = "где мой заказ?") -> str:
    return str(sandbox.state.buyer_message(chat_id, text, client_id="1001"))


# --- chats -----------------------------------------------------------------------------------


async def test_iter_chats_follows_the_cursor_until_has_next_is_false(
    ozon: OzonClient, sandbox: RunningSandbox, calls: Calls
) -> None:
    for index in range(25):
        buyer(sandbox, f"chat-{index}")
    chats = [chat.chat_id async for chat in ozon.iter_chats(limit=10)]
    assert sorted(chats) == sorted(f"chat-{index}" for index in range(25))
    assert calls.statuses("/v3/chat/list") == ["200", "200", "200"]


async def test_first_page_reports_more_pages_sent_as_the_string_true(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    for index in range(3):
        buyer(sandbox, f"chat-{index}")
    page = await ozon.list_chats(limit=2)
    assert page.has_next is True
    assert len(page.chats) == 2
    assert page.total_unread_count == 3


async def test_uppercase_enums_of_the_chat_list_are_understood(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    buyer(sandbox, "chat-1")
    (chat,) = (await ozon.list_chats()).chats
    assert chat.status is ChatStatus.OPENED
    assert chat.chat_type.value == "buyer_seller"


async def test_unread_only_lists_chats_with_unread_buyer_messages(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    buyer(sandbox, "read-chat")
    last = buyer(sandbox, "read-chat")
    buyer(sandbox, "unread-chat")
    assert await ozon.mark_read("read-chat", last) == 0
    page = await ozon.list_chats(unread_only=True)
    assert [chat.chat_id for chat in page.chats] == ["unread-chat"]


async def test_history_backward_returns_newest_first(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    ids = [buyer(sandbox, "chat-1", f"m{n}") for n in range(5)]
    history = await ozon.chat_history("chat-1", limit=3)
    assert [m.message_id for m in history.messages] == ids[::-1][:3]
    assert history.has_next is True


async def test_history_forward_starts_at_the_given_message(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    ids = [buyer(sandbox, "chat-1", f"m{n}") for n in range(5)]
    history = await ozon.chat_history(
        "chat-1", direction=Direction.FORWARD, from_message_id=ids[2], limit=10
    )
    assert [m.message_id for m in history.messages] == ids[2:]
    assert [m.text for m in history.messages] == ["m2", "m3", "m4"]
    assert history.has_next is False


async def test_ids_above_two_to_the_64_survive_the_round_trip(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    first = buyer(sandbox, "chat-1")
    assert int(first) == FIRST_MESSAGE_ID > 2**64
    history = await ozon.chat_history("chat-1", direction=Direction.FORWARD, from_message_id=first)
    assert history.messages[0].message_id == first
    (chat,) = (await ozon.list_chats()).chats
    assert chat.first_unread_message_id == first == chat.last_message_id


async def test_cyrillic_customer_spelling_is_a_buyer(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    buyer(sandbox, "chat-1", "один")
    buyer(sandbox, "chat-1", "два")
    messages = (await ozon.chat_history("chat-1")).messages
    assert [m.user_type for m in messages] == [UserType.CUSTOMER, UserType.CUSTOMER]
    assert all(m.is_buyer for m in messages)


async def test_sent_message_appears_in_history_as_seller_and_read(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    buyer(sandbox, "chat-1")
    await ozon.send_message("chat-1", "Заказ в пути")
    newest = (await ozon.chat_history("chat-1", limit=1)).messages[0]
    assert (newest.user_type, newest.text, newest.is_read) == (
        UserType.SELLER,
        "Заказ в пути",
        True,
    )


async def test_start_chat_returns_the_same_chat_for_a_posting(ozon: OzonClient) -> None:
    first = await ozon.start_chat("57195475-0050-3")
    assert await ozon.start_chat("57195475-0050-3") == first


# --- postings, returns, products -------------------------------------------------------------


async def test_fbs_posting_carries_delivery_day_and_tracking(ozon: OzonClient) -> None:
    posting = await ozon.fbs_posting("57195475-0050-3")
    assert (posting.scheme, posting.status, posting.substatus) == (
        "fbs",
        "delivering",
        "posting_on_way_to_city",
    )
    assert posting.delivery_date == date(2026, 11, 25)
    assert posting.tracking_number == "RU123456789"
    assert posting.order_number == "57195475-0050"
    assert posting.skus == ("1234567890",)


async def test_fbo_posting_has_a_status_but_no_substatus(ozon: OzonClient) -> None:
    posting = await ozon.fbo_posting("9121072335-0187-1")
    assert (posting.scheme, posting.status, posting.substatus) == ("fbo", "delivered", "")
    assert posting.order_number == "9121072335-0187"


async def test_returns_page_by_last_id(ozon: OzonClient) -> None:
    first = await ozon.returns(limit=1)
    assert first.has_next is True
    second = await ozon.returns(limit=1, last_id=first.last_id)
    assert [r.status for r in first.returns + second.returns] == ["MovingToSeller", "MoneyReturned"]
    assert second.has_next is False


async def test_returns_filtered_by_posting_number(ozon: OzonClient) -> None:
    page = await ozon.returns(posting_numbers=["9121072335-0187-1"])
    assert [(r.posting_number, r.status) for r in page.returns] == [
        ("9121072335-0187-1", "MoneyReturned")
    ]


async def test_product_info_reports_stock_and_price(ozon: OzonClient) -> None:
    (info,) = await ozon.product_info(skus=["1234567890"])
    assert (info.sku, info.offer_id, info.present, info.price) == (
        "1234567890",
        "case-13",
        5,
        "499",
    )


async def test_product_attributes_are_named_from_the_table_or_the_answer(ozon: OzonClient) -> None:
    (card,) = await ozon.product_attributes(skus=["1234567890"])
    material = card.find("material")
    compatibility = card.find("Совместимость")
    assert material is not None
    assert material.values == ("силикон",)
    assert compatibility is not None
    assert compatibility.values == ("iPhone 13", "iPhone 14")


async def test_product_description_by_offer_id(ozon: OzonClient) -> None:
    description = await ozon.product_description(offer_id="case-13")
    assert (description.name, description.description) == ("Чехол для iPhone 13", "Мягкий чехол")


# --- errors ----------------------------------------------------------------------------------


async def test_wrong_api_key_is_an_auth_error_though_ozon_says_404(http: OzonHttp) -> None:
    async with serve(SandboxState(credentials={"1001": "right"})) as running:
        ozon = http.client(base_url=running.url, client_id="1001", api_key="wrong")
        with pytest.raises(OzonAuthError) as caught:
            await ozon.list_chats()
    assert (caught.value.status, caught.value.problem) == (404, "invalid_key")
    assert "new key" in caught.value.fix


async def test_missing_role_is_a_permission_error_not_premium(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    body = '{"code": 7, "message": "Api-Key is missing a required role for a method"}'
    await fault(sandbox, "/v3/posting/fbs/get", "custom", status=403, body=body)
    with pytest.raises(OzonPermissionError) as caught:
        await ozon.fbs_posting("57195475-0050-3")
    assert not isinstance(caught.value, OzonSubscriptionError)


async def test_write_without_premium_is_a_subscription_error(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    buyer(sandbox, "chat-1")
    sandbox.state.shop_for_control("1001").premium = False
    with pytest.raises(OzonSubscriptionError):
        await ozon.send_message("chat-1", "Здравствуйте")
    assert sandbox.state.sent == []


async def test_premium_fault_is_a_subscription_error(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    buyer(sandbox, "chat-1")
    await fault(sandbox, "/v2/chat/read", "premium")
    with pytest.raises(OzonSubscriptionError):
        await ozon.mark_read("chat-1", str(FIRST_MESSAGE_ID))


async def test_unknown_chat_is_not_found(ozon: OzonClient) -> None:
    with pytest.raises(OzonNotFoundError) as caught:
        await ozon.chat_history("no-such-chat")
    assert caught.value.method == "/v3/chat/history"
    assert "/v3/chat/history" in str(caught.value)


async def test_unknown_posting_is_not_found(ozon: OzonClient) -> None:
    with pytest.raises(OzonNotFoundError):
        await ozon.fbs_posting("11111111-0000-1")


async def test_rejected_argument_is_a_bad_request(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    await fault(
        sandbox, "/v3/chat/list", "custom", status=400, body='{"code": 3, "message": "bad limit"}'
    )
    with pytest.raises(OzonBadRequestError, match="bad limit"):
        await ozon.list_chats()


async def test_older_error_format_is_read(ozon: OzonClient, sandbox: RunningSandbox) -> None:
    body = '{"error": {"code": "NOT_FOUND", "message": "posting is gone", "data": []}}'
    await fault(sandbox, "/v2/posting/fbo/get", "custom", status=404, body=body)
    with pytest.raises(OzonNotFoundError, match="posting is gone"):
        await ozon.fbo_posting("9121072335-0187-1")


async def test_rate_limit_carries_retry_after(http: OzonHttp, sandbox: RunningSandbox) -> None:
    ozon = http.client(base_url=sandbox.url, client_id="1001", api_key="k", read_retries=0)
    await fault(sandbox, "/v3/chat/list", "429", retry_after=0.2)
    with pytest.raises(OzonRateLimitError) as caught:
        await ozon.list_chats()
    assert caught.value.retry_after == pytest.approx(0.2)


async def test_server_error_after_retries_are_exhausted(
    ozon: OzonClient, sandbox: RunningSandbox, calls: Calls
) -> None:
    await fault(sandbox, "/v3/product/info/list", "500", count=5)
    with pytest.raises(OzonServerError) as caught:
        await ozon.product_info(skus=["1234567890"])
    assert caught.value.status == 500
    assert calls.statuses("/v3/product/info/list") == ["500", "500", "500"]


async def test_circle_is_open_is_a_server_error(http: OzonHttp, sandbox: RunningSandbox) -> None:
    ozon = http.client(base_url=sandbox.url, client_id="1001", api_key="k", read_retries=0)
    await fault(sandbox, "/v3/chat/list", "circle")
    with pytest.raises(OzonServerError, match="Circle is open"):
        await ozon.list_chats()


async def test_no_answer_in_time_is_a_timeout(http: OzonHttp, sandbox: RunningSandbox) -> None:
    ozon = http.client(base_url=sandbox.url, client_id="1001", api_key="k", read_retries=0)
    await fault(sandbox, "/v3/chat/list", "timeout")
    with pytest.raises(OzonTimeoutError):
        await ozon.list_chats()


@pytest.mark.parametrize(
    ("kind", "extra", "expected"),
    [
        ("malformed", {}, "not JSON"),
        ("html", {}, "not JSON"),
        ("empty", {}, "empty body"),
        ("custom", {"body": '{"result": {"status": "delivering"}}'}, "posting_number"),
        ("custom", {"body": '{"result": {"posting_number": 5}}'}, "expected a string"),
    ],
    ids=["broken-json", "html-page", "empty-body", "missing-field", "wrong-type"],
)
async def test_unreadable_answer_is_malformed(
    http: OzonHttp, sandbox: RunningSandbox, kind: str, extra: dict[str, object], expected: str
) -> None:
    ozon = http.client(base_url=sandbox.url, client_id="1001", api_key="k", read_retries=0)
    await fault(sandbox, "/v3/posting/fbs/get", kind, **extra)
    with pytest.raises(OzonMalformedError, match=expected):
        await ozon.fbs_posting("57195475-0050-3")


async def test_an_empty_answer_is_the_success_of_a_status_change(
    http: OzonHttp, sandbox: RunningSandbox
) -> None:
    """The 2026-10 contract documents no body for `/v2/review/change-status`: an empty 200 is
    success there (and for questions), still malformed for a method that must answer data."""
    ozon = http.client(base_url=sandbox.url, client_id="1001", api_key="k", read_retries=0)
    for method in ("/v2/review/change-status", "/v1/question/change-status"):
        await fault(sandbox, method, "empty")
    await ozon.change_review_status(["r-1"], ReviewStatus.PROCESSED)
    await ozon.change_question_status(["q-1"], QuestionStatus.PROCESSED)


async def test_unknown_enum_value_is_not_malformed(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    body = (
        '{"chats": [{"chat": {"chat_id": "c", "chat_status": "ARCHIVED", "chat_type": "GROUP",'
        ' "created_at": "2026-01-01T00:00:00Z"}}], "has_next": false}'
    )
    await fault(sandbox, "/v3/chat/list", "custom", body=body)
    (chat,) = (await ozon.list_chats()).chats
    assert (chat.status.value, chat.chat_type.value) == ("other", "other")


# --- retries and write semantics ------------------------------------------------------------


async def test_reads_are_retried_on_server_errors(
    ozon: OzonClient, sandbox: RunningSandbox, calls: Calls
) -> None:
    await fault(sandbox, "/v3/chat/list", "500", count=2)
    await ozon.list_chats()
    assert calls.statuses("/v3/chat/list") == ["500", "500", "200"]


async def test_reads_are_retried_on_malformed_answers(
    ozon: OzonClient, sandbox: RunningSandbox, calls: Calls
) -> None:
    await fault(sandbox, "/v3/posting/fbs/get", "html")
    await ozon.fbs_posting("57195475-0050-3")
    assert calls.statuses("/v3/posting/fbs/get") == ["200", "200"]


async def test_mark_read_is_retried(
    ozon: OzonClient, sandbox: RunningSandbox, calls: Calls
) -> None:
    message = buyer(sandbox, "chat-1")
    await fault(sandbox, "/v2/chat/read", "500")
    assert await ozon.mark_read("chat-1", message) == 0
    assert calls.statuses("/v2/chat/read") == ["500", "200"]


async def test_send_on_server_error_is_unknown_outcome_and_not_retried(
    ozon: OzonClient, sandbox: RunningSandbox, calls: Calls
) -> None:
    buyer(sandbox, "chat-1")
    await fault(sandbox, "/v1/chat/send/message", "500")
    with pytest.raises(OzonUnknownOutcomeError) as caught:
        await ozon.send_message("chat-1", "Здравствуйте")
    assert caught.value.method == "/v1/chat/send/message"
    assert calls.statuses("/v1/chat/send/message") == ["500"]


async def test_send_timeout_after_storing_is_unknown_outcome_and_in_history(
    ozon: OzonClient, sandbox: RunningSandbox, calls: Calls
) -> None:
    buyer(sandbox, "chat-1")
    await fault(sandbox, "/v1/chat/send/message", "timeout_after_send")
    with pytest.raises(OzonUnknownOutcomeError):
        await ozon.send_message("chat-1", "Здравствуйте")
    assert calls.statuses("/v1/chat/send/message") == ["timeout"]
    newest = (await ozon.chat_history("chat-1", limit=1)).messages[0]
    assert (newest.user_type, newest.text) == (UserType.SELLER, "Здравствуйте")


async def test_send_timeout_without_storing_is_unknown_outcome(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    buyer(sandbox, "chat-1")
    await fault(sandbox, "/v1/chat/send/message", "timeout")
    with pytest.raises(OzonUnknownOutcomeError):
        await ozon.send_message("chat-1", "Здравствуйте")
    assert sandbox.state.sent == []


async def test_connection_dropped_after_storing_is_unknown_outcome(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    buyer(sandbox, "chat-1")
    await fault(sandbox, "/v1/chat/send/file", "reset_after_send")
    with pytest.raises(OzonUnknownOutcomeError):
        await ozon.send_file("chat-1", "photo.jpg", b"\x89PNG")
    assert [record.file_name for record in sandbox.state.sent] == ["photo.jpg"]


async def test_send_with_unreadable_success_is_unknown_outcome(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    buyer(sandbox, "chat-1")
    await fault(sandbox, "/v1/chat/send/message", "malformed")
    with pytest.raises(OzonUnknownOutcomeError):
        await ozon.send_message("chat-1", "Здравствуйте")


async def test_send_rate_limited_is_a_rate_limit_error_not_unknown(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    buyer(sandbox, "chat-1")
    await fault(sandbox, "/v1/chat/send/message", "429", retry_after=0)
    with pytest.raises(OzonRateLimitError):
        await ozon.send_message("chat-1", "Здравствуйте")


async def test_send_refused_is_the_specific_error(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    with pytest.raises(OzonNotFoundError):
        await ozon.send_message("no-such-chat", "Здравствуйте")


async def test_send_to_a_closed_port_never_reached_ozon(http: OzonHttp) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ozon = http.client(base_url=f"http://127.0.0.1:{port}", client_id="1", api_key="k")
    with pytest.raises(OzonServerError) as caught:
        await ozon.send_message("chat-1", "Здравствуйте")
    assert not isinstance(caught.value, OzonUnknownOutcomeError)
    assert "cannot connect" in str(caught.value)


async def test_start_chat_is_sent_once(
    ozon: OzonClient, sandbox: RunningSandbox, calls: Calls
) -> None:
    await fault(sandbox, "/v1/chat/start", "500")
    with pytest.raises(OzonServerError):
        await ozon.start_chat("57195475-0050-3")
    assert calls.statuses("/v1/chat/start") == ["500"]


@pytest.mark.parametrize("text", ["", "я" * 1001], ids=["empty", "too-long"])
async def test_text_length_is_checked_before_any_call(
    ozon: OzonClient, calls: Calls, text: str
) -> None:
    with pytest.raises(OzonBadRequestError):
        await ozon.send_message("chat-1", text)
    assert calls.seen == []


async def test_a_thousand_characters_are_sent(ozon: OzonClient, sandbox: RunningSandbox) -> None:
    buyer(sandbox, "chat-1")
    await ozon.send_message("chat-1", "я" * 1000)
    assert len(sandbox.state.sent[0].text) == 1000


# --- rate limiting ---------------------------------------------------------------------------


async def test_rate_limiter_keeps_under_the_configured_rate(
    http: OzonHttp, sandbox: RunningSandbox, calls: Calls
) -> None:
    ozon = http.client(base_url=sandbox.url, client_id="1001", api_key="k", rate_limit_rps=40)
    await asyncio.gather(*(ozon.list_chats() for _ in range(60)))
    starts = sorted(started for _, _, started in calls.seen)
    busiest = max(sum(1 for other in starts if start <= other < start + 1.0) for start in starts)
    # The rate plus what a full bucket holds, which never adds up to more than Ozon's 50.
    assert busiest <= 40 + burst_for(40)
    assert busiest <= OZON_RPS_LIMIT


async def test_rate_limit_answer_pauses_every_call_of_the_client(
    http: OzonHttp, sandbox: RunningSandbox, calls: Calls
) -> None:
    ozon = http.client(base_url=sandbox.url, client_id="1001", api_key="k", read_retries=0)
    await fault(sandbox, "/v3/chat/list", "429", retry_after=0.6)
    with pytest.raises(OzonRateLimitError):
        await ozon.list_chats()
    refused_at = time.monotonic()
    await ozon.product_info(skus=["1234567890"])
    (product_call,) = [start for m, _, start in calls.seen if m == "/v3/product/info/list"]
    assert product_call - refused_at >= 0.5


async def test_rate_limited_read_is_retried_after_the_pause(
    ozon: OzonClient, sandbox: RunningSandbox, calls: Calls
) -> None:
    await fault(sandbox, "/v3/chat/list", "429", retry_after=0.3)
    await ozon.list_chats()
    (_, _, first), (_, _, second) = calls.seen
    assert calls.statuses("/v3/chat/list") == ["429", "200"]
    assert second - first >= 0.3


async def test_clients_of_one_client_id_share_a_limiter_and_the_session(http: OzonHttp) -> None:
    one = http.client(base_url="http://127.0.0.1:1", client_id="7", api_key="a")
    two = http.client(base_url="http://127.0.0.1:2", client_id="7", api_key="b")
    other = http.client(base_url="http://127.0.0.1:1", client_id="8", api_key="a")
    assert one._limiter is two._limiter
    assert one._limiter is not other._limiter
    assert http.session() is http.session()


async def test_every_error_names_its_method(ozon: OzonClient, sandbox: RunningSandbox) -> None:
    await fault(sandbox, "/v4/product/info/attributes", "custom", status=403, body="{}")
    with pytest.raises(OzonError) as caught:
        await ozon.product_attributes(skus=["1"])
    assert caught.value.method == "/v4/product/info/attributes"
