"""The contract, vendored: every Seller API method the project calls, as the client sends it and
as the emulator answers it, validates against Ozon's October 2026 OpenAPI subset in this folder
(a copy of ../shared/ozon/openapi-2026-10.json, so these tests never skip on a bare clone).

The emulator runs in strict mode: every request and answer of a documented method is validated
and violations are recorded in `state.schema_violations`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.errors import OzonAuthError, OzonNotFoundError, OzonSubscriptionError
from bot.ozon.client import STREAM_METHODS, USED_METHODS, OzonClient, OzonHttp
from bot.ozon.schemas import Direction, QuestionStatus, ReviewStatus
from bot.sandbox.app import RunningSandbox, all_operations, serve
from bot.sandbox.openapi import OpenApiSpec
from bot.sandbox.state import FIRST_MESSAGE_ID, SandboxState

SPEC = Path(__file__).with_name("openapi-2026-10.json")
POSTING = "57195475-0050-3"
CHAT = "chat-1"
SCENARIO = {
    "postings": [
        {
            "posting_number": POSTING,
            "scheme": "fbs",
            "status": "delivered",
            "delivery_date": "2026-11-25",
            "delivered_at": "2026-11-25T12:00:00Z",
            "tracking_number": "RU1",
            "sku": "1234567890",
            "in_process_at": "2026-11-20T10:00:00Z",
        },
        {"posting_number": "9121072335-0187-1", "scheme": "fbo", "status": "delivering"},
    ],
    "products": [
        {
            "sku": "1234567890",
            "name": "Пылесос",
            "attributes": {"Бренд": "Acme", "Мощность всасывания": "150 Вт"},
            "stock": 3,
            "price": "4990",
            "dimensions": {"height": 10, "depth": 20, "width": 70, "weight": 40},
            "description": "Описание",
        }
    ],
    "returns": [{"posting_number": POSTING, "sku": "1234567890", "reason": "брак"}],
    "questions": [{"id": "q-1", "sku": "1234567890", "text": "Какая мощность?"}],
    "reviews": [{"id": "r-1", "sku": "1234567890", "rating": 5, "text": "Отличный пылесос"}],
}

Call = Callable[[OzonClient], Awaitable[object]]
FIRST = str(FIRST_MESSAGE_ID)
SINCE = datetime(2026, 11, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
CALLS: dict[str, Call] = {
    "/v3/chat/list": lambda ozon: ozon.list_chats(unread_only=True, limit=100),
    "/v3/chat/history": lambda ozon: ozon.chat_history(
        CHAT, direction=Direction.FORWARD, from_message_id=FIRST, limit=1
    ),
    "/v1/chat/send/message": lambda ozon: ozon.send_message(CHAT, "Заказ в пути"),
    "/v1/chat/send/file": lambda ozon: ozon.send_file(CHAT, "check.pdf", b"%PDF-1.4"),
    "/v2/chat/read": lambda ozon: ozon.mark_read(CHAT, FIRST),
    "/v1/chat/start": lambda ozon: ozon.start_chat(POSTING),
    "/v3/posting/fbs/get": lambda ozon: ozon.fbs_posting(POSTING),
    "/v2/posting/fbo/get": lambda ozon: ozon.fbo_posting("9121072335-0187-1"),
    "/v1/returns/list": lambda ozon: ozon.returns(posting_numbers=[POSTING], last_id="1"),
    "/v3/product/info/list": lambda ozon: ozon.product_info(skus=["1234567890"]),
    "/v4/product/info/attributes": lambda ozon: ozon.product_attributes(skus=["1234567890"]),
    "/v1/product/info/description": lambda ozon: ozon.product_description(product_id="100000000"),
    "/v1/description-category/attribute": lambda ozon: ozon.category_attribute_names(
        "17028922", "91565"
    ),
    "/v1/roles": lambda ozon: ozon.roles(),
    "/v1/notification/list": lambda ozon: ozon.notification_list(),
}


async def _answer_then_delete(ozon: OzonClient) -> None:
    answer_id = await ozon.answer_question("q-1", "1234567890", "Мощность всасывания 150 Вт.")
    await ozon.delete_question_answer(answer_id, "1234567890")


async def _comment_then_delete(ozon: OzonClient) -> None:
    comment_id = await ozon.comment_review("r-1", "Спасибо за отзыв.")
    await ozon.delete_review_comment(comment_id, "1234567890")


CALLS.update(
    {
        "/v1/question/list": lambda ozon: ozon.list_questions(limit=100),
        "/v1/question/info": lambda ozon: ozon.question_info("q-1"),
        "/v1/question/count": lambda ozon: ozon.question_count(),
        "/v1/question/change-status": lambda ozon: ozon.change_question_status(
            ["q-1"], QuestionStatus.PROCESSED
        ),
        "/v1/question/answer/create": lambda ozon: ozon.answer_question(
            "q-1", "1234567890", "Мощность всасывания 150 Вт."
        ),
        "/v1/question/answer/list": lambda ozon: ozon.question_answers("q-1", "1234567890"),
        "/v1/question/answer/delete": _answer_then_delete,
        "/v2/review/list": lambda ozon: ozon.list_reviews(limit=20),
        "/v2/review/info": lambda ozon: ozon.review_info("r-1"),
        "/v2/review/count": lambda ozon: ozon.review_count(),
        "/v2/review/change-status": lambda ozon: ozon.change_review_status(
            ["r-1"], ReviewStatus.VIEWED
        ),
        "/v1/review/comment/create": lambda ozon: ozon.comment_review("r-1", "Спасибо за отзыв."),
        "/v1/review/comment/list": lambda ozon: ozon.review_comments("r-1", limit=20),
        "/v2/review/comment/delete": _comment_then_delete,
    }
)
# The posting lists belong to the order-lookup work; included when the client has them.
if hasattr(OzonClient, "fbs_postings_of_orders"):
    CALLS["/v4/posting/fbs/list"] = lambda ozon: ozon.fbs_postings_of_orders(
        ["57195475-0050"], since=SINCE, to=SINCE + timedelta(days=60)
    )
    CALLS["/v3/posting/fbo/list"] = lambda ozon: ozon.fbo_postings_of_orders(["9121072335-0187"])


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with serve(SandboxState(), spec=SPEC) as running:
        running.state.seed_from_scenario(SCENARIO)
        running.state.set_now(datetime(2026, 11, 26, 12, tzinfo=UTC))
        for text in ("где заказ?", "ау"):
            running.state.buyer_message(CHAT, text, order_number="57195475-0050", sku="1234567890")
        running.state.buyer_message("select-1", "привет", chat_type="BUYER_SELLER_SELECT")
        yield running


@pytest.fixture
async def ozon(sandbox: RunningSandbox) -> AsyncIterator[OzonClient]:
    async with OzonHttp(timeout_s=2) as http:
        yield http.client(base_url=sandbox.url, client_id="1", api_key="k", read_retries=0)


def test_every_method_the_client_uses_is_in_the_contract_and_served() -> None:
    documented = OpenApiSpec(SPEC).methods
    assert set(USED_METHODS) | set(STREAM_METHODS) <= set(CALLS) <= documented
    assert set(CALLS) <= set(all_operations())


@pytest.mark.parametrize("method", sorted(CALLS))
async def test_request_and_answer_follow_the_contract(
    method: str, ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    await CALLS[method](ozon)
    assert sandbox.state.schema_violations == []


async def test_real_error_bodies_follow_the_contract(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    with pytest.raises(OzonNotFoundError):
        await ozon.chat_history("missing")
    sandbox.state.shop_for_control(None).premium = False
    with pytest.raises(OzonSubscriptionError):
        await ozon.send_message(CHAT, "Здравствуйте")
    sandbox.state.shop_for_control(None).key_invalid = True
    with pytest.raises(OzonAuthError):
        await ozon.list_chats()
    assert sandbox.state.schema_violations == []


async def raw(sandbox: RunningSandbox, method: str, body: object) -> dict[str, object]:
    headers = {"Client-Id": "1", "Api-Key": "k"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(sandbox.url + method, json=body, headers=headers) as response,
    ):
        answer = json.loads(await response.text())
    assert isinstance(answer, dict)
    return answer


async def test_attributes_come_as_ids_only_and_are_named_by_category(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    body = {"filter": {"sku": ["1234567890"], "visibility": "ALL"}, "limit": 10}
    answer = await raw(sandbox, "/v4/product/info/attributes", body)
    items = answer["result"]
    assert isinstance(items, list)
    assert len(items) == 1
    assert all("name" not in attribute for attribute in items[0]["attributes"])
    (card,) = await ozon.product_attributes(skus=["1234567890"])
    found = card.find("мощность всасывания")
    assert found is not None
    assert found.values == ("150 Вт",)
    assert card.find("Brand") is not None  # English names from language EN
    assert sandbox.state.schema_violations == []


async def test_chat_types_are_spelled_as_the_enum_and_select_is_a_buyer_chat(
    ozon: OzonClient,
) -> None:
    page = await ozon.list_chats(limit=100)
    kinds = {chat.chat_id: chat.is_buyer_chat for chat in page.chats}
    assert kinds == {CHAT: True, "select-1": True}


async def test_returns_schema_is_spelled_as_ozon_does(sandbox: RunningSandbox) -> None:
    answer = await raw(sandbox, "/v1/returns/list", {"limit": 10})
    returns = answer["returns"]
    assert isinstance(returns, list)
    assert {item["schema"] for item in returns} == {"FBS"}


async def test_public_streams_refusals_follow_the_contract(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    """Without the subscriptions, questions and reviews are refused with Ozon's real 403."""
    board = sandbox.state.shop_for_control(None).public
    board.questions_allowed = board.reviews_allowed = False
    with pytest.raises(OzonSubscriptionError):
        await ozon.list_questions()
    with pytest.raises(OzonSubscriptionError):
        await ozon.list_reviews(limit=20)
    assert sandbox.state.schema_violations == []


async def test_question_pages_hold_at_most_ten(ozon: OzonClient, sandbox: RunningSandbox) -> None:
    """`questions` has `maxItems: 10` in the contract: a limit of 100 still pages by ten."""
    shop = sandbox.state.shop_for_control(None)
    for n in range(14):
        shop.public.add_question(shop.client_id, sku="1234567890", text=f"вопрос {n}", now=NOW)
    first = await ozon.list_questions(limit=100)
    second = await ozon.list_questions(limit=100, last_id=first.last_id)
    assert (len(first.questions), first.has_next) == (10, True)
    assert (len(second.questions), second.has_next) == (5, False)
    assert sandbox.state.schema_violations == []
