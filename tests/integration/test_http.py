"""The worker's HTTP endpoints over a real socket: health, metrics, the Ozon push intake."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.dialogue.instant import InstantDialogue
from bot.sandbox.app import RunningSandbox
from tests.integration.worker_harness import Clock, Harness, build


@pytest.fixture
async def running(
    sandbox: RunningSandbox,
    redis_prefix: str,
    redis: object,
    dialogue: InstantDialogue,
    clock: Clock,
) -> AsyncIterator[tuple[Harness, aiohttp.ClientSession, str]]:
    """A started worker with push on, accepting pushes from anywhere (local test)."""
    h = build(
        sandbox,
        redis_prefix,
        dialogue,
        clock=clock,
        push_enabled=True,
        push_networks=("*",),
        poll_interval_s=3600,  # no polling: only pushes bring messages in
    )
    await h.app.start(staff_console=False)
    url = h.app.http_url
    assert url is not None
    async with aiohttp.ClientSession() as session:
        yield h, session, url
    await h.app.stop()


async def test_healthz_reports_redis(running: tuple[Harness, aiohttp.ClientSession, str]) -> None:
    _, session, url = running
    async with session.get(f"{url}/healthz") as resp:
        body = await resp.json()
    assert body["checks"]["redis"] == {"ok": True}
    assert body["checks"]["data"]["ok"] is True
    assert set(body) == {"ok", "unhealthy", "checks"}


async def test_ping_is_answered_as_ozon_expects(
    running: tuple[Harness, aiohttp.ClientSession, str],
) -> None:
    _, session, url = running
    ping = {"message_type": "TYPE_PING", "time": "2026-11-21T10:00:00Z"}
    async with session.post(f"{url}/push", json=ping) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert set(body) == {"version", "name", "time"}
    assert body["time"].endswith("Z")


async def test_a_new_message_push_is_acknowledged_at_once_and_answered_from_the_api(
    running: tuple[Harness, aiohttp.ClientSession, str],
) -> None:
    h, session, url = running
    message_id = h.buyer("push-1", "где мой заказ?")
    push = {
        "message_type": "TYPE_NEW_MESSAGE",
        "chat_id": "push-1",
        "chat_type": "Buyer_Seller",
        "message_id": message_id,
        "user": {"id": "1", "type": "Сustomer"},
        "data": ["текст из пуша не используется"],
        "seller_id": "100500",
    }
    started = time.perf_counter()
    async with session.post(f"{url}/push", json=push) as resp:
        assert resp.status == 200
        assert await resp.json() == {"result": True}
    assert time.perf_counter() - started < 1.0
    for _ in range(100):
        if h.sent("push-1"):
            break
        await asyncio.sleep(0.05)
    assert h.sent("push-1") == [f"Спасибо, ваше сообщение получено, номер обращения {message_id}."]


async def test_a_push_for_an_unknown_chat_type_or_seller_changes_nothing(
    running: tuple[Harness, aiohttp.ClientSession, str],
) -> None:
    h, session, url = running
    support = {"message_type": "TYPE_NEW_MESSAGE", "chat_id": "s-1", "chat_type": "Seller_Support"}
    async with session.post(f"{url}/push", json=support) as resp:
        assert await resp.json() == {"result": True}
    async with session.post(f"{url}/push", json={"message_type": "TYPE_CHAT_CLOSED"}) as resp:
        assert await resp.json() == {"result": True}
    assert h.sent() == []


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"not json", 400), (b"{}", 400), (b'{"message_type": "TYPE_NEW_MESSAGE"}', 400)],
)
async def test_bad_pushes_get_ozons_error_format(
    running: tuple[Harness, aiohttp.ClientSession, str], body: bytes, status: int
) -> None:
    _, session, url = running
    async with session.post(f"{url}/push", data=body) as resp:
        assert resp.status == status
        error = (await resp.json())["error"]
    assert error["code"] == "ERROR_PARAMETER_VALUE_MISSED"


async def test_metrics_count_messages_ozon_calls_and_queue(
    running: tuple[Harness, aiohttp.ClientSession, str],
) -> None:
    h, session, url = running
    handled = 'ozonbot_messages_total{decision="reply",intent="delivery_status",shop="main"} 1.0'
    h.buyer("m-1", "где заказ?")
    await h.app.poll_once()
    await h.app.drain()
    # The started app's own runner may have claimed the chat before drain() did; then drain()
    # returns at once and the turn finishes in the background: wait for it, up to 10 s.
    deadline = time.monotonic() + 10
    while True:
        async with session.get(f"{url}/metrics") as resp:
            text = await resp.text()
        if handled in text or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    assert handled in text
    assert 'ozonbot_ozon_calls_total{method="/v1/chat/send/message",status="200"} 1.0' in text
    assert "ozonbot_queue_depth 0.0" in text
    assert "ozonbot_oldest_unhandled_seconds" in text
    assert "ozonbot_guard_checks_total" in text


async def test_pushes_from_outside_ozons_networks_are_refused(
    sandbox: RunningSandbox, redis_prefix: str, redis: object, dialogue: InstantDialogue
) -> None:
    h = build(sandbox, redis_prefix, dialogue, push_enabled=True, poll_interval_s=3600)
    await h.app.start(staff_console=False)
    try:
        async with aiohttp.ClientSession() as session:
            ping = {"message_type": "TYPE_PING", "time": "2026-11-21T10:00:00Z"}
            async with session.post(f"{h.app.http_url}/push", json=ping) as resp:
                assert resp.status == 403
    finally:
        await h.app.stop()
