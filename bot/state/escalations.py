"""Escalations, per-chat control state, shop switches, daily counters and the staff outbox.

Long (~540 lines) because these stores share the key layout and the Redis idioms (`mapped`,
`watch_update`); each store is a short class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, NoReturn

from pydantic import BaseModel, ConfigDict
from redis.asyncio.client import Pipeline
from redis.exceptions import ResponseError

from bot.errors import StateLostError
from bot.guard.types import CheckResult
from bot.models import Mode
from bot.state.keys import (
    CHAT_ESCALATION_S,
    OUTAGE_MEMORY_S,
    OUTBOX_DONE_S,
    OUTBOX_GROUP,
    OUTBOX_HELD_S,
    RECOVERY_S,
    STATE_S,
    STATS_S,
    STREAM_MAXLEN,
    WRITES_PROBE_S,
    Keys,
)
from bot.state.models import (
    BlockedText,
    Escalation,
    MessageContext,
    Notification,
    ViolationRecord,
)
from bot.state.redis import Redis, mapped, text, watch_update


class ChatControl(BaseModel):
    """What people decided about a chat, and what the worker remembers between turns."""

    model_config = ConfigDict(frozen=True)

    context: MessageContext | None = None
    lang: str | None = None
    paused_until: datetime | None = None
    taken_by: str | None = None
    complaint: bool = False

    def paused(self, now: datetime) -> bool:
        return self.paused_until is not None and now < self.paused_until


class ModeOverride(BaseModel):
    model_config = ConfigDict(frozen=True)

    mode: Mode
    until: datetime | None = None
    by: str | None = None

    def active(self, now: datetime) -> bool:
        return self.until is None or now < self.until


class KnownChat(NamedTuple):
    control: ChatControl
    known: bool
    """Redis had state for the chat (False for a new chat, or after data loss)."""
    recovering: bool
    """Redis lost its data lately (`start_recovery`, see `bot.worker.health`): a chat it does
    not know may have been with people."""


class ShopSwitches(NamedTuple):
    paused: bool
    """The kill switch (/pause)."""
    override: ModeOverride | None
    writes_refused: bool
    """Ozon refused a chat write for lack of a subscription lately: replies become drafts."""
    writes_lacking: bool
    """Ozon has refused writes since the last one that worked: when `writes_refused` has
    expired, the next reply is a probe, and its success is told to staff."""


class ControlStore:
    """Chat takeover/complaint state and shop-wide switches (kill switch, mode, Premium)."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._r = redis
        self._k = keys

    @mapped
    async def chat(self, shop: str, chat_id: str) -> ChatControl:
        return (await self.chat_and_known(shop, chat_id)).control

    @mapped
    async def chat_and_known(self, shop: str, chat_id: str) -> KnownChat:
        """The chat's state (renewing its TTL), whether Redis had any for it, and whether
        Redis lost its data lately: one round trip, read at the start of every turn."""
        key = self._k.chat_state(shop, chat_id)
        async with self._r.pipeline(transaction=False) as pipe:
            pipe.get(key)
            pipe.expire(key, STATE_S)
            pipe.exists(self._k.recovering)
            raw, _, recovering = await pipe.execute()
        raw = text(raw)
        control = ChatControl.model_validate_json(raw) if raw else ChatControl()
        return KnownChat(control, raw is not None, bool(recovering))

    @mapped
    async def update_chat(
        self, shop: str, chat_id: str, change: Callable[[ChatControl], ChatControl]
    ) -> ChatControl:
        """Apply `change` atomically against concurrent writers (optimistic WATCH loop)."""

        def apply(raw: str | None, pipe: Pipeline) -> ChatControl:
            new = change(ChatControl.model_validate_json(raw) if raw else ChatControl())
            pipe.set(key, new.model_dump_json(), ex=STATE_S)
            return new

        key = self._k.chat_state(shop, chat_id)
        return await watch_update(self._r, key, apply)

    @mapped
    async def shop_paused(self, shop: str) -> bool:
        return bool(await self._r.exists(self._k.shop_paused(shop)))

    @mapped
    async def set_shop_paused(self, shop: str, paused: bool, by: str = "") -> None:
        if paused:
            await self._r.set(self._k.shop_paused(shop), by or "1")
        else:
            await self._r.delete(self._k.shop_paused(shop))

    @mapped
    async def shop_switches(self, shop: str) -> ShopSwitches:
        """The kill switch, the mode override and the state of Ozon's write refusals, in one
        round trip (read on every turn)."""
        keys = [
            self._k.shop_paused(shop),
            self._k.shop_mode(shop),
            self._k.premium_missing(shop),
            self._k.premium_lacking_since(shop),
        ]
        paused, mode, refused, lacking = await self._r.mget(keys)
        override = ModeOverride.model_validate_json(str(mode)) if mode else None
        return ShopSwitches(paused is not None, override, refused is not None, lacking is not None)

    @mapped
    async def mode_override(self, shop: str) -> ModeOverride | None:
        raw = text(await self._r.get(self._k.shop_mode(shop)))
        return ModeOverride.model_validate_json(raw) if raw else None

    @mapped
    async def set_mode_override(self, shop: str, override: ModeOverride | None) -> None:
        if override is None:
            await self._r.delete(self._k.shop_mode(shop))
        else:
            await self._r.set(self._k.shop_mode(shop), override.model_dump_json())

    @mapped
    async def premium_missing(self, shop: str) -> bool:
        return bool(await self._r.exists(self._k.premium_missing(shop)))

    @mapped
    async def set_writes_refused(self, shop: str) -> bool:
        """Ozon refused a chat write for lack of a subscription: the shop works in draft mode
        until `WRITES_PROBE_S` has passed, when the next reply is tried for real (the probe).
        True when the shop was not already known to lack it (staff are told once)."""
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.set(self._k.premium_missing(shop), "1", ex=WRITES_PROBE_S)
            pipe.set(self._k.premium_lacking_since(shop), datetime.now(UTC).isoformat(), nx=True)
            _, first = await pipe.execute()
        return bool(first)

    @mapped
    async def writes_work(self, shop: str) -> bool:
        """A probe write went through (see `ShopSwitches.writes_lacking`): True when this call
        ended the refusal (staff are told it recovered, once)."""
        return bool(await self._r.delete(self._k.premium_lacking_since(shop)))

    @mapped
    async def sentinel_missing(self, worker_id: str) -> bool:
        """Write the data-loss sentinel if it is missing; True when it was (a fresh Redis at
        start, or data lost later)."""
        return bool(await self._r.set(self._k.sentinel, worker_id, nx=True))

    @mapped
    async def start_recovery(self) -> None:
        await self._r.set(self._k.recovering, "1", ex=RECOVERY_S)

    @mapped
    async def first_outage(self, kind: str, shop: str, now: datetime) -> datetime:
        """When this outage started, shared by all workers.

        Every failure keeps the record alive for `OUTAGE_MEMORY_S`; a service that stops
        failing is forgotten that long after its last failure, with no write on success."""
        key = self._k.outage(kind, shop)
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.set(key, now.isoformat(), nx=True)
            pipe.expire(key, OUTAGE_MEMORY_S)
            pipe.get(key)
            _, _, raw = await pipe.execute()
        return datetime.fromisoformat(str(raw)) if raw else now

    @mapped
    async def once(self, key: str, ttl_s: int) -> bool:
        """True the first time `key` is claimed within `ttl_s` (holding replies, digests)."""
        return bool(await self._r.set(key, "1", nx=True, ex=ttl_s))

    @mapped
    async def keep_blocked(
        self, shop: str, origin: str, result: CheckResult, now: datetime, retention_s: int
    ) -> None:
        """Keep a refused outgoing text for review; entries older than the retention go."""
        entry = BlockedText(
            at=now,
            origin=origin,
            text=result.text,
            violations=tuple(ViolationRecord.from_violation(v) for v in result.violations),
        )
        key = self._k.blocked(shop)
        score = now.timestamp()
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {entry.model_dump_json(): score})
            pipe.zremrangebyscore(key, "-inf", score - retention_s)
            pipe.expire(key, retention_s)
            await pipe.execute()

    @mapped
    async def blocked_between(
        self, shop: str, since: datetime, until: datetime
    ) -> list[BlockedText]:
        raw = await self._r.zrangebyscore(
            self._k.blocked(shop), since.timestamp(), until.timestamp()
        )
        return [BlockedText.model_validate_json(str(item)) for item in raw]

    @mapped
    async def count(self, shop: str, day: str, *fields: str) -> None:
        if not fields:
            return
        key = self._k.stats(shop, day)
        async with self._r.pipeline(transaction=False) as pipe:
            for field in fields:
                pipe.hincrby(key, field, 1)
            pipe.expire(key, STATS_S)
            await pipe.execute()

    @mapped
    async def counters(self, shop: str, day: str) -> dict[str, int]:
        raw = await self._r.hgetall(self._k.stats(shop, day))
        return {str(k): int(v) for k, v in raw.items()}


class EscalationStore:
    """Escalation records: one open escalation per chat, listed oldest first."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._r = redis
        self._k = keys

    @mapped
    async def get(self, escalation_id: str) -> Escalation | None:
        raw = text(await self._r.get(self._k.escalation(escalation_id)))
        return Escalation.model_validate_json(raw) if raw else None

    @mapped
    async def open_for_chat(self, shop: str, chat_id: str) -> Escalation | None:
        escalation_id = text(await self._r.get(self._k.chat_escalation(shop, chat_id)))
        if escalation_id is None:
            return None
        escalation = await self.get(escalation_id)
        return escalation if escalation is not None and escalation.is_open else None

    @mapped
    async def save(self, escalation: Escalation) -> None:
        async with self._r.pipeline(transaction=True) as pipe:
            self._stage_save(pipe, escalation)
            await pipe.execute()

    def _stage_save(self, pipe: Pipeline, escalation: Escalation) -> None:
        chat_key = self._k.chat_escalation(escalation.shop, escalation.chat_id)
        pipe.set(self._k.escalation(escalation.id), escalation.model_dump_json())
        created = escalation.created_at.timestamp()
        pipe.zadd(self._k.all_escalations(escalation.shop), {escalation.id: created})
        if escalation.is_open:
            score = escalation.created_at.timestamp()
            pipe.zadd(self._k.open_escalations, {escalation.id: score})
            pipe.set(chat_key, escalation.id, ex=CHAT_ESCALATION_S)
        else:
            pipe.zrem(self._k.open_escalations, escalation.id)
            pipe.expire(self._k.escalation(escalation.id), 90 * 24 * 3600)

    @mapped
    async def mutate(
        self, escalation_id: str, change: Callable[[Escalation], Escalation]
    ) -> Escalation | None:
        """Apply `change` atomically (optimistic WATCH loop); None when the id is unknown."""

        def apply(raw: str | None, pipe: Pipeline) -> Escalation | None:
            if raw is None:
                return None
            new = change(Escalation.model_validate_json(raw))
            new = new.model_copy(update={"updated_at": datetime.now(UTC)})
            self._stage_save(pipe, new)
            return new

        return await watch_update(self._r, self._k.escalation(escalation_id), apply)

    @mapped
    async def between(self, shop: str, since: datetime, until: datetime) -> list[Escalation]:
        """Every escalation of a shop created in the period (review export, digests)."""
        key = self._k.all_escalations(shop)
        await self._r.zremrangebyscore(key, "-inf", since.timestamp() - 90 * 24 * 3600)
        ids = await self._r.zrangebyscore(key, since.timestamp(), until.timestamp())
        if not ids:
            return []
        raw = await self._r.mget([self._k.escalation(str(i)) for i in ids])
        return [Escalation.model_validate_json(r) for r in raw if r]

    @mapped
    async def open_ids(self) -> list[str]:
        return [str(i) for i in await self._r.zrange(self._k.open_escalations, 0, -1)]

    @mapped
    async def list_open(self) -> list[Escalation]:
        ids = await self.open_ids()
        if not ids:
            return []
        raw = await self._r.mget([self._k.escalation(i) for i in ids])
        found = [Escalation.model_validate_json(r) for r in raw if r]
        return [e for e in found if e.is_open]


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    """What the outbox stream holds for staff right now (for `/healthz` and the metrics)."""

    group: bool
    """The consumer group exists; without it nothing is delivered."""
    pending: int
    """Read by the console but not acknowledged (a try failed, or it is being delivered)."""
    unread: int | None
    """Not yet read by the console (None: Redis cannot tell after a trim)."""
    oldest_age_s: float | None
    """Age of the oldest entry pending or unread; None when there is none."""


@dataclass(frozen=True, slots=True)
class Held:
    """Notifications set aside for one staff chat that cannot take them now."""

    count: int
    oldest: datetime | None


class Outbox:
    """Staff notifications waiting for delivery (a Redis stream with one consumer group).

    Delivery is at-least-once from the stream; `done` markers keyed by the notification id make
    the visible effect once: a notification already delivered is acknowledged, not re-sent.
    A staff chat that cannot take notifications now gets its own list (`hold`): the stream is
    acknowledged in the same transaction, so that chat never blocks the others and loses nothing.

    A missing consumer group (Redis lost its data, or the stream was deleted and re-created by
    the next `add`) is re-created by `read`/`reclaim`, which then raise `StateLostError`.
    """

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._r = redis
        self._k = keys

    @mapped
    async def ensure_group(self) -> None:
        # From the stream's start: after a loss the stream holds only what was added since, and
        # if it survived its old entries are acknowledged unseen through their `done` markers.
        try:
            await self._r.xgroup_create(self._k.outbox, OUTBOX_GROUP, id="0", mkstream=True)
        except ResponseError as exc:  # redis answers BUSYGROUP when the group exists
            if "BUSYGROUP" not in str(exc):
                raise

    @mapped
    async def add(self, notification: Notification) -> None:
        await self._r.xadd(
            self._k.outbox,
            {"n": notification.model_dump_json()},
            maxlen=STREAM_MAXLEN,
            approximate=True,
        )

    @mapped
    async def read(
        self, consumer: str, *, count: int = 10, block_ms: int = 1000
    ) -> list[tuple[str, Notification]]:
        try:
            # BLOCK 0 would wait forever: 0 means "do not wait" here.
            reply = await self._r.xreadgroup(
                OUTBOX_GROUP, consumer, {self._k.outbox: ">"}, count=count, block=block_ms or None
            )
        except ResponseError as exc:
            await self._recreate_group(exc)
        return _entries(reply)

    @mapped
    async def tail(self, last_id: str, *, block_ms: int = 1000) -> list[tuple[str, Notification]]:
        """Every notification after `last_id` ("$": only new ones), outside the consumer group:
        for watchers such as the demo's terminal view, which must not take them from staff."""
        reply = await self._r.xread({self._k.outbox: last_id}, block=block_ms, count=100)
        return _entries(reply)

    @mapped
    async def reclaim(
        self, consumer: str, *, min_idle_ms: int, count: int = 10
    ) -> list[tuple[str, Notification]]:
        """Entries delivered but not acknowledged for `min_idle_ms` (a failed try or a dead
        consumer) come back to `consumer`: this is the retry path."""
        try:
            reply = await self._r.xautoclaim(
                self._k.outbox, OUTBOX_GROUP, consumer, min_idle_ms, start_id="0-0", count=count
            )
        except ResponseError as exc:
            await self._recreate_group(exc)
        return _parse_pairs(reply[1])

    async def _recreate_group(self, exc: ResponseError) -> NoReturn:
        if not str(exc).startswith("NOGROUP"):
            raise exc
        await self.ensure_group()
        raise StateLostError(
            "outbox consumer group", "was missing (Redis lost data, or the stream was deleted)"
        ) from exc

    @mapped
    async def ack(self, entry_id: str) -> None:
        await self._r.xack(self._k.outbox, OUTBOX_GROUP, entry_id)

    @mapped
    async def is_done(self, notification_id: str) -> bool:
        return bool(await self._r.exists(self._k.outbox_done(notification_id)))

    @mapped
    async def mark_done(self, notification_id: str) -> None:
        await self._r.set(self._k.outbox_done(notification_id), "1", ex=OUTBOX_DONE_S)

    # --- notifications held for one staff chat --------------------------------------------

    @mapped
    async def hold(self, staff_chat: int, entry_id: str, notification: Notification) -> None:
        """Set the stream entry aside for `staff_chat`: appended to its list and acknowledged
        in one transaction, so it is in exactly one of the two places."""
        key = self._k.outbox_held(staff_chat)
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.rpush(key, notification.model_dump_json())
            pipe.expire(key, OUTBOX_HELD_S)
            pipe.xack(self._k.outbox, OUTBOX_GROUP, entry_id)
            await pipe.execute()

    @mapped
    async def held(self, staff_chat: int, *, count: int = 10) -> list[tuple[str, Notification]]:
        """The oldest `count` held for `staff_chat`: (the stored entry, the notification)."""
        raw = await self._r.lrange(self._k.outbox_held(staff_chat), 0, count - 1)
        return [(str(item), Notification.model_validate_json(item)) for item in raw]

    @mapped
    async def release(self, staff_chat: int, stored: str) -> None:
        """Forget one held entry (delivered); by value, so a second remover finds nothing."""
        await self._r.lrem(self._k.outbox_held(staff_chat), 1, stored)

    @mapped
    async def held_for(self, staff_chats: Iterable[int]) -> dict[int, Held]:
        chats = list(staff_chats)
        async with self._r.pipeline(transaction=False) as pipe:
            for chat in chats:
                pipe.llen(self._k.outbox_held(chat))
                pipe.lindex(self._k.outbox_held(chat), 0)
            replies = await pipe.execute()
        result: dict[int, Held] = {}
        for chat, count, first in zip(chats, replies[::2], replies[1::2], strict=True):
            oldest = Notification.model_validate_json(first).created_at if first else None
            result[chat] = Held(count=int(count), oldest=oldest)
        return result

    # --- state for /healthz and the metrics ---------------------------------------------

    @mapped
    async def pending_count(self) -> int:
        return (await self.status()).pending

    @mapped
    async def status(self) -> OutboxStatus:
        """The group's state, read without changing anything (never re-creates the group)."""
        group = await self._group_info()
        if group is None:
            return OutboxStatus(group=False, pending=0, unread=None, oldest_age_s=None)
        summary = await self._r.xpending(self._k.outbox, OUTBOX_GROUP)
        pending = int(summary["pending"])
        first_unread = await self._r.xrange(
            self._k.outbox, min=f"({group['last-delivered-id']}", count=1
        )
        ids = [str(summary["min"])] if pending else []
        ids += [str(entry_id) for entry_id, _ in first_unread or []]
        lag = group.get("lag")
        return OutboxStatus(
            group=True,
            pending=pending,
            unread=None if lag is None else int(lag),
            oldest_age_s=await self._age_s(min(ids, key=_id_ms)) if ids else None,
        )

    async def _group_info(self) -> dict[str, Any] | None:
        try:
            groups = await self._r.xinfo_groups(self._k.outbox)
        except ResponseError as exc:  # "no such key": the stream itself is gone
            if "no such key" not in str(exc).lower():
                raise
            return None
        return next((g for g in groups if g["name"] == OUTBOX_GROUP), None)

    async def _age_s(self, entry_id: str) -> float:
        # Redis's clock, not ours: entry ids carry the time of the Redis server that added them.
        seconds, micros = await self._r.time()
        return max(0.0, seconds + micros / 1e6 - _id_ms(entry_id) / 1000)


def _id_ms(entry_id: str) -> int:
    return int(entry_id.partition("-")[0])


def _entries(reply: object) -> list[tuple[str, Notification]]:
    if not reply:
        return []
    result: list[tuple[str, Notification]] = []
    streams = reply.items() if isinstance(reply, dict) else reply
    for _stream, pairs in streams:  # type: ignore[attr-defined]  # redis-py: list or dict
        result.extend(_parse_pairs(pairs))
    return result


def _parse_pairs(pairs: object) -> list[tuple[str, Notification]]:
    result = []
    for entry_id, fields in pairs or []:  # type: ignore[attr-defined]
        if fields and "n" in fields:
            result.append((str(entry_id), Notification.model_validate_json(fields["n"])))
    return result
