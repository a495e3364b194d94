"""Control steps that must happen even if the service is down when staff ask for them.

Pausing and resuming a conversation in Rasa is the only such step today. The queue keeps, per
conversation, the state staff want (`pause` or `resume`) and when to try it next; a later wish
replaces an earlier one, so a pause that failed cannot be replayed after a resume that worked.
A step leaves the queue only when it was applied and nobody asked for something else meanwhile.
"""

from __future__ import annotations

from enum import StrEnum

from bot.state.chats import now_ms
from bot.state.keys import Keys
from bot.state.redis import Redis, mapped, text

_DONE = """
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
"""


class ControlOp(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"


class ControlQueue:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._r = redis
        self._k = keys
        self._done = redis.register_script(_DONE)

    @mapped
    async def want(self, sender: str, op: ControlOp, delay_ms: int = 0) -> None:
        """Record what staff want for `sender`'s conversation (replacing an older wish)."""
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.hset(self._k.control_want, sender, op.value)
            pipe.zadd(self._k.control, {sender: now_ms() + delay_ms})
            await pipe.execute()

    @mapped
    async def due(self, limit: int = 50) -> list[tuple[str, ControlOp]]:
        raw = await self._r.zrangebyscore(self._k.control, "-inf", now_ms(), start=0, num=limit)
        senders = [str(sender) for sender in raw]
        if not senders:
            return []
        ops = await self._r.hmget(self._k.control_want, senders)
        return [
            (sender, ControlOp(str(text(op))))
            for sender, op in zip(senders, ops, strict=True)
            if op is not None
        ]

    @mapped
    async def done(self, sender: str, op: ControlOp) -> bool:
        """The step was applied: forget it, unless staff asked for something else meanwhile."""
        keys = [self._k.control, self._k.control_want]
        return bool(await self._done(keys=keys, args=[sender, op.value]))

    @mapped
    async def retry(self, sender: str, delay_ms: int) -> None:
        await self._r.zadd(self._k.control, {sender: now_ms() + delay_ms}, xx=True)

    @mapped
    async def depth(self) -> int:
        return int(await self._r.zcard(self._k.control))
