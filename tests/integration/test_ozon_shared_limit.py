"""One rate limit per Client-Id across workers (real Redis, the emulator enforcing Ozon's
50/s with real 429s), and OZON_API_URL as every account's default."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import load_accounts
from bot.ozon.client import OzonHttp
from bot.sandbox.app import serve
from bot.sandbox.state import SandboxState
from bot.state.keys import Keys
from bot.state.ratelimit import RedisRateLimiter, redis_limiters
from bot.state.redis import Redis, connect


@pytest.fixture
async def shared() -> AsyncIterator[tuple[Redis, Keys]]:
    redis = connect("redis://127.0.0.1:6379/0")
    keys = Keys(f"test-limit-{uuid.uuid4().hex[:8]}")
    try:
        yield redis, keys
    finally:
        await redis.delete(keys.ratelimit("77"))
        await redis.aclose()


async def test_three_workers_share_one_budget_without_a_429(shared: tuple[Redis, Keys]) -> None:
    redis, keys = shared
    seconds, rate = 2.0, 45.0
    async with serve(SandboxState()) as sandbox:

        async def worker() -> int:
            # Its own session and limiter object, as another process would have.
            async with OzonHttp(timeout_s=5, limiters=redis_limiters(redis, keys)) as http:
                ozon = http.client(
                    base_url=sandbox.url, client_id="77", api_key="k", rate_limit_rps=rate
                )
                deadline, done = time.monotonic() + seconds, 0
                while time.monotonic() < deadline:
                    await asyncio.gather(*(ozon.list_chats(limit=10) for _ in range(4)))
                    done += 4
                return done

        calls = sum(await asyncio.gather(worker(), worker(), worker()))
        assert sandbox.state.rate_limited == 0
    assert calls >= 0.9 * rate * seconds


async def test_a_pause_from_one_worker_holds_the_others(shared: tuple[Redis, Keys]) -> None:
    redis, keys = shared
    first = RedisRateLimiter(redis, keys, "77", rate=50)
    second = RedisRateLimiter(redis, keys, "77", rate=50)
    await first.acquire()
    await first.penalize(0.3)
    started = time.monotonic()
    await second.acquire()
    assert time.monotonic() - started >= 0.25


async def test_the_emulator_answers_429_above_fifty_a_second() -> None:
    async with serve(SandboxState()) as sandbox, OzonHttp(timeout_s=5) as http:
        unlimited = http.client(
            base_url=sandbox.url, client_id="88", api_key="k", rate_limit_rps=1000, read_retries=0
        )
        results = await asyncio.gather(
            *(unlimited.list_chats(limit=1) for _ in range(80)), return_exceptions=True
        )
    assert sandbox.state.rate_limited >= 1
    assert any(type(r).__name__ == "OzonRateLimitError" for r in results)


def test_accounts_without_api_url_take_ozon_api_url(tmp_path: Path) -> None:
    path = tmp_path / "accounts.yml"
    path.write_text(
        "shops:\n"
        "  - {id: a, name: A, client_id: '1', api_key: k}\n"
        "  - {id: b, name: B, client_id: '2', api_key: k, api_url: 'http://own'}\n",
        encoding="utf-8",
    )
    shops = load_accounts(path, default_api_url="http://127.0.0.1:8079")
    assert [shop.api_url for shop in shops] == ["http://127.0.0.1:8079", "http://own"]
