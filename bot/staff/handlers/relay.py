"""Staff messages that answer a buyer: a reply to a card (or to a forwarded buyer message or a
reminder), or the next message after "reply". Anything else in the chat is left alone."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message

from bot.staff.actions import Actor, ConsoleActions


def relay_router() -> Router:
    router = Router(name="relay")
    router.message.register(on_message)
    return router


async def on_message(message: Message, actions: ConsoleActions) -> None:
    user = message.from_user
    if user is None or user.is_bot:
        return
    if message.text is not None and message.text.startswith("/"):
        return  # an unknown command is not a reply to a buyer
    actor = Actor(chat_id=message.chat.id, user_id=user.id, name=user.full_name or str(user.id))
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    await actions.on_message(actor, message.text, reply_to, message.message_id)
