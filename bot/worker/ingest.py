"""Ingest: find new buyer messages in Ozon and put them into the chats' inboxes.

The poll lists chats with unread messages (`/v3/chat/list`, `unread_only`, following the
cursor) and fetches only what is new in each (`/v3/chat/history` forward from the chat's
cursor). Only buyer (`Customer`) messages in buyer chats (`BUYER_SELLER`, and
`BUYER_SELLER_SELECT` for Ozon Select orders) are kept. One poller per shop runs at a time (a
Redis lock), whichever worker gets there first; a push notification is only a hint that makes
the worker fetch that one chat sooner.

Isolation: every shop is polled on its own (its own scheduler job, backoff and failure state):
a refused key is probed once a minute and told to staff once, a `Retry-After` (capped by the
client) delays only that shop. Every chat fails alone: a chat whose history cannot be read
after a few polls is quarantined and handed to people, and the rest of the shop goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.config import ShopConfig
from bot.errors import (
    OzonAuthError,
    OzonError,
    OzonPermissionError,
    OzonRateLimitError,
    StateError,
)
from bot.ozon.client import OzonClient
from bot.ozon.schemas import ChatMessage, ChatSummary, Direction, UserType
from bot.state.chats import ChatStore
from bot.state.keys import POLL_LOCK_MS, Keys
from bot.state.models import BuyerMessage
from bot.waiting import Backoff, cancel_all
from bot.worker.metrics import Metrics

log = logging.getLogger(__name__)

HISTORY_PAGE = 100
BOOTSTRAP_HISTORY = 50


READ_FAILURES_BEFORE_QUARANTINE = 3
CHATS_AT_ONCE = 8
"""Chats read at the same time (within each shop's shared rate limit)."""
READ_WAIT_S = 2.0
"""How long a poll waits for its chats' reads before leaving the slow ones in the background."""
KEY_PROBE_S = 60.0
"""A shop whose key Ozon refuses is probed once a minute, not on every tick."""


@dataclass(frozen=True, slots=True)
class PollReport:
    chats: int = 0
    fetched: int = 0
    new_messages: int = 0
    skipped: bool = False
    failed_chats: int = 0


class ShopEvents(Protocol):
    """What the poller tells the rest of the worker about a shop (staff notices, cards)."""

    async def key_refused(self, shop: str, error: OzonError) -> None: ...

    async def key_works(self, shop: str) -> None: ...

    async def chat_unreadable(self, shop: str, chat_id: str, cause: str) -> None: ...


@dataclass
class _ShopState:
    """One shop's poll schedule in this process: each shop backs off alone."""

    next_at: float = 0.0
    backoff: Backoff = field(default_factory=lambda: Backoff(first_s=3.0, cap_s=60.0))
    problem: str | None = None


class Poller:
    def __init__(
        self,
        shops: Mapping[str, ShopConfig],
        clients: Mapping[str, OzonClient],
        chats: ChatStore,
        keys: Keys,
        events: ShopEvents,
        metrics: Metrics,
        on_new: Callable[[], None] = lambda: None,
    ) -> None:
        self._shops = shops
        self._clients = clients
        self._chats = chats
        self._keys = keys
        self._events = events
        self._metrics = metrics
        self._on_new = on_new
        """Called as soon as a chat has new messages, so a worker can start on it at once."""
        self._state = {shop_id: _ShopState() for shop_id in shops}
        self._key_refused: set[str] = set()
        self._reading: dict[tuple[str, str], asyncio.Task[int | OzonError | None]] = {}
        self._gate = asyncio.Semaphore(CHATS_AT_ONCE)

    async def run_once(self) -> dict[str, PollReport]:
        """Poll every shop once, each on its own (the tests' one-batch form)."""
        reports = await asyncio.gather(*(self.poll_shop(shop_id) for shop_id in self._shops))
        return dict(zip(self._shops, reports, strict=True))

    def problem(self, shop_id: str) -> str | None:
        """Why the shop is not polled normally now (`invalid_key`, `rate_limited`...)."""
        return self._state[shop_id].problem

    async def poll_shop(self, shop_id: str) -> PollReport:
        """One poll of one shop, unless its backoff says to wait; its failures stay its own."""
        state = self._state[shop_id]
        if time.monotonic() < state.next_at:
            return PollReport(skipped=True)
        lock_key = self._keys.poll_lock(shop_id)
        token = await self._chats.try_lock(lock_key, POLL_LOCK_MS)
        if token is None:
            return PollReport(skipped=True)  # another worker is polling this shop
        try:
            report = await self._poll(shop_id)
        except OzonError as exc:
            await self._failed(shop_id, exc)
            return PollReport(skipped=True)
        finally:
            with contextlib.suppress(StateError):
                await self._chats.release(lock_key, token)
        await self._succeeded(shop_id)
        return report

    async def _failed(self, shop_id: str, exc: OzonError) -> None:
        state = self._state[shop_id]
        problem = exc.problem or type(exc).__name__
        self._metrics.poll_failures.labels(shop=shop_id, problem=problem).inc()
        if isinstance(exc, OzonAuthError | OzonPermissionError):
            if shop_id not in self._key_refused:
                log.error("poll %s: Ozon refuses the key: %s", shop_id, exc)
                self._key_refused.add(shop_id)
                self._metrics.shop_degraded.labels(shop=shop_id, problem="key").set(1)
                await self._events.key_refused(shop_id, exc)
            delay = KEY_PROBE_S
        elif isinstance(exc, OzonRateLimitError):
            delay = exc.retry_after
        else:
            delay = state.backoff.delay()
        log.warning("poll %s failed, next try in %.0fs: %s", shop_id, delay, exc)
        state.problem = problem
        state.next_at = time.monotonic() + delay

    async def _succeeded(self, shop_id: str) -> None:
        state = self._state[shop_id]
        if state.problem is not None:
            log.info("poll %s works again after: %s", shop_id, state.problem)
        if shop_id in self._key_refused:
            self._key_refused.discard(shop_id)
            self._metrics.shop_degraded.labels(shop=shop_id, problem="key").set(0)
            await self._events.key_works(shop_id)
        self._state[shop_id] = _ShopState()
        await self._chats.poll_progress(shop_id)

    async def _poll(self, shop_id: str) -> PollReport:
        """List the shop's unread chats and read the new ones, a few at a time.

        A poll waits `READ_WAIT_S` for its reads; a read still running then (a chat whose
        reads are retried or time out) goes on in the background and the poll returns, so one
        slow chat never holds up the shop's next poll. A chat already being read is skipped."""
        chats, started = 0, []
        async for summary in self._clients[shop_id].iter_chats(unread_only=True):
            chats += 1
            key = (shop_id, summary.chat_id)
            if key in self._reading or not summary.is_buyer_chat:
                continue
            news, cursor = await self._news(shop_id, summary)
            if not news:
                continue
            task = asyncio.create_task(self._read(shop_id, summary, cursor), name=f"read {key}")
            self._reading[key] = task
            task.add_done_callback(functools.partial(self._read_done, key))
            started.append(task)
        done: set[asyncio.Task[int | OzonError | None]] = set()
        if started:
            done, _ = await asyncio.wait(started, timeout=READ_WAIT_S)
        results = [task.result() for task in done]
        shop_problem = next((r for r in results if isinstance(r, OzonError)), None)
        if shop_problem is not None:
            raise shop_problem  # the shop's problem (key, rate limit), not one chat's
        new = sum(r for r in results if isinstance(r, int))
        failed = sum(1 for r in results if r is None)
        if new:
            log.info("poll %s: %d new buyer messages in %d chats", shop_id, new, len(started))
        return PollReport(chats=chats, fetched=len(started), new_messages=new, failed_chats=failed)

    async def _read(
        self, shop_id: str, summary: ChatSummary, cursor: str | None
    ) -> int | OzonError | None:
        """New messages taken in; the error when it is the shop's; None when the chat failed."""
        async with self._gate:
            try:
                return await self._take(
                    shop_id, summary.chat_id, cursor, summary.first_unread_message_id
                )
            except (OzonAuthError, OzonPermissionError, OzonRateLimitError) as exc:
                return exc
            except (OzonError, ValueError) as exc:
                await self._unreadable(shop_id, summary.chat_id, exc)
                return None
            except StateError as exc:
                log.warning("poll %s: chat %s not taken in: %s", shop_id, summary.chat_id, exc)
                return None

    def _read_done(self, key: tuple[str, str], _task: asyncio.Task[object]) -> None:
        self._reading.pop(key, None)

    async def close(self) -> None:
        """Cancel the reads still running (their chats are read again by the next poll)."""
        await cancel_all(*self._reading.values())

    async def _unreadable(self, shop_id: str, chat_id: str, exc: Exception) -> None:
        """One chat Ozon's answers for which we cannot read: it fails alone; after a few polls
        it is quarantined and handed to people, and the rest of the shop goes on."""
        failures = await self._chats.count_read_failure(shop_id, chat_id)
        log.warning("poll %s: chat %s unreadable (%d): %s", shop_id, chat_id, failures, exc)
        if failures < READ_FAILURES_BEFORE_QUARANTINE:
            return
        cause = f"{type(exc).__name__}: {exc}"[:300]
        if await self._chats.quarantine(shop_id, chat_id, cause):
            self._metrics.quarantined.labels(shop=shop_id).inc()
            await self._events.chat_unreadable(shop_id, chat_id, cause)

    async def _news(self, shop_id: str, summary: ChatSummary) -> tuple[bool, str | None]:
        """Whether the chat has messages newer than its cursor and is not quarantined, and the
        cursor (one Redis read; `append` checks the cursor again, atomically)."""
        cursor, quarantined = await self._chats.cursor_and_quarantine(shop_id, summary.chat_id)
        if quarantined:
            return False, cursor
        if summary.last_message_id is None:
            return summary.unread_count > 0, cursor
        return cursor is None or int(summary.last_message_id) > int(cursor), cursor

    async def refresh_edited(self, shop_id: str, chat_id: str, message_ids: Sequence[str]) -> bool:
        """A buyer edited messages (push `TYPE_UPDATE_MESSAGE`): take what is new, and give
        the edited messages still waiting their new text. A reply already sent stays as it is.
        True when something changed."""
        new = await self.fetch_chat(shop_id, chat_id)
        history = await self._recent(shop_id, chat_id)
        wanted = set(message_ids)
        texts = {m.message_id: m.text for m in history if m.message_id in wanted}
        return bool(new or (texts and await self._chats.replace_texts(shop_id, chat_id, texts)))

    async def fetch_chat(self, shop_id: str, chat_id: str) -> int:
        """Take a chat's new buyer messages into its inbox; returns how many were new."""
        return await self._take(shop_id, chat_id, await self._chats.cursor(shop_id, chat_id))

    async def _take(
        self, shop_id: str, chat_id: str, cursor: str | None, first_unread: str | None = None
    ) -> int:
        """`fetch_chat` from a cursor already read: a stale one only makes `append` refuse,
        and the next poll takes the messages."""
        if cursor is None:
            history = await self._recent(shop_id, chat_id)
            candidates = _unanswered(history, first_unread)
        else:
            history = candidates = await self._forward(shop_id, chat_id, cursor)
        if not history:
            return 0
        newest = history[-1].message_id
        buyer = [_to_inbox(shop_id, chat_id, m) for m in candidates if m.is_buyer]
        if not await self._chats.append(shop_id, chat_id, cursor, newest, buyer):
            return 0  # another poller took these messages first
        if buyer:
            self._on_new()
        return len(buyer)

    async def _forward(self, shop_id: str, chat_id: str, cursor: str) -> list[ChatMessage]:
        client = self._clients[shop_id]
        seen: list[ChatMessage] = []
        start = cursor
        while True:
            page = await client.chat_history(
                chat_id, direction=Direction.FORWARD, from_message_id=start, limit=HISTORY_PAGE
            )
            fresh = _ascending(m for m in page.messages if int(m.message_id) > int(start))
            seen.extend(fresh)
            if not page.has_next or not fresh:
                return seen
            start = fresh[-1].message_id

    async def _recent(self, shop_id: str, chat_id: str) -> list[ChatMessage]:
        page = await self._clients[shop_id].chat_history(
            chat_id, direction=Direction.BACKWARD, limit=BOOTSTRAP_HISTORY
        )
        return _ascending(page.messages)


def _ascending(messages: Iterable[ChatMessage]) -> list[ChatMessage]:
    return sorted(messages, key=lambda m: int(m.message_id))


def _unanswered(history: list[ChatMessage], first_unread: str | None) -> list[ChatMessage]:
    """For a chat we have no cursor for: the buyer's messages since the seller last wrote.

    This keeps a first start (or a Redis that lost its data) from answering messages the seller
    answered long ago, without relying on Ozon's read marks alone.
    """
    last_seller = max(
        (i for i, m in enumerate(history) if m.user_type is UserType.SELLER), default=-1
    )
    tail = history[last_seller + 1 :]
    if first_unread is not None:
        tail = [m for m in tail if int(m.message_id) >= int(first_unread)]
    return tail


def _to_inbox(shop_id: str, chat_id: str, message: ChatMessage) -> BuyerMessage:
    # The text is well formed already: `bot.ozon.fields.Lines` replaced lone surrogates.
    return BuyerMessage(
        shop=shop_id,
        chat_id=chat_id,
        message_id=message.message_id,
        created_at=message.created_at,
        text=message.text,
        is_image=message.is_image,
        context=message.context,
    )
