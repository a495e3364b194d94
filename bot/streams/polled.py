"""What the question and review streams share: one poll over the NEW items' pages, then the
items left `posting` (a worker died, or a call's outcome was unknown, after Ozon may have taken
the text: Ozon then lists the item as processed, not NEW, so only this finds it again); a
subscription refusal that pauses only this stream (told to staff once, and again when it
works), a Rasa outage that ends the poll (the next one retries), and a failure of one item
that never stops the others."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from typing import ClassVar, Generic, TypeVar

from bot.dialogue.types import Dialogue
from bot.errors import (
    OzonError,
    OzonNotFoundError,
    OzonSubscriptionError,
    RasaMalformedError,
    RasaUnavailableError,
)
from bot.state.models import PublicStream
from bot.streams.common import RECONCILE_AFTER, StreamDeps, tell_staff

log = logging.getLogger(__name__)

Item = TypeVar("Item")
MAX_PAGES = 20
"""Pages per poll: a backlog drains over several polls."""


class PolledStream(ABC, Generic[Item]):
    stream: ClassVar[PublicStream]

    def __init__(self, deps: StreamDeps, dialogue: Dialogue) -> None:
        self._deps = deps
        self._dialogue = dialogue

    @property
    def shop(self) -> str:
        return self._deps.shop.id

    async def run_once(self) -> int:
        """One poll; returns how many items were handled (answered, carded or skipped)."""
        if not self._enabled() or await self._deps.store.paused(self.shop, self.stream):
            return 0
        handled = 0
        try:
            async for item in self._new_items():
                handled += await self._handle_safely(item)
            handled += await self._unsettled()
            await self._after_poll()
        except OzonSubscriptionError as exc:
            await self._refused(exc)
        except RasaUnavailableError as exc:
            # Down for every item alike: this poll stops; the item in hand is still NEW on
            # Ozon (or `posting`, reconciled later) and the next poll takes it again.
            log.warning(
                "%s %s: Rasa unavailable, the next poll retries: %s", self.stream, self.shop, exc
            )
        return handled

    @abstractmethod
    def _enabled(self) -> bool:
        """The shop's policy polls this stream at all."""

    @abstractmethod
    async def _page(self, last_id: str | None) -> tuple[Sequence[Item], bool, str | None]:
        """One page of NEW items after `last_id`: the items, `has_next`, the next `last_id`."""

    @abstractmethod
    async def _handle(self, item: Item) -> int: ...

    @abstractmethod
    def _id(self, item: Item) -> str: ...

    @abstractmethod
    async def _info(self, item_id: str) -> Item:
        """One item by its id, whatever its status (`OzonNotFoundError` when it is gone)."""

    async def _unsettled(self) -> int:
        """Items left `posting` long enough ago that their writer is gone or its call is over;
        each goes through `_handle` again, which reconciles it under the item's lease."""
        deps, handled = self._deps, 0
        before = deps.clock() - RECONCILE_AFTER
        for item_id in await deps.store.posting(self.shop, self.stream, before):
            try:
                item = await self._info(item_id)
            except OzonNotFoundError:
                await deps.store.drop_posting(self.shop, self.stream, item_id)
                continue
            except OzonSubscriptionError:
                raise
            except OzonError as exc:
                log.warning("%s %s/%s: %s", self.stream, self.shop, item_id, exc)
                continue
            handled += await self._handle_safely(item)
        return handled

    async def _after_poll(self) -> None:
        """Work after the new items (watching moderation); nothing by default."""

    async def _new_items(self) -> AsyncIterator[Item]:
        last_id: str | None = None
        for _ in range(MAX_PAGES):
            items, has_next, next_id = await self._page(last_id)
            for item in items:
                yield item
            # `has_next` with an empty page, or a cursor that does not move, would loop forever.
            if not has_next or not items or next_id in (None, last_id):
                break
            last_id = next_id
        if await self._deps.store.refusal_over(self.shop, self.stream):
            text = self._deps.texts(f"notice.{self.stream.value}_back", shop=self._deps.shop.name)
            await tell_staff(self._deps, f"{self.stream.value}-back", text)

    async def _refused(self, exc: OzonSubscriptionError) -> None:
        deps = self._deps
        await deps.store.pause(self.shop, self.stream)
        if await deps.store.first_refusal(self.shop, self.stream, deps.clock()):
            text = deps.texts(
                f"notice.{self.stream.value}_paused",
                shop=deps.shop.name,
                cause=exc.cause or exc.message,
            )
            await tell_staff(deps, f"{self.stream.value}-refused", text)
        deps.count(self.stream, "refused")

    async def _handle_safely(self, item: Item) -> int:
        try:
            return await self._handle(item)
        except OzonSubscriptionError:
            raise
        except (OzonError, RasaMalformedError) as exc:
            log.warning("%s %s/%s: %s", self.stream, self.shop, self._id(item), exc)
            return 0
