"""Fixtures of the drills: one world per drill (emulator, fake Telegram, Rasa stand-in, Redis)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.drills.harness import Drill, PrivateRedis, drill_world


def drill_name(request: pytest.FixtureRequest) -> str:
    """The test's name, short (Redis prefixes, log folders), with its parameters."""
    name: str = request.node.name
    base, _, params = name.removeprefix("test_").partition("[")
    return base[:24] + (f"-{params.rstrip(']')}" if params else "")


@pytest.fixture
async def drill(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Drill]:
    async with drill_world(drill_name(request), tmp_path) as world:
        yield world


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    """A redis-server of the drill's own, AOF every second (pausing or killing the shared one
    would stall everybody else's tests)."""
    workdir = tmp_path / "redis"
    workdir.mkdir()
    server = await PrivateRedis.start(workdir, "--appendonly", "yes", "--appendfsync", "everysec")
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def drill_own_redis(
    request: pytest.FixtureRequest, tmp_path: Path, own_redis: PrivateRedis
) -> AsyncIterator[Drill]:
    async with drill_world(drill_name(request), tmp_path, redis_url=own_redis.url) as world:
        yield world
