"""The console's one Bot API client: one aiogram `Bot` (one aiohttp session), errors mapped.

Every call the console makes to Telegram goes through `TelegramApi`, which turns aiogram's
exceptions into ours at the boundary:

- a chat that will take nothing from the bot until people act: 403 (kicked, not a member,
  blocked), 400 "chat not found", no right to post, a group upgraded to a supergroup →
  `TelegramForbiddenError(chat_id=...)`: the caller parks that chat, the others go on;
- 429 → `TelegramDeliveryError(retry_after=...)`: Telegram limits each chat on its own
  (about 20 messages a minute in a group), so the caller waits for that chat only;
- network errors, 5xx, 401, an unreadable answer → `TelegramDeliveryError`: the caller
  retries with backoff;
- any other 400 → `TelegramRejectedError`: the same request would be refused again.

The token is part of every request URL. aiogram's messages do not contain the URL, but the
session still scrubs the token from every error before anyone can log it.
"""

from __future__ import annotations

from collections.abc import Awaitable
from enum import Enum
from typing import TypeVar

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    AiogramError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramMigrateToChat,
    TelegramRetryAfter,
)
from aiogram.exceptions import TelegramForbiddenError as AiogramForbiddenError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyParameters,
    Update,
)

from bot.errors import TelegramDeliveryError, TelegramForbiddenError, TelegramRejectedError
from bot.staff.cards import Rows

T = TypeVar("T")
# 400s that mean the chat, not the request, is the problem (Telegram's own descriptions).
_CHAT_REFUSED_400 = (
    "chat not found",
    "not enough rights",
    "have no rights",
    "bot was kicked",
    "bot is not a member",
    "group chat was",
    "chat_write_forbidden",
)
_GONE = ("message to edit not found", "message can't be edited", "message_id_invalid")


class EditOutcome(Enum):
    EDITED = "edited"
    UNCHANGED = "unchanged"
    """Telegram already shows exactly this (a repeated update): nothing to do."""
    GONE = "gone"
    """The message was deleted or can no longer be edited: post a new one."""


class _ScrubbingSession(AiohttpSession):
    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109  # aiogram's own signature
    ) -> TelegramType:
        try:
            return await super().make_request(bot, method, timeout)
        except TelegramAPIError as exc:
            exc.message = scrub(exc.message, bot.token)
            raise


def scrub(text: str, token: str) -> str:
    secret = token.partition(":")[2]
    text = text.replace(token, "<token>")
    return text.replace(secret, "<token>") if secret else text


def keyboard(rows: Rows) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.label, callback_data=b.data) for b in row] for row in rows
        ]
    )


class TelegramApi:
    def __init__(self, token: str, api_url: str, *, timeout_s: float = 30.0) -> None:
        session = _ScrubbingSession(api=TelegramAPIServer.from_base(api_url), timeout=timeout_s)
        self.bot = Bot(
            token,
            session=session,
            default=DefaultBotProperties(
                parse_mode=ParseMode.HTML,
                link_preview=LinkPreviewOptions(is_disabled=True),
            ),
        )

    async def close(self) -> None:
        await self.bot.session.close()

    async def send(
        self, chat_id: int, text: str, *, rows: Rows = (), reply_to: int | None = None
    ) -> int:
        """Post an HTML message; returns its message id."""
        reply = None
        if reply_to is not None:
            reply = ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
        message = await self._call(
            self.bot.send_message(
                chat_id=chat_id,
                text=text,
                reply_markup=keyboard(rows) if rows else None,
                reply_parameters=reply,
            ),
            chat_id=chat_id,
        )
        return int(message.message_id)

    async def edit(self, chat_id: int, message_id: int, text: str, rows: Rows) -> EditOutcome:
        try:
            await self._call(
                self.bot.edit_message_text(
                    chat_id=chat_id, message_id=message_id, text=text, reply_markup=keyboard(rows)
                ),
                chat_id=chat_id,
            )
        except TelegramRejectedError as exc:
            return _edit_refusal(exc)
        return EditOutcome.EDITED

    async def drop_buttons(self, chat_id: int, message_id: int) -> EditOutcome:
        try:
            await self._call(
                self.bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=message_id, reply_markup=keyboard(())
                ),
                chat_id=chat_id,
            )
        except TelegramRejectedError as exc:
            return _edit_refusal(exc)
        return EditOutcome.EDITED

    async def answer(self, query_id: str, text: str, *, alert: bool = False) -> None:
        await self._call(
            self.bot.answer_callback_query(callback_query_id=query_id, text=text, show_alert=alert)
        )

    async def updates(self, offset: int | None, timeout_s: int) -> list[Update]:
        """Long polling: waits up to `timeout_s` for updates after `offset`."""
        updates = await self._call(
            self.bot.get_updates(
                offset=offset,
                timeout=timeout_s,
                allowed_updates=["message", "callback_query"],
                request_timeout=timeout_s + 15,
            )
        )
        return list(updates)

    async def delete_webhook(self) -> None:
        # getUpdates answers 409 while a webhook is set; the console polls.
        await self._call(self.bot.delete_webhook(drop_pending_updates=False))

    async def _call(self, request: Awaitable[T], *, chat_id: int | None = None) -> T:
        """Await `request`; `chat_id` is the chat it writes to (None: no chat, e.g. updates)."""
        try:
            return await request
        except TelegramRetryAfter as exc:
            raise TelegramDeliveryError(_describe(exc), retry_after=exc.retry_after) from exc
        except (AiogramForbiddenError, TelegramMigrateToChat, TelegramBadRequest) as exc:
            if chat_id is not None and _chat_refused(exc):
                raise TelegramForbiddenError(_describe(exc), chat_id=chat_id) from exc
            if isinstance(exc, TelegramBadRequest):
                raise TelegramRejectedError(_describe(exc)) from exc
            raise TelegramDeliveryError(_describe(exc)) from exc
        except AiogramError as exc:
            raise TelegramDeliveryError(_describe(exc)) from exc


def _chat_refused(exc: TelegramAPIError) -> bool:
    if isinstance(exc, AiogramForbiddenError | TelegramMigrateToChat):
        return True
    return any(marker in exc.message.lower() for marker in _CHAT_REFUSED_400)


def _describe(exc: AiogramError) -> str:
    method = getattr(getattr(exc, "method", None), "__api_method__", "?")
    message = getattr(exc, "message", "") or type(exc).__name__
    return f"{method}: {type(exc).__name__}: {message}"


def _edit_refusal(exc: TelegramRejectedError) -> EditOutcome:
    text = str(exc).lower()
    if "message is not modified" in text:
        return EditOutcome.UNCHANGED
    if any(marker in text for marker in _GONE):
        return EditOutcome.GONE
    raise exc
