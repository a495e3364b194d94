from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.dialogue.instant import InstantDialogue
from bot.sandbox.app import RunningSandbox, serve
from bot.sandbox.state import SandboxState
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
