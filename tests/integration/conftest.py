from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.dialogue.instant import InstantDialogue
from bot.sandbox.app import RunningSandbox, serve
from bot.sandbox.state import SandboxState
from bot.state.redis import Redis
from tests.integration.public_support import Guards, Rig, load_guards, rig
from tests.integration.worker_harness import Clock, Harness, build


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def sandbox(clock: Clock) -> AsyncIterator[RunningSandbox]:
    async with serve(SandboxState(hold_s=5.0), clock=clock) as running:
        yield running


@pytest.fixture
def dialogue() -> InstantDialogue:
    return InstantDialogue()


@pytest.fixture
async def harness(
    sandbox: RunningSandbox,
    redis_prefix: str,
    redis: object,
    dialogue: InstantDialogue,
    clock: Clock,
) -> AsyncIterator[Harness]:
    h = build(sandbox, redis_prefix, dialogue, clock=clock)
    await h.app.outbox.ensure_group()
    yield h
    await h.app.aclose()


# --- product questions and reviews (tests/integration/public_support.py) ---------------------


@pytest.fixture(scope="session")
def guards() -> Guards:
    """Both guards, loaded once: every question and review test checks texts with them."""
    return load_guards()


@pytest.fixture
async def r(redis: Redis, redis_prefix: str, guards: Guards) -> AsyncIterator[Rig]:
    """The question and review streams of one shop against the emulator and real Redis."""
    async with rig(redis, redis_prefix, guards) as running:
        yield running
