"""Rate limiting per Client-Id: Ozon allows 50 requests per second per Client-Id across all
methods and restricts keys that keep hitting 429 (../shared/ozon/README.md), so every call of a
client waits on a `Limiter`, and a 429 pauses it for its (capped) `Retry-After`.

`TokenBucket` is the in-process limiter (one process, tests, the stand-alone action server).
Several workers share one Client-Id's budget through `bot.state.ratelimit.RedisRateLimiter`,
which has the same interface; `OzonHttp(limiters=...)` chooses.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

_EPSILON = 1e-6


class Limiter(Protocol):
    """What `OzonClient` needs from a rate limiter of one Client-Id."""

    async def acquire(self) -> None:
        """Wait until one more request may go."""

    async def penalize(self, seconds: float) -> None:
        """Ozon answered 429: hand out nothing for `seconds` (already capped)."""

    async def note_remaining(self, remaining: int) -> None:
        """Ozon's `Ratelimit-Remaining`: never hand out more than this before the next second."""


LimiterFactory = Callable[[str, float], Limiter]
"""(Client-Id, requests per second) → the limiter every client of that Client-Id shares."""


class TokenBucket:
    """`rate` tokens per second, at most `burst` saved up; waiters are served in arrival order."""

    def __init__(
        self,
        rate: float,
        *,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self._burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = burst
        self._stamp = clock()
        self._paused_until = 0.0
        self._lock: asyncio.Lock | None = None

    async def acquire(self) -> None:
        """Wait for a token (and for any pause to end), then take it."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            while (delay := self._delay()) > 0:
                await self._sleep(delay)
            self._tokens -= 1

    def pause(self, seconds: float) -> None:
        """Hand out nothing for `seconds` (a 429's Retry-After), then start from an empty bucket."""
        self._refill()
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        self._tokens = 0.0

    async def penalize(self, seconds: float) -> None:
        self.pause(seconds)

    async def note_remaining(self, remaining: int) -> None:
        """Someone else spends this Client-Id's budget too: keep at most `remaining` tokens."""
        self._refill()
        self._tokens = min(self._tokens, max(float(remaining), 0.0))

    @property
    def paused_for(self) -> float:
        return max(self._paused_until - self._clock(), 0.0)

    def _delay(self) -> float:
        now = self._clock()
        if now < self._paused_until:
            return self._paused_until - now
        self._refill()
        # The epsilon absorbs float rounding (0.1 s * 10/s is 0.99999...), which would otherwise
        # ask for sleeps too short to move the clock.
        return 0.0 if self._tokens >= 1 - _EPSILON else (1 - self._tokens) / self.rate

    def _refill(self) -> None:
        now = self._clock()
        # Tokens do not accumulate while paused: the pause ends with an empty bucket.
        start = max(self._stamp, self._paused_until)
        if now > start:
            self._tokens = min(self._burst, self._tokens + (now - start) * self.rate)
        self._stamp = max(now, self._stamp)
