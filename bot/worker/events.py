"""What the worker tells staff about a shop as a whole: the key, writes, unreadable chats."""

from __future__ import annotations

from bot.errors import OzonError
from bot.staff.texts import Texts
from bot.worker.escalate import Escalator, notice_id


class StaffEvents:
    """`bot.worker.ingest.ShopEvents`, told through the staff outbox in the staff language."""

    def __init__(self, escalator: Escalator, texts: Texts) -> None:
        self._escalator = escalator
        self._texts = texts

    async def key_refused(self, shop: str, error: OzonError) -> None:
        text = self._texts(
            "notice.key_refused",
            shop=shop,
            cause=error.cause or error.message,
            fix=error.fix or self._texts("notice.key_fix"),
        )
        await self._escalator.outbox_notice(shop, notice_id(f"key-refused:{shop}"), text)

    async def key_works(self, shop: str) -> None:
        text = self._texts("notice.key_works", shop=shop)
        await self._escalator.outbox_notice(shop, notice_id(f"key-works:{shop}"), text)

    async def chat_unreadable(self, shop: str, chat_id: str, cause: str) -> None:
        detail = self._texts("notice.chat_unreadable", cause=cause)
        await self._escalator.escalate_unreadable(shop, chat_id, detail)
