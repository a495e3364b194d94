"""Staff notifications from the outbox to the staff chat: post or edit cards, post the rest.

The worker only ever writes `Notification`s to the `Outbox` stream; this loop is the one reader.
An entry is acknowledged after Telegram took it. When Telegram fails (network, 5xx, 429), the
entry stays unacknowledged, the loop backs off (Telegram's `retry_after` when it gives one) and
`Outbox.reclaim` hands the entry back for the next try: an outage or a restart loses nothing.
`is_done`/`mark_done` keyed by `Notification.id` make a retried or duplicated entry visible once.

Every notification carries only ids; the card is rendered from the escalation as it is *now*,
so a burst of updates ends in one correct card, and a forward that overtakes the card's first
post (the card failed, the forward came later) posts the card itself before replying to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from bot.errors import ConfigError, StateError, TelegramDeliveryError, TelegramRejectedError
from bot.staff.cards import render_card, render_forward
from bot.staff.setup import ConsoleSetup
from bot.staff.telegram import EditOutcome, TelegramApi
from bot.state.console import ConsoleStore
from bot.state.escalations import EscalationStore, Outbox
from bot.state.models import Escalation, Notification

log = logging.getLogger(__name__)

BATCH = 10


@dataclass
class Backoff:
    first_s: float = 2.0
    cap_s: float = 60.0
    _next: float = 0.0

    def delay(self, hint: float | None = None) -> float:
        """The wait before the next try: doubling from `first_s` up to `cap_s`, never shorter
        than what Telegram asked for (429 `retry_after`)."""
        current = self._next or self.first_s
        self._next = min(self.cap_s, current * 2)
        return max(current, hint or 0.0)

    def reset(self) -> None:
        self._next = 0.0


class Delivery:
    def __init__(
        self,
        *,
        api: TelegramApi,
        setup: ConsoleSetup,
        outbox: Outbox,
        escalations: EscalationStore,
        store: ConsoleStore,
        consumer: str,
        backoff: Backoff | None = None,
    ) -> None:
        self._api = api
        self._setup = setup
        self._outbox = outbox
        self._escalations = escalations
        self._store = store
        self._consumer = consumer
        self._backoff = backoff or Backoff()

    async def run(
        self, stop: asyncio.Event, *, gate: asyncio.Event | None = None, block_ms: int = 1000
    ) -> None:
        """Until `stop`: deliver, backing off while Telegram or Redis fail; only while `gate`
        is set (this worker holds the console lock)."""
        while not stop.is_set():
            if gate is not None and not gate.is_set():
                await first_of(gate, stop)
                continue
            try:
                await self.run_once(block_ms=block_ms)
            except (TelegramDeliveryError, StateError) as exc:
                hint = exc.retry_after if isinstance(exc, TelegramDeliveryError) else None
                wait = self._backoff.delay(hint)
                log.warning("staff notifications wait %.1f s: %s", wait, exc)
                await sleep_unless(stop, wait)
            except Exception as exc:  # a bug must not end delivery: retried, slowly, loudly
                wait = self._backoff.delay()
                log.error("staff delivery failed (%s at %s); retry in %.1f s", *failure(exc), wait)
                await sleep_unless(stop, wait)
            else:
                self._backoff.reset()

    async def run_once(self, *, block_ms: int = 0) -> int:
        """Deliver one batch: entries whose earlier try failed first, otherwise new ones.

        Raises on the first entry Telegram did not take; it and the rest of the batch stay
        unacknowledged and come back through `reclaim` once they were idle for a backoff step.
        """
        idle_ms = int(self._backoff.first_s * 1000)
        batch = await self._outbox.reclaim(self._consumer, min_idle_ms=idle_ms, count=BATCH)
        if not batch:
            batch = await self._outbox.read(self._consumer, count=BATCH, block_ms=block_ms)
        for entry_id, notification in batch:
            await self._deliver(entry_id, notification)
        return len(batch)

    async def _deliver(self, entry_id: str, notification: Notification) -> None:
        if not await self._outbox.is_done(notification.id):
            try:
                await self._post(notification)
            except TelegramRejectedError as exc:
                # A request Telegram refuses as such would be refused forever: skip it rather
                # than block every later notification. The escalation itself stays in Redis.
                log.error("Telegram refused staff notification %s: %s", notification.id, exc)
            except ConfigError as exc:
                log.error("staff notification %s has nowhere to go: %s", notification.id, exc)
            await self._outbox.mark_done(notification.id)
        await self._outbox.ack(entry_id)

    async def _post(self, notification: Notification) -> None:
        if notification.kind in ("notice", "digest"):
            chat = self._setup.chat_of(notification.shop)
            await self._api.send(chat, escape(notification.text or "", quote=False))
            return
        escalation = await self._escalation(notification)
        if escalation is None:
            return
        if notification.kind in ("escalation", "draft"):
            await self.refresh_card(escalation)
        elif notification.kind == "forward":
            view = self._setup.view(escalation.shop)
            text = render_forward(notification.text or "", notification.created_at, view)
            await self._reply_to_card(escalation, text)
        elif notification.kind == "reminder":
            await self._reply_to_card(escalation, escape(notification.text or "", quote=False))

    async def _escalation(self, notification: Notification) -> Escalation | None:
        if notification.escalation_id is None:
            log.error("staff notification %s names no escalation", notification.id)
            return None
        escalation = await self._escalations.get(notification.escalation_id)
        if escalation is None:
            log.error("staff notification %s: escalation is gone", notification.id)
        return escalation

    async def refresh_card(self, escalation: Escalation) -> int:
        """Show the escalation's current state: edit its card, or post it; returns the card."""
        chat = self._setup.chat_of(escalation.shop)
        card = render_card(escalation, self._setup.view(escalation.shop))
        if escalation.card_message_id is not None:
            outcome = await self._api.edit(chat, escalation.card_message_id, card.text, card.rows)
            if outcome is not EditOutcome.GONE:
                return escalation.card_message_id
        # The one window where a card can appear twice: Telegram took this sendMessage but we
        # died (or Redis failed) before the message id below was saved. The retried notification
        # then finds no card and posts it again. The Bot API has no idempotency key for
        # sendMessage, so the window cannot be closed from here; it lasts one Redis write.
        message_id = await self._api.send(chat, card.text, rows=card.rows)
        await self._escalations.mutate(escalation.id, _with_card(message_id))
        await self._store.link_message(chat, message_id, escalation.id)
        return message_id

    async def _reply_to_card(self, escalation: Escalation, text: str) -> None:
        card = escalation.card_message_id
        if card is None:
            card = await self.refresh_card(escalation)
        chat = self._setup.chat_of(escalation.shop)
        message_id = await self._api.send(chat, text, reply_to=card)
        # A reply to this message is a reply to the buyer, like a reply to the card.
        await self._store.link_message(chat, message_id, escalation.id)


def _with_card(message_id: int) -> Callable[[Escalation], Escalation]:
    def change(escalation: Escalation) -> Escalation:
        return escalation.model_copy(update={"card_message_id": message_id})

    return change


def failure(exc: BaseException) -> tuple[str, str]:
    """The error's type and where it happened: never its message, which may quote buyer text."""
    frames = traceback.extract_tb(exc.__traceback__)
    return type(exc).__name__, (f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?")


async def first_of(*events: asyncio.Event) -> None:
    """Wait until any of `events` is set."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)


async def sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
