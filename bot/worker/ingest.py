"""Ingest: find new buyer messages in Ozon and put them into the chats' inboxes.

The poll lists chats with unread messages (`/v3/chat/list`, `unread_only`, following the
cursor) and fetches only what is new in each (`/v3/chat/history` forward from the chat's
cursor). Only buyer (`Customer`) messages in buyer–seller chats are kept. One poller per shop
runs at a time (a Redis lock), whichever worker gets there first; a push notification is only
a hint that makes the worker fetch that one chat sooner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from bot.config import ShopConfig
from bot.ozon.client import OzonClient
from bot.ozon.schemas import ChatMessage, ChatSummary, ChatType, Direction, UserType
from bot.state.chats import ChatStore
from bot.state.keys import POLL_LOCK_MS, Keys
from bot.state.models import BuyerMessage, MessageContext

log = logging.getLogger(__name__)

HISTORY_PAGE = 100
BOOTSTRAP_HISTORY = 50


@dataclass(frozen=True, slots=True)
class PollReport:
    chats: int = 0
    fetched: int = 0
    new_messages: int = 0
    skipped: bool = False


class Poller:
    def __init__(
        self,
        shops: Mapping[str, ShopConfig],
        clients: Mapping[str, OzonClient],
        chats: ChatStore,
        keys: Keys,
        on_new: Callable[[], None] = lambda: None,
    ) -> None:
        self._shops = shops
        self._clients = clients
        self._chats = chats
        self._keys = keys
        self._on_new = on_new
        """Called as soon as a chat has new messages, so a worker can start on it at once."""

    async def run_once(self) -> dict[str, PollReport]:
        """Poll every shop once (the scheduler's job, and the tests' one-batch form)."""
        return {shop_id: await self.poll_shop(shop_id) for shop_id in self._shops}

    async def poll_shop(self, shop_id: str) -> PollReport:
        lock_key = self._keys.poll_lock(shop_id)
        token = await self._chats.try_lock(lock_key, POLL_LOCK_MS)
        if token is None:
            return PollReport(skipped=True)  # another worker is polling this shop
        try:
            return await self._poll(shop_id)
        finally:
            await self._chats.release(lock_key, token)

    async def _poll(self, shop_id: str) -> PollReport:
        client = self._clients[shop_id]
        chats = fetched = new = 0
        async for summary in client.iter_chats(unread_only=True):
            chats += 1
            if summary.chat_type is not ChatType.BUYER_SELLER or not await self._has_news(
                shop_id, summary
            ):
                continue
            fetched += 1
            new += await self.fetch_chat(shop_id, summary.chat_id, summary.first_unread_message_id)
        if new:
            log.info("poll %s: %d new buyer messages in %d chats", shop_id, new, fetched)
        return PollReport(chats=chats, fetched=fetched, new_messages=new)

    async def _has_news(self, shop_id: str, summary: ChatSummary) -> bool:
        if summary.last_message_id is None:
            return summary.unread_count > 0
        cursor = await self._chats.cursor(shop_id, summary.chat_id)
        return cursor is None or int(summary.last_message_id) > int(cursor)

    async def fetch_chat(self, shop_id: str, chat_id: str, first_unread: str | None = None) -> int:
        """Take a chat's new buyer messages into its inbox; returns how many were new."""
        cursor = await self._chats.cursor(shop_id, chat_id)
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
    context = message.context
    return BuyerMessage(
        shop=shop_id,
        chat_id=chat_id,
        message_id=message.message_id,
        created_at=message.created_at,
        text=message.text,
        is_image=message.is_image,
        context=MessageContext(order_number=context.order_number, sku=context.sku)
        if context
        else None,
    )
