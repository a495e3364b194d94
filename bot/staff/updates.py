"""Long polling of the Bot API, one update at a time, with the offset kept in Redis.

Our own loop rather than `Dispatcher.start_polling`: it has a one-batch form for tests
(`poll_once`), it stops between updates (never in the middle of a relay to a buyer), it keeps
the offset across restarts, and its log lines are ours (ids only, never the token).
Updates are handled in order, so two quick taps on a button are seen one after the other.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TypeVar

from aiogram import Dispatcher
from aiogram.types import Update

from bot.errors import StateError, TelegramDeliveryError
from bot.staff.delivery import failure
from bot.staff.telegram import TelegramApi
from bot.state.console import ConsoleStore
from bot.waiting import Backoff, unless, wait_any

log = logging.getLogger(__name__)
T = TypeVar("T")


class UpdateLoop:
    def __init__(
        self,
        *,
        api: TelegramApi,
        dispatcher: Dispatcher,
        store: ConsoleStore,
        poll_timeout_s: int = 25,
        backoff: Backoff | None = None,
    ) -> None:
        self._api = api
        self._dispatcher = dispatcher
        self._store = store
        self._timeout = poll_timeout_s
        self._backoff = backoff or Backoff()
        self._webhook_cleared = False

    async def run(self, stop: asyncio.Event, *, gate: asyncio.Event | None = None) -> None:
        """Until `stop`: poll and handle, only while `gate` is set (the console lock)."""
        while not stop.is_set():
            if gate is not None and not gate.is_set():
                await wait_any(gate, stop)
                continue
            try:
                await self.poll_once(stop)
            except (TelegramDeliveryError, StateError) as exc:
                wait = self._backoff.delay(getattr(exc, "retry_after", None))
                log.warning("Telegram updates wait %.1f s: %s", wait, exc)
                await wait_any(stop, within_s=wait)
            except Exception as exc:  # a bug must not end the console: retried, slowly, loudly
                wait = self._backoff.delay()
                log.error("staff updates failed (%s at %s); retry in %.1f s", *failure(exc), wait)
                await wait_any(stop, within_s=wait)
            else:
                self._backoff.reset()

    async def poll_once(self, stop: asyncio.Event | None = None) -> int:
        """Fetch the waiting updates (long polling) and handle them; returns how many."""
        if not self._webhook_cleared:
            await self._api.delete_webhook()
            self._webhook_cleared = True
        offset = await self._store.update_offset()
        fetch = self._api.updates(offset, self._timeout)
        updates = await fetch if stop is None else await unless(stop, fetch)
        for update in updates or []:
            # Confirmed before it is handled: a crash while handling loses this one staff
            # action (the person sees no answer and repeats it) rather than replaying a relay
            # and writing to the buyer twice.
            await self._store.set_update_offset(update.update_id + 1)
            await self._handle(update)
        return len(updates or [])

    async def _handle(self, update: Update) -> None:
        try:
            await self._dispatcher.feed_update(self._api.bot, update)
        except Exception as exc:  # one bad update must not stop the console
            # The type and the place, never the message: it may quote buyer or staff text.
            log.error("staff update %s failed: %s at %s", update.update_id, *failure(exc))
            log.debug("staff update %s failed", update.update_id, exc_info=True)
