"""Product question and review cards: their buttons, and a staff message that answers one (a
reply to the card, or the next message after "Edit"). Included before the chat relay, so such
a message is published as the public answer and never relayed into a buyer chat."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.staff.actions import Actor, ConsoleActions
from bot.staff.buttons import PublicButton
from bot.staff.handlers.cards import actor_of
from bot.staff.public_actions import PublicActions


def public_router() -> Router:
    router = Router(name="public")
    router.callback_query.register(on_public_button, PublicButton.filter())
    router.message.register(on_public_reply, answers_public_card)
    return router


async def answers_public_card(message: Message, public: PublicActions) -> dict[str, str] | bool:
    """Filter: the message answers an open or closed public card (`card_id` for the handler)."""
    user = message.from_user
    if user is None or user.is_bot or (message.text or "").startswith("/"):
        return False
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    card_id = await public.target(message.chat.id, user.id, reply_to)
    return {"card_id": card_id} if card_id is not None else False


async def on_public_button(
    query: CallbackQuery,
    callback_data: PublicButton,
    public: PublicActions,
    actions: ConsoleActions,
) -> None:
    found = actor_of(query)
    if found is None:
        return
    actor, message_id = found
    answer = await public.guarded(
        public.press(callback_data.act, callback_data.cid, actor, message_id)
    )
    await actions.answer(query.id, answer)


async def on_public_reply(message: Message, card_id: str, public: PublicActions) -> None:
    user = message.from_user
    if user is None:
        return
    actor = Actor(chat_id=message.chat.id, user_id=user.id, name=user.full_name or str(user.id))
    await public.reply(card_id, message.text, actor, message.message_id)
