"""The emulator's control API and the Ozon rules it enforces, over real sockets."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from bot.sandbox.app import RunningSandbox, serve
from bot.sandbox.state import SandboxState

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with serve(SandboxState(), clock=lambda: NOW) as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


async def control(
    session: aiohttp.ClientSession, sandbox: RunningSandbox, path: str, body: object = None
) -> tuple[int, Any]:
    if body is None and path.split("?")[0] in (
        "/sandbox/sent",
        "/sandbox/health",
        "/sandbox/chats",
    ):
        request = session.get(sandbox.url + path)
    else:
        request = session.post(sandbox.url + path, json=body or {})
    async with request as response:
        return response.status, await response.json()


async def api(
    session: aiohttp.ClientSession,
    sandbox: RunningSandbox,
    method: str,
    body: object,
    client_id: str = "1001",
) -> tuple[int, Any]:
    headers = {"Client-Id": client_id, "Api-Key": "key"}
    async with session.post(sandbox.url + method, json=body, headers=headers) as response:
        return response.status, await response.json()


async def say(session: aiohttp.ClientSession, sandbox: RunningSandbox, **body: object) -> str:
    status, answer = await control(session, sandbox, "/sandbox/buyer-message", body)
    assert status == 200, answer
    assert isinstance(answer, dict)
    return str(answer["message_id"])


async def test_buyer_message_creates_the_chat_with_context(
    session: aiohttp.ClientSession, sandbox: RunningSandbox
) -> None:
    context = {"order_number": "57195475-0050", "sku": "1234567890"}
    message_id = await say(session, sandbox, chat_id="c1", text="где заказ?", context=context)
    _, history = await api(session, sandbox, "/v3/chat/history", {"chat_id": "c1"})
    (message,) = history["messages"]
    assert message["message_id"] == message_id
    assert message["context"] == context
    assert message["is_read"] is False


async def test_buyer_message_needs_chat_id_and_text(
    session: aiohttp.ClientSession, sandbox: RunningSandbox
) -> None:
    status, answer = await control(session, sandbox, "/sandbox/buyer-message", {"chat_id": "c"})
    assert status == 400
    assert "text" in answer["error"]


async def test_sent_lists_api_messages_per_shop_but_not_cabinet_ones(
    session: aiohttp.ClientSession, sandbox: RunningSandbox
) -> None:
    await say(session, sandbox, chat_id="c1", text="привет", client_id="1001")
    await say(session, sandbox, chat_id="c2", text="привет", client_id="2002")
    await api(session, sandbox, "/v1/chat/send/message", {"chat_id": "c1", "text": "Здравствуйте"})
    await api(
        session, sandbox, "/v1/chat/send/message", {"chat_id": "c2", "text": "Да"}, client_id="2002"
    )
    cabinet = {"chat_id": "c2", "text": "Я", "client_id": 2002}
    assert (await control(session, sandbox, "/sandbox/seller-message", cabinet))[0] == 200
    _, everything = await control(session, sandbox, "/sandbox/sent")
    _, first_shop = await control(session, sandbox, "/sandbox/sent?client_id=1001")
    assert [(r["chat_id"], r["text"]) for r in everything] == [
        ("c1", "Здравствуйте"),
        ("c2", "Да"),
    ]
    assert [r["text"] for r in first_shop] == ["Здравствуйте"]
    assert first_shop[0]["sent_at"] == "2026-11-21T12:00:00.000Z"


async def test_cabinet_message_is_in_the_history_as_seller(
    session: aiohttp.ClientSession, sandbox: RunningSandbox
) -> None:
    await say(session, sandbox, chat_id="c1", text="привет")
    await control(session, sandbox, "/sandbox/seller-message", {"chat_id": "c1", "text": "Я тут"})
    _, history = await api(session, sandbox, "/v3/chat/history", {"chat_id": "c1", "limit": 1})
    (newest,) = history["messages"]
    assert (newest["user"]["type"], newest["data"]) == ("Seller", ["Я тут"])


async def test_shops_are_isolated_by_client_id(
    session: aiohttp.ClientSession, sandbox: RunningSandbox
) -> None:
    await say(session, sandbox, chat_id="mine", text="a", client_id="1001")
    await say(session, sandbox, chat_id="theirs", text="b", client_id="2002")
    _, page = await api(session, sandbox, "/v3/chat/list", {"limit": 10}, client_id="1001")
    assert [c["chat"]["chat_id"] for c in page["chats"]] == ["mine"]


async def test_messages_before_the_first_api_call_belong_to_the_first_caller(
    session: aiohttp.ClientSession, sandbox: RunningSandbox
) -> None:
    await say(session, sandbox, chat_id="early", text="a")
    _, page = await api(session, sandbox, "/v3/chat/list", {"limit": 10}, client_id="777")
    assert [c["chat"]["chat_id"] for c in page["chats"]] == ["early"]


async def test_fault_fails_exactly_count_calls(
    session: aiohttp.ClientSession, sandbox: RunningSandbox
) -> None:
    body = {"method": "/v3/chat/list", "kind": "500", "count": 2}
    assert (await control(session, sandbox, "/sandbox/faults", body))[0] == 200
    statuses = [(await api(session, sandbox, "/v3/chat/list", {"limit": 1}))[0] for _ in range(3)]
    assert statuses == [500, 500, 200]


@pytest.mark.parametrize(
    "body",
    [{"method": "/v9/nothing", "kind": "500"}, {"method": "/v3/chat/list", "kind": "boom"}],
    ids=["unknown-method", "unknown-kind"],
)
async def test_fault_with_unknown_method_or_kind_is_refused(
    session: aiohttp.ClientSession, sandbox: RunningSandbox, body: dict[str, object]
) -> None:
    assert (await control(session, sandbox, "/sandbox/faults", body))[0] == 400


async def test_reset_forgets_chats_but_keeps_the_startup_seed(
    session: aiohttp.ClientSession, sandbox: RunningSandbox
) -> None:
    sandbox.state.seed_at_startup({"postings": [{"posting_number": "1-2-3", "status": "x"}]})
    await say(session, sandbox, chat_id="c1", text="a")
    await control(session, sandbox, "/sandbox/reset")
    _, chats = await control(session, sandbox, "/sandbox/chats")
    status, _ = await api(session, sandbox, "/v3/posting/fbs/get", {"posting_number": "1-2-3"})
    assert (chats, status) == ([], 200)


async def test_seed_adds_postings_and_names_a_bad_field(
    session: aiohttp.ClientSession, sandbox: RunningSandbox
) -> None:
    good = {"postings": [{"posting_number": "1-2-3", "scheme": "fbo", "status": "delivered"}]}
    bad = {"products": [{"sku": "1"}]}
    assert (await control(session, sandbox, "/sandbox/seed", good))[0] == 200
    status, answer = await control(session, sandbox, "/sandbox/seed", bad)
    assert status == 400
    assert "products.0.name" in answer["error"]
    fbo = await api(session, sandbox, "/v2/posting/fbo/get", {"posting_number": "1-2-3"})
    fbs = await api(session, sandbox, "/v3/posting/fbs/get", {"posting_number": "1-2-3"})
    assert (fbo[0], fbs[0]) == (200, 404)


async def test_without_premium_writes_are_refused_but_history_is_read(
    session: aiohttp.ClientSession, sandbox: RunningSandbox
) -> None:
    await say(session, sandbox, chat_id="c1", text="a")
    await control(session, sandbox, "/sandbox/premium", {"enabled": False})
    status, answer = await api(
        session, sandbox, "/v1/chat/send/message", {"chat_id": "c1", "text": "Здравствуйте"}
    )
    assert (status, answer["code"]) == (403, 7)
    # Ozon's real words: no "premium" in them (../shared/ozon/README.md).
    assert answer["message"] == (
        "rpc error: code = PermissionDenied desc = not available with existing subscription"
    )
    assert (await api(session, sandbox, "/v3/chat/history", {"chat_id": "c1"}))[0] == 200


async def test_history_can_require_premium_too(session: aiohttp.ClientSession) -> None:
    state = SandboxState(premium=False, premium_gates_history=True)
    async with serve(state) as running:
        await say(session, running, chat_id="c1", text="a")
        status, _ = await api(session, running, "/v3/chat/history", {"chat_id": "c1"})
    assert status == 403


async def test_missing_headers_are_refused_in_ozon_format(
    session: aiohttp.ClientSession, sandbox: RunningSandbox
) -> None:
    async with session.post(sandbox.url + "/v3/chat/list", json={"limit": 1}) as response:
        assert response.status == 401
        assert (await response.json())["code"] == 16


async def test_mark_read_reads_buyer_messages_up_to_the_id(
    session: aiohttp.ClientSession, sandbox: RunningSandbox
) -> None:
    first = await say(session, sandbox, chat_id="c1", text="a")
    await say(session, sandbox, chat_id="c1", text="b")
    _, answer = await api(
        session, sandbox, "/v2/chat/read", {"chat_id": "c1", "from_message_id": int(first)}
    )
    assert answer == {"unread_count": 1}
    _, page = await api(session, sandbox, "/v3/chat/list", {"limit": 1})
    assert page["chats"][0]["first_unread_message_id"] == int(first) + 1


async def test_closed_chat_is_listed_as_closed_and_refuses_replies(
    session: aiohttp.ClientSession, sandbox: RunningSandbox
) -> None:
    await say(session, sandbox, chat_id="c1", text="a")
    await control(session, sandbox, "/sandbox/chat-status", {"chat_id": "c1", "closed": True})
    _, opened = await api(
        session, sandbox, "/v3/chat/list", {"limit": 5, "filter": {"chat_status": "OPENED"}}
    )
    _, closed = await api(
        session, sandbox, "/v3/chat/list", {"limit": 5, "filter": {"chat_status": "Closed"}}
    )
    status, _ = await api(
        session, sandbox, "/v1/chat/send/message", {"chat_id": "c1", "text": "Здравствуйте"}
    )
    assert (len(opened["chats"]), len(closed["chats"]), status) == (0, 1, 400)


async def reply_after(
    session: aiohttp.ClientSession, sandbox: RunningSandbox, scheme: str, hours: float
) -> int:
    posting = {"posting_number": "57195475-0050-3", "scheme": scheme, "status": "delivered"}
    posting["delivered_at"] = (NOW - timedelta(hours=100)).isoformat()
    await control(session, sandbox, "/sandbox/seed", {"postings": [posting]})
    context = {"order_number": "57195475-0050"}
    await say(session, sandbox, chat_id="c1", text="a", context=context)
    await control(session, sandbox, "/sandbox/reply-windows", {"enabled": True})
    later = (NOW + timedelta(hours=hours)).isoformat()
    await control(session, sandbox, "/sandbox/clock", {"now": later})
    status, _ = await api(
        session, sandbox, "/v1/chat/send/message", {"chat_id": "c1", "text": "Здравствуйте"}
    )
    return status


@pytest.mark.parametrize(
    ("scheme", "hours", "status"),
    [("fbo", 47, 200), ("fbo", 49, 400), ("fbs", 49, 400)],
    ids=["fbo-within-48h", "fbo-after-48h", "fbs-delivered-long-ago-after-48h"],
)
async def test_reply_windows_are_enforced_when_switched_on(
    session: aiohttp.ClientSession, sandbox: RunningSandbox, scheme: str, hours: int, status: int
) -> None:
    assert await reply_after(session, sandbox, scheme, hours) == status


async def test_fbs_chat_may_be_answered_until_72_hours_after_delivery(
    session: aiohttp.ClientSession, sandbox: RunningSandbox
) -> None:
    posting = {"posting_number": "57195475-0050-3", "status": "delivering", "sku": "1"}
    await control(session, sandbox, "/sandbox/seed", {"postings": [posting]})
    await say(session, sandbox, chat_id="c1", text="a", context={"order_number": "57195475-0050"})
    await control(session, sandbox, "/sandbox/reply-windows", {"enabled": True})
    await control(session, sandbox, "/sandbox/clock", {"now": "2026-12-30T00:00:00Z"})
    status, _ = await api(
        session, sandbox, "/v1/chat/send/message", {"chat_id": "c1", "text": "Здравствуйте"}
    )
    assert status == 200


async def test_health_and_chat_inspection(
    session: aiohttp.ClientSession, sandbox: RunningSandbox
) -> None:
    await say(session, sandbox, chat_id="c1", text="привет", client_id="1001")
    _, health = await control(session, sandbox, "/sandbox/health")
    _, chats = await control(session, sandbox, "/sandbox/chats")
    assert health == {"ok": True, "shops": ["1001"]}
    assert chats[0]["messages"][0]["text"] == "привет"
    assert json.dumps(chats)  # plain JSON all the way down
