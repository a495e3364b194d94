"""One request budget per Client-Id shared by every worker: GCRA in one Redis Lua script.

Ozon counts 50 requests per second per Client-Id across all methods (../shared/ozon/README.md);
three workers with a bucket each would spend three budgets. Here every worker asks Redis.

GCRA (generic cell rate algorithm) keeps one number per Client-Id, the theoretical arrival time
`tat`: a request is allowed when `tat - tolerance <= now`, and moves `tat` on by one interval
(`1000 / rate` ms); `tolerance` is `(burst - 1)` intervals. The script reads Redis's own clock
(`TIME`), so workers on machines with skewed clocks still share one timeline.

Waiting: a request allowed within `LOOKAHEAD_MS` reserves its slot (one round trip, then a local
sleep, first come first served); one further off only learns how long to wait and asks again, so
a 429 pause is not undermined by a queue of reservations made before it.

Modes of the one script (ARGV[3]):
- `take`: reserve the next slot; returns the ms to sleep before sending (0: go now), or a
  negative number: not reserved, ask again after that many ms;
- `pause`: a 429: nothing is handed out for ARGV[4] ms, then the pace starts from empty;
- `remaining`: Ozon's `Ratelimit-Remaining` is ARGV[4]: at most that many go before the next
  interval, whatever our own count says (someone else uses the Client-Id too).
"""

from __future__ import annotations

import asyncio
import logging
import math

from bot.errors import StateError
from bot.ozon.client import burst_for
from bot.ozon.limiter import Limiter, LimiterFactory, TokenBucket
from bot.state.keys import Keys
from bot.state.redis import Redis, mapped

log = logging.getLogger(__name__)

LOOKAHEAD_MS = 100.0
"""Reservations reach this far ahead: at most `rate * 0.1` requests were promised before a 429
arrives and may still go during its pause."""

_SCRIPT = """
local key = KEYS[1]
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local mode = ARGV[3]
local value = tonumber(ARGV[4])
local lookahead = tonumber(ARGV[5])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local tat = tonumber(redis.call('HGET', key, 'tat') or '0')
local pause = tonumber(redis.call('HGET', key, 'pause') or '0')
if tat < now then tat = now end
local result = 0
if mode == 'take' then
  if now < pause then
    return tostring(-(pause - now))
  end
  local wait = tat - tolerance - now
  if wait > lookahead then
    return tostring(-wait)
  end
  if wait < 0 then wait = 0 end
  tat = tat + interval
  result = wait
elseif mode == 'pause' then
  pause = math.max(pause, now + value)
  tat = math.max(tat, pause + tolerance)
elseif mode == 'remaining' then
  tat = math.max(tat, now + tolerance - (value - 1) * interval)
end
redis.call('HSET', key, 'tat', tostring(tat), 'pause', tostring(pause))
redis.call('PEXPIRE', key, math.ceil(math.max(tat, pause) - now + tolerance + 1000))
return tostring(result)
"""


class RedisRateLimiter:
    """`bot.ozon.limiter.Limiter` for one Client-Id over Redis; see the module doc."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        client_id: str,
        *,
        rate: float,
        burst: float = 1.0,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self._redis = redis
        self._key = keys.ratelimit(client_id)
        self._interval_ms = 1000.0 / rate
        self._tolerance_ms = (burst - 1) * self._interval_ms
        self._script = redis.register_script(_SCRIPT)
        # Redis down: the process keeps a conservative pace of its own rather than stopping.
        self._fallback = TokenBucket(rate, burst=1)
        self._degraded = False

    async def acquire(self) -> None:
        while True:
            try:
                wait_ms = await self._run("take", 0.0)
            except StateError as exc:
                self._warn_degraded(exc)
                await self._fallback.acquire()
                return
            self._degraded = False
            if wait_ms >= 0:
                if wait_ms > 0:
                    await asyncio.sleep(wait_ms / 1000)
                return
            await asyncio.sleep(-wait_ms / 1000)

    async def penalize(self, seconds: float) -> None:
        self._fallback.pause(seconds)
        try:
            await self._run("pause", seconds * 1000)
        except StateError as exc:
            self._warn_degraded(exc)

    async def note_remaining(self, remaining: int) -> None:
        try:
            await self._run("remaining", float(max(remaining, 0)))
        except StateError as exc:
            self._warn_degraded(exc)

    @mapped
    async def _run(self, mode: str, value: float) -> float:
        args = (self._interval_ms, self._tolerance_ms, mode, value, LOOKAHEAD_MS)
        answer = await self._script(keys=[self._key], args=list(args))
        result = float(answer)
        if not math.isfinite(result):
            raise StateError(f"rate limit script answered {answer!r}")
        return result

    def _warn_degraded(self, exc: StateError) -> None:
        if not self._degraded:
            log.warning("shared rate limit unavailable, pacing this process alone: %s", exc)
            self._degraded = True


def redis_limiters(redis: Redis, keys: Keys, *, burst: float | None = None) -> LimiterFactory:
    """`OzonHttp(limiters=redis_limiters(redis, keys))`: every worker shares each Client-Id's
    budget. The burst is the local bucket's (`burst_for`): the budget is one for all workers,
    so a burst is too, and in the worst second `rate + burst` stays within Ozon's 50. A strict
    pace (burst 1) made every call of a quiet shop wait its slot: about 25 ms a call, 75 ms a
    reply."""

    def build(client_id: str, rate: float) -> Limiter:
        allowed = burst if burst is not None else burst_for(rate)
        return RedisRateLimiter(redis, keys, client_id, rate=rate, burst=allowed)

    return build
