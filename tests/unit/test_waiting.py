"""The one waiting policy: doubling backoff (with optional jitter) and waits that end early."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.waiting import Backoff, cancel_all, cancel_and_wait, unless, wait_any


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


async def _forever(cancelled: asyncio.Event) -> str:
    """Work that only ends by cancellation, and says so on `cancelled`."""
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        cancelled.set()
        raise
    return "done"


async def test_unless_cancels_the_work_when_stopped_first() -> None:
    stop, cancelled = asyncio.Event(), asyncio.Event()
    asyncio.get_running_loop().call_later(0.01, stop.set)
    assert await unless(stop, _forever(cancelled)) is None
    assert cancelled.is_set()
    assert await unless(asyncio.Event(), asyncio.sleep(0, result="ok")) == "ok"


@pytest.mark.parametrize("cancel", [cancel_and_wait, cancel_all])
async def test_cancelling_a_task_keeps_the_callers_own_cancellation(
    cancel: Callable[[asyncio.Task[None]], Awaitable[None]],
) -> None:
    """A stop that cancels the caller while it waits for a slow-to-finish task must still stop
    the caller (`suppress(CancelledError)` around the wait swallowed it: a stop that hangs)."""
    finishing = asyncio.Event()

    async def slow_to_finish() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            await finishing.wait()  # cleans up for a while after being cancelled
            raise

    async def caller() -> str:
        task = asyncio.create_task(slow_to_finish())
        await asyncio.sleep(0)
        await cancel(task)
        return "went on as if not cancelled"

    outer = asyncio.create_task(caller())
    await asyncio.sleep(0.01)
    outer.cancel()
    await asyncio.sleep(0.01)
    finishing.set()
    with pytest.raises(asyncio.CancelledError):
        await outer


async def test_cancel_and_wait_ends_quietly_on_the_tasks_cancellation_and_raises_its_error() -> (
    None
):
    await cancel_and_wait(asyncio.create_task(asyncio.sleep(60)))

    async def fails_when_cancelled() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            raise RuntimeError("cleanup failed") from None

    task = asyncio.create_task(fails_when_cancelled())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="cleanup failed"):
        await cancel_and_wait(task)


async def test_unless_cancelled_from_outside_cancels_its_work_too() -> None:
    cancelled = asyncio.Event()
    outer = asyncio.create_task(unless(asyncio.Event(), _forever(cancelled)))
    await asyncio.sleep(0.01)
    outer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await outer
    assert cancelled.is_set()


async def test_cancel_all_ends_every_task_and_leaves_finished_ones_alone() -> None:
    first, second = asyncio.Event(), asyncio.Event()
    running = [asyncio.create_task(_forever(first)), asyncio.create_task(_forever(second))]
    done = asyncio.create_task(asyncio.sleep(0, result="kept"))
    await done  # finished (and the others started) before cancel_all is called
    await cancel_all(*running, done)
    assert first.is_set()
    assert second.is_set()
    assert done.result() == "kept"
