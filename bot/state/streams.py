"""What the question and review streams keep in Redis: claims, progress, rotation, pauses, cards.

Exactly one public answer per question (one comment per review), across crashes and several
workers, rests on two keys per item (`bot.state.keys`):

- the *lock* (`SET NX PX`, a token, `PUBLIC_LEASE_MS`): one worker handles the item at a time;
- the *progress* record, written BEFORE Ozon is asked to publish (`posting`, with the text) and
  moved on after (`posted`, then `done`). Whoever finds a `posting` record (its writer died:
  the lease it held expired) looks in Ozon's answer/comment list before sending anything.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from redis.asyncio.client import Pipeline

from bot.state.keys import (
    PUBLIC_CARD_S,
    PUBLIC_ITEM_S,
    PUBLIC_LEASE_MS,
    PUBLIC_PROBE_S,
    PUBLIC_ROTATION_S,
    PUBLIC_TURNS_S,
    PUBLIC_WATCH_S,
    Keys,
)
from bot.state.models import PublicCard, PublicCardStatus, PublicStream
from bot.state.redis import Redis, mapped, text, watch_update


class Progress(StrEnum):
    POSTING = "posting"
    """Ozon was (maybe) asked to publish `text`: reconcile before any retry."""
    POSTED = "posted"
    """Published; the status change to PROCESSED may still be owed."""
    CARDED = "carded"
    """Waiting for staff on a card."""
    DONE = "done"
    SKIPPED = "skipped"
    """Nothing to say (a textless review with that policy off, a dismissed card)."""


class ItemRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    progress: Progress
    at: datetime
    text: str | None = None
    published_id: str | None = None
    card_id: str | None = None
    by: str = "bot"
    """`bot`, or `staff:<user id>` for a text sent from a card."""


class Outcome(StrEnum):
    """What became of a question or review (the digest counts these per stream)."""

    AUTO = "auto"
    """Answered (commented) by the bot itself."""
    STAFF = "staff"
    """Put on a staff card."""
    SKIPPED = "skipped"
    """Left alone by policy (a textless review with the policy off)."""


class PublicTurn(BaseModel):
    """One question or review as the stream decided it: the tuning loop's view of it."""

    model_config = ConfigDict(frozen=True)

    shop: str
    stream: PublicStream
    item_id: str
    sku: str
    at: datetime
    text: str
    """The buyer's text as written (`review export` anonymises it)."""
    lang: str | None = None
    intent: str | None = None
    confidence: float | None = None
    rating: int | None = None
    outcome: Outcome
    why: str
    """The route's reason: `routine`, `thanks`, or why people got it (`card_silent`, ...)."""


_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_ROTATE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
return 1
"""


def digest(value: str) -> str:
    """A short stable fingerprint of a text, blind to case and spacing."""
    folded = " ".join(value.lower().split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:16]


class StreamStore:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._r = redis
        self._k = keys

    # --- one item at a time ---------------------------------------------------------------

    @mapped
    async def lock(self, shop: str, stream: PublicStream, item: str) -> str | None:
        """Take the item for `PUBLIC_LEASE_MS`; the token to release it, None when taken."""
        token = secrets.token_hex(8)
        key = self._k.public_lock(shop, stream.value, item)
        taken = await self._r.set(key, token, nx=True, px=PUBLIC_LEASE_MS)
        return token if taken else None

    @mapped
    async def unlock(self, shop: str, stream: PublicStream, item: str, token: str) -> None:
        key = self._k.public_lock(shop, stream.value, item)
        await self._r.eval(_RELEASE, 1, key, token)

    @mapped
    async def record(self, shop: str, stream: PublicStream, item: str) -> ItemRecord | None:
        raw = text(await self._r.get(self._k.public_item(shop, stream.value, item)))
        return None if raw is None else ItemRecord.model_validate_json(raw)

    @mapped
    async def save(self, shop: str, stream: PublicStream, item: str, record: ItemRecord) -> None:
        key = self._k.public_item(shop, stream.value, item)
        posting = self._k.public_posting(shop, stream.value)
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.set(key, record.model_dump_json(), ex=PUBLIC_ITEM_S)
            if record.progress is Progress.POSTING:
                pipe.zadd(posting, {item: int(record.at.timestamp() * 1000)})
                pipe.expire(posting, PUBLIC_ITEM_S)
            else:
                pipe.zrem(posting, item)
            await pipe.execute()

    @mapped
    async def posting(self, shop: str, stream: PublicStream, before: datetime) -> list[str]:
        """Items left `posting` since before `before`, oldest first (their writer died or its
        call's outcome is unknown): to reconcile even when Ozon no longer lists them as NEW."""
        key = self._k.public_posting(shop, stream.value)
        found = await self._r.zrangebyscore(key, "-inf", int(before.timestamp() * 1000))
        return [str(item) for item in found]

    @mapped
    async def drop_posting(self, shop: str, stream: PublicStream, item: str) -> None:
        """Ozon no longer knows the item: nothing is left to reconcile."""
        await self._r.zrem(self._k.public_posting(shop, stream.value), item)

    # --- varied wording -------------------------------------------------------------------

    @mapped
    async def last_text(self, shop: str, sku: str) -> str | None:
        return text(await self._r.get(self._k.public_last(shop, sku)))

    @mapped
    async def rotate(self, shop: str, sku: str, chosen: str) -> bool:
        """Make `chosen` the SKU's latest text; False (nothing changed) when it already is,
        so two workers cannot both post the same wording in a row."""
        key = self._k.public_last(shop, sku)
        done = await self._r.eval(_ROTATE, 1, key, digest(chosen), PUBLIC_ROTATION_S)
        return bool(done)

    # --- subscription refusals ------------------------------------------------------------

    @mapped
    async def pause(self, shop: str, stream: PublicStream, seconds: int = PUBLIC_PROBE_S) -> None:
        await self._r.set(self._k.public_paused(shop, stream.value), "1", ex=seconds)

    @mapped
    async def paused(self, shop: str, stream: PublicStream) -> bool:
        return bool(await self._r.exists(self._k.public_paused(shop, stream.value)))

    @mapped
    async def first_refusal(self, shop: str, stream: PublicStream, at: datetime) -> bool:
        """True the first time a refusal is noted (staff are told once)."""
        key = self._k.public_refused(shop, stream.value)
        return bool(await self._r.set(key, at.isoformat(), nx=True, ex=PUBLIC_ITEM_S))

    @mapped
    async def refusal_over(self, shop: str, stream: PublicStream) -> bool:
        """The stream works again; True when it had been refused (staff may hear of it)."""
        return bool(await self._r.delete(self._k.public_refused(shop, stream.value)))

    # --- moderation watch -----------------------------------------------------------------

    @mapped
    async def watch(self, shop: str, question: str, sku: str, answer: str, due_ms: int) -> None:
        await self._r.zadd(self._k.public_watch(shop), {f"{question}|{sku}|{answer}": due_ms})

    @mapped
    async def due_watches(
        self, shop: str, now_ms: int, limit: int = 50
    ) -> list[tuple[str, str, str]]:
        """Answers to look at now: (question, sku, answer); older than `PUBLIC_WATCH_S` are
        dropped."""
        key = self._k.public_watch(shop)
        await self._r.zremrangebyscore(key, "-inf", now_ms - PUBLIC_WATCH_S * 1000)
        members = await self._r.zrangebyscore(key, "-inf", now_ms, start=0, num=limit)
        found: list[tuple[str, str, str]] = []
        for member in members:
            parts = str(member).split("|")
            if len(parts) == 3:
                found.append((parts[0], parts[1], parts[2]))
        return found

    @mapped
    async def unwatch(self, shop: str, question: str, sku: str, answer: str) -> None:
        await self._r.zrem(self._k.public_watch(shop), f"{question}|{sku}|{answer}")

    # --- staff cards ----------------------------------------------------------------------

    @mapped
    async def card(self, card_id: str) -> PublicCard | None:
        raw = text(await self._r.get(self._k.public_card(card_id)))
        return None if raw is None else PublicCard.model_validate_json(raw)

    @mapped
    async def put_card(self, card: PublicCard) -> None:
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.set(self._k.public_card(card.id), card.model_dump_json(), ex=PUBLIC_CARD_S)
            self._stage_open(pipe, card)
            await pipe.execute()

    @mapped
    async def change_card(
        self, card_id: str, change: Callable[[PublicCard], PublicCard | None]
    ) -> PublicCard | None:
        """Apply `change` atomically (optimistic); None when the card is gone or `change`
        refused (returned None)."""
        key = self._k.public_card(card_id)

        def apply(current: str | None, pipe: Pipeline) -> PublicCard | None:
            if current is None:
                return None
            changed = change(PublicCard.model_validate_json(current))
            if changed is not None:
                pipe.set(key, changed.model_dump_json(), ex=PUBLIC_CARD_S)
                self._stage_open(pipe, changed)
            return changed

        return await watch_update(self._r, key, apply)

    def _stage_open(self, pipe: Pipeline, card: PublicCard) -> None:
        key = self._k.public_open(card.shop)
        member = f"{card.stream.value}|{card.id}"
        if card.status is PublicCardStatus.OPEN:
            pipe.zadd(key, {member: int(card.created_at.timestamp() * 1000)})
        else:
            pipe.zrem(key, member)

    @mapped
    async def open_cards(self, shop: str, now: datetime) -> dict[PublicStream, int]:
        """Cards of the shop nobody has sent or dismissed yet, per stream (expired ones go)."""
        key = self._k.public_open(shop)
        oldest = int(now.timestamp() * 1000) - PUBLIC_CARD_S * 1000
        await self._r.zremrangebyscore(key, "-inf", f"({oldest}")
        counts = dict.fromkeys(PublicStream, 0)
        for member in await self._r.zrange(key, 0, -1):
            stream = str(member).partition("|")[0]
            if stream in counts:
                counts[PublicStream(stream)] += 1
        return counts

    # --- what was decided (the digest, the tuning loop) -----------------------------------

    @mapped
    async def add_turn(self, turn: PublicTurn) -> None:
        key = self._k.public_turns(turn.shop)
        at_ms = int(turn.at.timestamp() * 1000)
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {turn.model_dump_json(): at_ms})
            pipe.zremrangebyscore(key, "-inf", f"({at_ms - PUBLIC_TURNS_S * 1000}")
            pipe.expire(key, PUBLIC_TURNS_S)
            await pipe.execute()

    @mapped
    async def turns_between(self, shop: str, since: datetime, until: datetime) -> list[PublicTurn]:
        """The items decided in [since, until], oldest first; one per item (an item decided
        again after a lost write counts once, as its latest decision)."""
        raw = await self._r.zrangebyscore(
            self._k.public_turns(shop),
            int(since.timestamp() * 1000),
            int(until.timestamp() * 1000),
        )
        latest: dict[tuple[PublicStream, str], PublicTurn] = {}
        for entry in raw:
            turn = PublicTurn.model_validate_json(str(entry))
            latest[(turn.stream, turn.item_id)] = turn
        return sorted(latest.values(), key=lambda t: t.at)
