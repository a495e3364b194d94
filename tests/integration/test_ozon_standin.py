"""The client against a stand-in written from Ozon's documents (tests/fakes/ozon_standin.py),
over real sockets: the Select chat is read, key and subscription problems are typed with their
cause, the key's expiry is read, and a 429's Retry-After is honoured but capped."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.errors import OzonAuthError, OzonRateLimitError, OzonSubscriptionError
from bot.ozon.client import USED_METHODS, OzonClient, OzonHttp
from bot.ozon.failures import MAX_RETRY_AFTER_S
from bot.ozon.limiter import TokenBucket
from tests.fakes.ozon_standin import Standin, serve_standin


@pytest.fixture
async def standin() -> AsyncIterator[Standin]:
    async with serve_standin() as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[OzonHttp]:
    async with OzonHttp(timeout_s=2) as session:
        yield session


def client(http: OzonHttp, standin: Standin, *, retries: int = 0) -> OzonClient:
    return http.client(
        base_url=standin.url, client_id="7", api_key="k", read_retries=retries, backoff_s=0.01
    )


async def test_the_select_chat_is_a_buyer_chat_and_support_is_not(
    http: OzonHttp, standin: Standin
) -> None:
    page = await client(http, standin).list_chats()
    assert [(c.chat_type.value, c.is_buyer_chat) for c in page.chats] == [
        ("buyer_seller_select", True),
        ("seller_support", False),
    ]
    history = await client(http, standin).chat_history(page.chats[0].chat_id)
    assert history.messages[0].is_buyer


async def test_an_invalid_key_is_an_auth_error_with_its_cause(
    http: OzonHttp, standin: Standin
) -> None:
    standin.key_valid = False
    with pytest.raises(OzonAuthError) as caught:
        await client(http, standin, retries=3).list_chats()
    assert caught.value.problem == "invalid_key"
    assert "revoked" in caught.value.cause
    assert standin.calls["/v3/chat/list"] == 1  # not retried: retrying cannot help


async def test_a_write_without_subscription_is_a_subscription_error_sent_once(
    http: OzonHttp, standin: Standin
) -> None:
    with pytest.raises(OzonSubscriptionError) as caught:
        await client(http, standin).send_message(
            "5e767w03-b400-4y1b-a841-75319ca8a5c8", "Добрый день"
        )
    assert "Premium" in caught.value.fix
    assert standin.calls["/v1/chat/send/message"] == 1


async def test_the_keys_expiry_and_missing_roles_are_read(http: OzonHttp, standin: Standin) -> None:
    roles = await client(http, standin).roles()
    assert roles.expires_at == datetime(2026, 12, 1, tzinfo=UTC)
    assert roles.warning_due(datetime(2026, 11, 28, tzinfo=UTC)) == 3
    assert "/v1/chat/send/message" in roles.missing(USED_METHODS)


async def test_a_days_long_retry_after_is_capped_and_counted(
    standin: Standin,
) -> None:
    events: list[tuple[str, str]] = []
    async with OzonHttp(timeout_s=2, events=lambda e, m: events.append((e, m))) as http:
        standin.retry_after = "86400"
        with pytest.raises(OzonRateLimitError) as caught:
            await client(http, standin).list_chats()
        assert caught.value.retry_after == MAX_RETRY_AFTER_S
        assert ("retry_after_capped", "/v3/chat/list") in events


async def test_a_short_retry_after_is_honoured_before_the_next_call(standin: Standin) -> None:
    bucket = TokenBucket(50, burst=5)
    async with OzonHttp(timeout_s=2, limiters=lambda cid, rate: bucket) as http:
        standin.retry_after = "0.4"
        ozon = client(http, standin)
        with pytest.raises(OzonRateLimitError):
            await ozon.list_chats()
        standin.retry_after = None
        started = time.monotonic()
        await ozon.list_chats()
        assert time.monotonic() - started >= 0.35
