"""The project's one failure-waiting policy: a doubling backoff, and waits that end early.

Every loop that retries after a failure (the worker on a Redis outage, a shop's poll, the
staff outbox, Telegram's updates, an Ozon read retried inside its call) waits by `Backoff`;
every "sleep unless stopped or woken" is `wait_any`, and "this, unless stopped" is `unless`.
Cancelling tasks and waiting until they end is `cancel_all` (their errors ignored) or, for one
task whose error matters, `cancel_and_wait`; neither swallows the caller's own cancellation (a
swallowed one turns a bounded stop into a hang).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass
class Backoff:
    first_s: float = 2.0
    cap_s: float = 60.0
    jitter: bool = False
    """Wait a random time in the upper half of the step: callers that start together (many
    chats' reads against one Ozon) do not retry together."""
    _next: float = 0.0

    def delay(self, hint: float | None = None) -> float:
        """The wait before the next try: doubling from `first_s` up to `cap_s`, never shorter
        than what the other side asked for (a 429's `retry_after`)."""
        current = self._next or self.first_s
        self._next = min(self.cap_s, current * 2)
        if self.jitter:
            current = current / 2 + random.uniform(0, current / 2)  # noqa: S311 - not a secret
        return max(current, hint or 0.0)

    def reset(self) -> None:
        self._next = 0.0


async def wait_any(*events: asyncio.Event, within_s: float | None = None) -> bool:
    """Wait until any of `events` is set, or `within_s` passes; True when an event was set."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        done, _ = await asyncio.wait(waiters, timeout=within_s, return_when=asyncio.FIRST_COMPLETED)
        return bool(done)
    finally:
        await cancel_all(*waiters)


async def unless(stop: asyncio.Event, work: Awaitable[T]) -> T | None:
    """`work`'s result, or None when `stop` is set first (then `work` is cancelled)."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await cancel_all(stopper, task)
    return task.result() if not task.cancelled() else None


async def cancel_all(*tasks: asyncio.Future[Any]) -> None:
    """Cancel every task (the finished ones are left as they are), then wait until all have
    ended, whatever they end with. A caller cancelled meanwhile stays cancelled: `gather`
    raises its cancellation, and one already in flight goes on once this returns."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def cancel_and_wait(task: asyncio.Future[Any]) -> None:
    """Cancel `task` and wait until it has finished. Its cancellation is the expected end; an
    error it ends with is raised. A caller that is itself cancelled meanwhile stays cancelled
    (`contextlib.suppress(CancelledError)` around the wait would swallow that)."""
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
