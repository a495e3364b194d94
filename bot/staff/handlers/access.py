"""Only the staff chats, and in them only the listed staff, reach the handlers.

Everything else is dropped here and logged with the Telegram user id only (no names, no
text); a button press from someone else gets a short refusal so they know it did nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Chat, TelegramObject, User

from bot.staff.actions import ConsoleActions
from bot.staff.setup import ConsoleSetup

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class StaffOnly(BaseMiddleware):
    def __init__(self, setup: ConsoleSetup, actions: ConsoleActions) -> None:
        self._setup = setup
        self._actions = actions

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        user_id = user.id if user else None
        if self._setup.allowed(chat.id if chat else None, user_id):
            return await handler(event, data)
        if isinstance(event, CallbackQuery):
            log.warning("refused a button press from Telegram user %s (not staff)", user_id)
            await self._actions.answer(event.id, self._setup.texts("cb.refused"), alert=True)
        else:
            log.info("ignored a message from Telegram user %s (not staff)", user_id)
        return None
