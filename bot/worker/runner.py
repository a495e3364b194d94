"""The worker loop: claim due chats from the shared queue, process them with bounded concurrency.

Several workers run this against one Redis; the queue's leases and the per-chat locks keep a
chat with one of them at a time. `run_once()` is the one-batch form tests and benchmarks call.
This is the one place that reschedules a chat: busy (another worker has it), waiting for a
dependency (the processor says how long), or failing for a bug.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from bot.errors import StateError
from bot.state.chats import ChatStore
from bot.state.keys import CLAIM_LEASE_MS
from bot.waiting import Backoff, cancel_all, wait_any
from bot.worker.processor import ChatProcessor, Outcome, Result

log = logging.getLogger(__name__)

IDLE_SLEEP_S = 0.05
BUG_RETRIES = 3
BUG_RETRY_S = 30.0


class Worker:
    def __init__(self, processor: ChatProcessor, chats: ChatStore, *, concurrency: int) -> None:
        self._processor = processor
        self._chats = chats
        self._concurrency = concurrency
        self._tasks: set[asyncio.Task[Outcome]] = set()
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    def wake(self) -> None:
        """New work was queued (a poll or a push found messages): do not wait for the idle sleep."""
        self._wake.set()

    async def run_once(self) -> int:
        """Claim what is due now, process it, wait for it; returns the number of chats handled."""
        claimed = await self._chats.claim(self._concurrency, CLAIM_LEASE_MS)
        if not claimed:
            return 0
        outcomes = await asyncio.gather(*(self._process(s, c) for s, c in claimed))
        return sum(1 for o in outcomes if o.result is Result.DONE)

    async def run(self) -> None:
        """Until `stop()`: keep up to `concurrency` chats in flight."""
        backoff = Backoff(first_s=0.5, cap_s=10.0)
        while not self._stopping.is_set():
            try:
                started = await self._fill()
                backoff.reset()
            except StateError as exc:
                delay = backoff.delay()
                log.warning("redis unavailable, retrying in %.1fs: %s", delay, exc)
                await self._sleep(delay)
                continue
            if not started:
                await self._sleep(IDLE_SLEEP_S)

    async def _fill(self) -> int:
        free = self._concurrency - len(self._tasks)
        if free <= 0:
            await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
            return 1
        claimed = await self._chats.claim(free, CLAIM_LEASE_MS)
        for shop, chat in claimed:
            task = asyncio.create_task(self._process(shop, chat), name=f"chat {shop}/{chat}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(claimed)

    async def _sleep(self, seconds: float) -> None:
        self._wake.clear()
        await wait_any(self._wake, self._stopping, within_s=seconds)

    async def _process(self, shop: str, chat: str) -> Outcome:
        started = time.perf_counter()
        try:
            outcome = await self._processor.process(shop, chat)
        except StateError as exc:
            log.warning("redis failed while handling %s/%s: %s", shop, chat, exc)
            return Outcome(Result.RETRY, 1.0)  # the lease runs out and the chat comes back
        except Exception as exc:
            # A bug must not kill the loop or lose the chat: it stays queued and is retried,
            # and after a few failures people get the chat rather than the buyer waiting forever.
            log.exception("unexpected error while handling %s/%s", shop, chat)
            return await self._after_bug(shop, chat, exc)
        if outcome.result is not Result.DONE:
            await self._reschedule(shop, chat, outcome.delay_s)
        log.debug(
            "%s/%s %s in %.1f ms",
            shop,
            chat,
            outcome.result,
            (time.perf_counter() - started) * 1000,
        )
        return outcome

    async def _after_bug(self, shop: str, chat: str, exc: Exception) -> Outcome:
        try:
            failures = await self._chats.count_failure(shop, chat)
            if failures >= BUG_RETRIES and await self._processor.give_up(
                shop, chat, f"internal error: {type(exc).__name__}"
            ):
                await self._chats.clear_failures(shop, chat)
                return Outcome(Result.DONE)
        except Exception:
            log.exception("could not hand %s/%s to people after an error", shop, chat)
        await self._reschedule(shop, chat, BUG_RETRY_S)
        return Outcome(Result.RETRY, BUG_RETRY_S)

    async def _reschedule(self, shop: str, chat: str, delay_s: float) -> None:
        with contextlib.suppress(StateError):  # else the lease expires on its own
            await self._chats.reschedule(shop, chat, int(delay_s * 1000))

    async def stop(self, grace_s: float = 20.0) -> None:
        """Stop taking work; let in-flight chats finish for `grace_s`, then cancel them.

        A cancelled chat releases its lock; its messages stay in the inbox and its lease runs
        out, so another worker (or this one, restarted) picks it up — a reply already sent is
        found by reconciliation, not sent again."""
        self._stopping.set()
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(set(self._tasks), timeout=grace_s)
        await cancel_all(*pending)
