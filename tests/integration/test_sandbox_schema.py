"""Schema conformance: for each of the twelve methods, the request the client sends and the
emulator's answer validate against ../shared/ozon/openapi-subset.json (the emulator runs in
strict mode and records every violation); Ozon's traps are visible in the raw JSON."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from bot.errors import OzonNotFoundError
from bot.ozon.client import OzonClient, OzonHttp
from bot.ozon.schemas import Direction
from bot.sandbox.app import RunningSandbox, serve
from bot.sandbox.openapi import OpenApiSpec
from bot.sandbox.seller import OPERATIONS
from bot.sandbox.state import FIRST_MESSAGE_ID, SandboxState

SPEC = Path(__file__).resolve().parents[3] / "shared" / "ozon" / "openapi-subset.json"
pytestmark = pytest.mark.skipif(not SPEC.exists(), reason=f"{SPEC} is not beside the repository")

POSTING = "57195475-0050-3"
SCENARIO = {
    "postings": [
        {
            "posting_number": POSTING,
            "scheme": "fbs",
            "status": "cancelled",
            "substatus": "posting_canceled",
            "delivery_date": "2026-11-25",
            "tracking_number": "RU1",
            "sku": "1234567890",
            "in_process_at": "2026-11-20T10:00:00Z",
            "shipment_date": "2026-11-21T10:00:00Z",
            "delivering_date": "2026-11-22T10:00:00Z",
            "cancel_reason": "Покупатель отменил заказ",
        },
        {"posting_number": "9121072335-0187-1", "scheme": "fbo", "status": "delivering"},
    ],
    "products": [
        {
            "sku": "1234567890",
            "name": "Чехол",
            "attributes": {"Бренд": "Acme", "Особенность": "магнит"},
            "stock": 3,
            "price": "499",
            "dimensions": {"height": 10, "depth": 20, "width": 70, "weight": 40},
            "description": "Описание",
        }
    ],
    "returns": [{"posting_number": POSTING, "sku": "1234567890", "reason": "брак"}],
}
CHAT = "chat-1"

Call = Callable[[OzonClient, str], Awaitable[object]]
CALLS: dict[str, Call] = {
    "/v3/chat/list": lambda ozon, _: ozon.list_chats(unread_only=True, limit=1),
    "/v3/chat/history": lambda ozon, first: ozon.chat_history(
        CHAT, direction=Direction.FORWARD, from_message_id=first, limit=1
    ),
    "/v1/chat/send/message": lambda ozon, _: ozon.send_message(CHAT, "Заказ в пути"),
    "/v1/chat/send/file": lambda ozon, _: ozon.send_file(CHAT, "check.pdf", b"%PDF-1.4"),
    "/v2/chat/read": lambda ozon, first: ozon.mark_read(CHAT, first),
    "/v1/chat/start": lambda ozon, _: ozon.start_chat(POSTING),
    "/v3/posting/fbs/get": lambda ozon, _: ozon.fbs_posting(POSTING),
    "/v2/posting/fbo/get": lambda ozon, _: ozon.fbo_posting("9121072335-0187-1"),
    "/v1/returns/list": lambda ozon, _: ozon.returns(posting_numbers=[POSTING], last_id="1"),
    "/v3/product/info/list": lambda ozon, _: ozon.product_info(
        skus=["1234567890"], offer_ids=["OF-1"], product_ids=["100000000"]
    ),
    "/v4/product/info/attributes": lambda ozon, _: ozon.product_attributes(skus=["1234567890"]),
    "/v1/product/info/description": lambda ozon, _: ozon.product_description(
        product_id="100000000"
    ),
}


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with serve(SandboxState(), spec=SPEC) as running:
        running.state.seed_from_scenario(SCENARIO)
        for text in ("где заказ?", "ау"):
            running.state.buyer_message(CHAT, text, order_number="57195475-0050", sku="1234567890")
        yield running


@pytest.fixture
async def ozon(sandbox: RunningSandbox) -> AsyncIterator[OzonClient]:
    async with OzonHttp(timeout_s=2) as http:
        yield http.client(base_url=sandbox.url, client_id="1", api_key="k", read_retries=0)


def test_the_twelve_methods_are_those_of_the_schema_file() -> None:
    assert set(CALLS) == set(OPERATIONS) == OpenApiSpec(SPEC).methods


@pytest.mark.parametrize("method", sorted(CALLS))
async def test_request_and_answer_follow_the_schema(
    method: str, ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    await CALLS[method](ozon, str(FIRST_MESSAGE_ID))
    assert sandbox.state.schema_violations == []


async def test_error_answers_follow_the_schema(ozon: OzonClient, sandbox: RunningSandbox) -> None:
    with pytest.raises(OzonNotFoundError):
        await ozon.chat_history("missing")
    assert sandbox.state.schema_violations == []


async def post(sandbox: RunningSandbox, method: str, body: object) -> tuple[int, str]:
    headers = {"Client-Id": "1", "Api-Key": "k"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(sandbox.url + method, json=body, headers=headers) as response,
    ):
        return response.status, await response.text()


async def test_request_off_the_schema_is_refused_and_recorded(sandbox: RunningSandbox) -> None:
    status, text = await post(sandbox, "/v1/chat/send/message", {"chat_id": CHAT})
    assert status == 400
    assert json.loads(text)["code"] == 3
    assert any("'text' is a required property" in v for v in sandbox.state.schema_violations)


async def test_chat_list_uses_upper_case_and_numeric_huge_ids(sandbox: RunningSandbox) -> None:
    sandbox.state.buyer_message("chat-2", "ещё")
    _, text = await post(sandbox, "/v3/chat/list", {"limit": 1})
    chat = json.loads(text)["chats"][0]
    assert (chat["chat"]["chat_status"], chat["chat"]["chat_type"]) == ("OPENED", "BUYER_SELLER")
    assert isinstance(chat["last_message_id"], int)
    assert chat["last_message_id"] > 2**64
    assert json.loads(text)["has_next"] == "true"


async def test_history_spells_customer_both_ways_and_sends_ids_as_strings(
    sandbox: RunningSandbox,
) -> None:
    _, text = await post(sandbox, "/v3/chat/history", {"chat_id": CHAT})
    messages = json.loads(text)["messages"]
    assert {m["user"]["type"] for m in messages} == {"\u0421ustomer", "Customer"}
    assert all(isinstance(m["message_id"], str) and int(m["message_id"]) > 2**64 for m in messages)


def test_reconciled_schema_still_rejects_what_ozon_never_sends() -> None:
    spec = OpenApiSpec(SPEC)
    assert spec.response_errors("/v3/chat/list", 200, {"has_next": "yes"})
    assert spec.response_errors("/v3/chat/history", 200, {"messages": [{"message_id": "x1"}]})
    assert not spec.response_errors("/v3/chat/history", 200, {"messages": [{"message_id": "12"}]})
