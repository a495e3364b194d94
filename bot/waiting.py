"""The project's one failure-waiting policy: a doubling backoff, and waits that end early.

Every loop that retries after a failure (the worker on a Redis outage, a shop's poll, the
staff outbox, Telegram's updates) waits by `Backoff`; every "sleep unless stopped or woken"
is `wait_any`. Retries inside one Ozon call (idempotent reads only) are the client's own,
with jitter, because they run inside a request's time budget.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass
class Backoff:
    first_s: float = 2.0
    cap_s: float = 60.0
    _next: float = 0.0

    def delay(self, hint: float | None = None) -> float:
        """The wait before the next try: doubling from `first_s` up to `cap_s`, never shorter
        than what the other side asked for (a 429's `retry_after`)."""
        current = self._next or self.first_s
        self._next = min(self.cap_s, current * 2)
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
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
