"""Fixtures shared by every tier: a Redis key prefix per test, cleaned up afterwards."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest

from bot.state.redis import Redis, connect

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_prefix() -> str:
    return f"test-{secrets.token_hex(4)}"


@pytest.fixture
async def redis(redis_prefix: str) -> AsyncIterator[Redis]:
    client = connect(REDIS_URL)
    yield client
    keys = [key async for key in client.scan_iter(match=f"{redis_prefix}:*", count=1000)]
    if keys:
        await client.delete(*keys)
    await client.aclose()
