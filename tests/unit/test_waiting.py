"""The one waiting policy: doubling backoff (with optional jitter) and waits that end early."""

from __future__ import annotations

import asyncio

from bot.waiting import Backoff, unless, wait_any


def test_jitter_stays_in_the_upper_half_of_each_doubling_step() -> None:
    backoff = Backoff(first_s=0.5, cap_s=4.0, jitter=True)
    steps = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    delays = [backoff.delay() for _ in steps]
    assert all(step / 2 <= delay <= step for step, delay in zip(steps, delays, strict=True))
    assert len({round(d, 6) for d in delays}) > 1  # random, not a fixed schedule


def test_jitter_never_waits_less_than_the_other_side_asked() -> None:
    assert Backoff(first_s=0.5, jitter=True).delay(hint=10.0) == 10.0


async def test_wait_any_ends_on_the_first_event_or_the_timeout() -> None:
    first, second = asyncio.Event(), asyncio.Event()
    asyncio.get_running_loop().call_later(0.01, second.set)
    assert await wait_any(first, second, within_s=5)
    assert not await wait_any(first, within_s=0.01)


async def test_unless_cancels_the_work_when_stopped_first() -> None:
    stop, cancelled = asyncio.Event(), asyncio.Event()

    async def forever() -> str:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "done"

    asyncio.get_running_loop().call_later(0.01, stop.set)
    assert await unless(stop, forever()) is None
    assert cancelled.is_set()
    assert await unless(asyncio.Event(), asyncio.sleep(0, result="ok")) == "ok"
