"""Per-chat state: the inbox, cursors, the work queue, chat locks and the turn commit.

The work queue is a sorted set of `shop|chat` members scored by the time the chat is due
(a lease queue): a worker *claims* due chats by pushing their score forward by a lease, works
on them under a per-chat lock, and on commit either removes the member (inbox empty) or makes
it due again. A worker that dies simply lets its lease run out; the chat becomes due and
another worker claims it. One member per chat also means messages that arrive together are
handled together. This replaces the architecture's suggested Redis Streams group: same
guarantees, plus retry scheduling and per-chat coalescing in one structure.

Every multi-key change is a Lua script, so a crash leaves either the old state or the new one.

Long (~450 lines) because the Lua scripts and the Python that calls them belong together: each
script's keys and arguments are read next to its call.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from bot.errors import LostLockError
from bot.state.keys import (
    CHAT_LOCK_MS,
    CURSOR_S,
    QUARANTINE_S,
    READ_FAILURES_S,
    RECENT_TURNS,
    SEND_MARK_S,
    Keys,
)
from bot.state.models import BuyerMessage, PendingSend, TurnRecord
from bot.state.redis import Redis, mapped, text

_INGEST = """
local cur = redis.call('GET', KEYS[1]) or ''
if cur ~= ARGV[1] then return 0 end
for i = 6, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[5]))
redis.call('ZADD', KEYS[3], 'NX', tonumber(ARGV[4]), ARGV[3])
redis.call('HSETNX', KEYS[4], ARGV[3], ARGV[4])
return 1
"""

_MOVE_CURSOR = """
local cur = redis.call('GET', KEYS[1]) or ''
if cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
return 1
"""

_REPLACE_AT = """
if redis.call('LINDEX', KEYS[1], tonumber(ARGV[1])) ~= ARGV[2] then return 0 end
redis.call('LSET', KEYS[1], tonumber(ARGV[1]), ARGV[3])
return 1
"""

_DROP_CHAT = """
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return 1
"""

_CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(due) do
  redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[1]) + tonumber(ARGV[3]), member)
end
return due
"""

_COMMIT = """
if redis.call('GET', KEYS[7]) ~= ARGV[7] then return -1 end
local handled = {}
for _, id in ipairs(cjson.decode(ARGV[1])) do handled[id] = true end
local trimmed = 0
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head or not handled[cjson.decode(head)['message_id']] then break end
  redis.call('LPOP', KEYS[1])
  trimmed = trimmed + 1
end
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[3], ARGV[2], 'EX', tonumber(ARGV[3]))
redis.call('ZADD', KEYS[4], tonumber(ARGV[4]), KEYS[3])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', tonumber(ARGV[4]) - tonumber(ARGV[3]))
redis.call('LPUSH', KEYS[8], ARGV[8])
redis.call('LTRIM', KEYS[8], 0, tonumber(ARGV[9]) - 1)
redis.call('EXPIRE', KEYS[8], tonumber(ARGV[3]))
if redis.call('LLEN', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[5], ARGV[5])
  redis.call('HDEL', KEYS[6], ARGV[5])
else
  redis.call('ZADD', KEYS[5], tonumber(ARGV[6]), ARGV[5])
end
return trimmed
"""

_MARK_SENDING = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
return 1
"""

_FENCED_DEL = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
return redis.call('DEL', KEYS[2])
"""

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def now_ms() -> int:
    return int(time.time() * 1000)


def member(shop: str, chat_id: str) -> str:
    return f"{shop}|{chat_id}"


def split_member(value: str) -> tuple[str, str]:
    shop, _, chat_id = value.partition("|")
    return shop, chat_id


@dataclass(frozen=True, slots=True)
class ChatLock:
    shop: str
    chat_id: str
    token: str


class ChatStore:
    """Inbox, cursors, queue, locks and the commit of a handled turn."""

    def __init__(self, redis: Redis, keys: Keys, *, record_ttl_s: int) -> None:
        self._r = redis
        self._k = keys
        self._record_ttl_s = record_ttl_s
        self._ingest = redis.register_script(_INGEST)
        self._move_cursor = redis.register_script(_MOVE_CURSOR)
        self._claim = redis.register_script(_CLAIM)
        self._commit = redis.register_script(_COMMIT)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)
        self._mark_sending = redis.register_script(_MARK_SENDING)
        self._replace_at = redis.register_script(_REPLACE_AT)
        self._drop_chat = redis.register_script(_DROP_CHAT)
        self._fenced_del = redis.register_script(_FENCED_DEL)

    @property
    def queue_key(self) -> str:
        return self._k.queue

    @property
    def since_key(self) -> str:
        return self._k.queue_since

    # --- ingest -------------------------------------------------------------------------

    @mapped
    async def cursor(self, shop: str, chat_id: str) -> str | None:
        return text(await self._r.get(self._k.cursor(shop, chat_id)))

    @mapped
    async def cursor_and_quarantine(self, shop: str, chat_id: str) -> tuple[str | None, bool]:
        """The chat's cursor, and whether it is quarantined: what a poll reads per chat."""
        cursor, quarantine = await self._r.mget(
            [self._k.cursor(shop, chat_id), self._k.quarantine(shop, chat_id)]
        )
        return text(cursor), quarantine is not None

    @mapped
    async def append(
        self,
        shop: str,
        chat_id: str,
        expected_cursor: str | None,
        new_cursor: str,
        messages: list[BuyerMessage],
    ) -> bool:
        """Add new buyer messages and advance the cursor, unless another poller moved it first."""
        if not messages:
            return await self.advance_cursor(shop, chat_id, expected_cursor, new_cursor)
        key = member(shop, chat_id)
        args: list[str | int] = [
            expected_cursor or "",
            new_cursor,
            key,
            str(now_ms()),
            CURSOR_S,
            *(m.model_dump_json() for m in messages),
        ]
        keys = [self._k.cursor(shop, chat_id), self._k.inbox(shop, chat_id)]
        done = await self._ingest(keys=[*keys, self.queue_key, self.since_key], args=args)
        return bool(done)

    @mapped
    async def advance_cursor(self, shop: str, chat_id: str, expected: str | None, new: str) -> bool:
        """Move the cursor past messages that need no work (the seller's own, support's...)."""
        key = self._k.cursor(shop, chat_id)
        return bool(await self._move_cursor(keys=[key], args=[expected or "", new, CURSOR_S]))

    @mapped
    async def try_lock(self, key: str, ttl_ms: int) -> str | None:
        """A plain expiring lock (the per-shop poll lock); returns the token to release it."""
        token = secrets.token_hex(8)
        return token if await self._r.set(key, token, nx=True, px=ttl_ms) else None

    @mapped
    async def release(self, key: str, token: str) -> None:
        await self._release(keys=[key], args=[token])

    @mapped
    async def poll_progress(self, shop: str) -> None:
        """The shop was polled successfully now (for /healthz, shared by all workers)."""
        await self._r.hset(self._k.poll_state(shop), "ok_ms", str(now_ms()))

    @mapped
    async def last_poll_ms(self, shop: str) -> int | None:
        raw = text(await self._r.hget(self._k.poll_state(shop), "ok_ms"))
        return int(raw) if raw else None

    # --- queue --------------------------------------------------------------------------

    @mapped
    async def claim(self, limit: int, lease_ms: int) -> list[tuple[str, str]]:
        due = await self._claim(keys=[self.queue_key], args=[now_ms(), limit, lease_ms])
        return [split_member(str(m)) for m in due]

    @mapped
    async def reschedule(self, shop: str, chat_id: str, delay_ms: int) -> None:
        await self._r.zadd(self.queue_key, {member(shop, chat_id): now_ms() + delay_ms}, xx=True)

    @mapped
    async def enqueue(self, shop: str, chat_id: str, delay_ms: int = 0) -> None:
        """Make a chat due (used after a takeover ends, or by tests)."""
        key = member(shop, chat_id)
        await self._r.zadd(self.queue_key, {key: now_ms() + delay_ms})
        await self._r.hsetnx(self.since_key, key, str(now_ms()))

    @mapped
    async def due_count(self) -> int:
        """Chats whose work is due now (not leased, not waiting for a retry)."""
        return int(await self._r.zcount(self.queue_key, "-inf", now_ms()))

    @mapped
    async def queue_depth(self) -> int:
        return int(await self._r.zcard(self.queue_key))

    @mapped
    async def oldest_waiting_ms(self) -> int | None:
        values = await self._r.hvals(self.since_key)
        return min((int(v) for v in values), default=None)

    @mapped
    async def count_failure(self, shop: str, chat_id: str) -> int:
        """One more unexpected failure of this chat (remembered for an hour)."""
        key = self._k.failures(shop, chat_id)
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 3600)
            count, _ = await pipe.execute()
        return int(count)

    @mapped
    async def clear_failures(self, shop: str, chat_id: str) -> None:
        await self._r.delete(self._k.failures(shop, chat_id))

    @mapped
    async def count_read_failure(self, shop: str, chat_id: str) -> int:
        """One more poll that could not read this chat from Ozon (remembered for an hour)."""
        key = self._k.read_failures(shop, chat_id)
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, READ_FAILURES_S)
            count, _ = await pipe.execute()
        return int(count)

    @mapped
    async def clear_read_failures(self, shop: str, chat_id: str) -> None:
        await self._r.delete(self._k.read_failures(shop, chat_id))

    @mapped
    async def quarantine(self, shop: str, chat_id: str, cause: str) -> bool:
        """Stop reading a chat that keeps failing; True the first time (so people hear once)."""
        key = self._k.quarantine(shop, chat_id)
        return bool(await self._r.set(key, cause, nx=True, ex=QUARANTINE_S))

    # --- locks --------------------------------------------------------------------------

    @mapped
    async def lock(self, shop: str, chat_id: str, ttl_ms: int = CHAT_LOCK_MS) -> ChatLock | None:
        token = secrets.token_hex(8)
        got = await self._r.set(self._k.chat_lock(shop, chat_id), token, nx=True, px=ttl_ms)
        return ChatLock(shop, chat_id, token) if got else None

    @mapped
    async def renew(self, lock: ChatLock, ttl_ms: int = CHAT_LOCK_MS) -> bool:
        key = self._k.chat_lock(lock.shop, lock.chat_id)
        renewed = bool(await self._renew(keys=[key], args=[lock.token, ttl_ms]))
        if renewed:
            await self._r.zadd(
                self.queue_key, {member(lock.shop, lock.chat_id): now_ms() + ttl_ms}, xx=True
            )
        return renewed

    @mapped
    async def unlock(self, lock: ChatLock) -> None:
        key = self._k.chat_lock(lock.shop, lock.chat_id)
        await self._release(keys=[key], args=[lock.token])

    # --- processing -----------------------------------------------------------------------

    @mapped
    async def inbox(self, shop: str, chat_id: str) -> list[BuyerMessage]:
        raw = await self._r.lrange(self._k.inbox(shop, chat_id), 0, -1)
        return [BuyerMessage.model_validate_json(item) for item in raw]

    @mapped
    async def replace_texts(self, shop: str, chat_id: str, texts: dict[str, str]) -> int:
        """New texts for messages still waiting in the inbox (the buyer edited them); an entry
        a worker took meanwhile is left alone. Returns how many were replaced."""
        key = self._k.inbox(shop, chat_id)
        replaced = 0
        for index, raw in enumerate(await self._r.lrange(key, 0, -1)):
            message = BuyerMessage.model_validate_json(raw)
            new = texts.get(message.message_id)
            if new is None or new == message.text:
                continue
            edited = message.model_copy(update={"text": new}).model_dump_json()
            replaced += int(await self._replace_at(keys=[key], args=[index, raw, edited]))
        return replaced

    @mapped
    async def drop(self, shop: str, chat_id: str) -> None:
        """Ozon closed the chat: its waiting messages can no longer be answered."""
        keys = [
            self._k.inbox(shop, chat_id),
            self._k.pending_send(shop, chat_id),
            self.queue_key,
            self.since_key,
        ]
        await self._drop_chat(keys=keys, args=[member(shop, chat_id)])

    @mapped
    async def pending_send(self, shop: str, chat_id: str) -> PendingSend | None:
        raw = await self._r.get(self._k.pending_send(shop, chat_id))
        return PendingSend.model_validate_json(raw) if raw else None

    @mapped
    async def mark_sending(self, lock: ChatLock, pending: PendingSend) -> None:
        """Record the send we are about to make, if we still own the chat (and renew the lock).

        The fencing step before every send: a worker that lost its lock learns it here, before
        anything reaches Ozon, and raises `LostLockError`."""
        keys = [
            self._k.chat_lock(lock.shop, lock.chat_id),
            self._k.pending_send(lock.shop, lock.chat_id),
        ]
        args: list[str | int] = [lock.token, pending.model_dump_json(), SEND_MARK_S, CHAT_LOCK_MS]
        if not await self._mark_sending(keys=keys, args=args):
            raise LostLockError(f"{lock.shop}/{lock.chat_id}: chat lock lost before sending")

    @mapped
    async def clear_sending(self, lock: ChatLock) -> None:
        """Forget the send in flight (it was refused, or it belongs to turns already handled)."""
        keys = [
            self._k.chat_lock(lock.shop, lock.chat_id),
            self._k.pending_send(lock.shop, lock.chat_id),
        ]
        if await self._fenced_del(keys=keys, args=[lock.token]) == -1:
            raise LostLockError(f"{lock.shop}/{lock.chat_id}: chat lock lost")

    @mapped
    async def commit(self, lock: ChatLock, record: TurnRecord) -> int:
        """Record the turn and drop its messages from the inbox, atomically, if we still own it.

        Only the inbox entries at the head whose ids the record names are dropped: a message
        that arrived meanwhile, or a record left over from a turn someone else handled, never
        takes a message it did not handle with it. Returns how many entries were dropped.
        Raises `LostLockError` when the lock expired meanwhile (another worker owns the chat).
        """
        shop, chat_id = lock.shop, lock.chat_id
        record_key = self._k.record(shop, chat_id, record.last_message_id)
        keys = [
            self._k.inbox(shop, chat_id),
            self._k.pending_send(shop, chat_id),
            record_key,
            self._k.records(shop),
            self.queue_key,
            self.since_key,
            self._k.chat_lock(shop, chat_id),
            self._k.recent(shop, chat_id),
        ]
        recent = json.dumps({"at": record.handled_at.isoformat(), "key": record_key})
        args: list[str | int] = [
            json.dumps(list(record.message_ids)),
            record.model_dump_json(),
            self._record_ttl_s,
            int(record.handled_at.timestamp()),
            member(shop, chat_id),
            now_ms(),
            lock.token,
            recent,
            RECENT_TURNS,
        ]
        trimmed = int(await self._commit(keys=keys, args=args))
        if trimmed == -1:
            raise LostLockError(f"{shop}/{chat_id}: chat lock lost before commit")
        return trimmed

    # --- records --------------------------------------------------------------------------

    @mapped
    async def record(self, key: str) -> TurnRecord | None:
        raw = await self._r.get(key)
        return TurnRecord.model_validate_json(raw) if raw else None

    @mapped
    async def record_keys(self, shop: str, since: datetime, until: datetime) -> list[str]:
        keys = await self._r.zrangebyscore(
            self._k.records(shop), int(since.timestamp()), int(until.timestamp())
        )
        return [str(k) for k in keys]

    @mapped
    async def records_between(
        self, shop: str, since: datetime, until: datetime
    ) -> list[TurnRecord]:
        keys = await self.record_keys(shop, since, until)
        if not keys:
            return []
        raw = await self._r.mget(keys)
        return [TurnRecord.model_validate_json(item) for item in raw if item]

    @mapped
    async def recent_records(self, shop: str, chat_id: str) -> list[TurnRecord]:
        """The chat's last turns, newest first (expired records are skipped)."""
        raw = await self._r.lrange(self._k.recent(shop, chat_id), 0, -1)
        keys = [json.loads(item)["key"] for item in raw]
        if not keys:
            return []
        values = await self._r.mget(keys)
        return [TurnRecord.model_validate_json(v) for v in values if v]
