"""Card buttons, the "send corrected" button and "Send" under a machine-translated reply."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.staff.actions import Actor, ConsoleActions
from bot.staff.buttons import CardButton, FixButton, TranslatedButton


def cards_router() -> Router:
    router = Router(name="cards")
    router.callback_query.register(on_card_button, CardButton.filter())
    router.callback_query.register(on_fix_button, FixButton.filter())
    router.callback_query.register(on_translated_button, TranslatedButton.filter())
    router.callback_query.register(on_stale_button)
    return router


def actor_of(query: CallbackQuery) -> tuple[Actor, int] | None:
    message = query.message
    if not isinstance(message, Message):
        return None  # too old for Telegram to include: nothing to act on
    name = query.from_user.full_name or str(query.from_user.id)
    return Actor(chat_id=message.chat.id, user_id=query.from_user.id, name=name), message.message_id


async def on_card_button(
    query: CallbackQuery, callback_data: CardButton, actions: ConsoleActions
) -> None:
    found = actor_of(query)
    if found is None:
        return
    actor, card_id = found
    answer = await actions.guarded(
        actions.press(callback_data.act, callback_data.eid, actor, card_id)
    )
    await actions.answer(query.id, answer)


async def on_fix_button(
    query: CallbackQuery, callback_data: FixButton, actions: ConsoleActions
) -> None:
    found = actor_of(query)
    if found is None:
        return
    actor, message_id = found
    answer = await actions.guarded(actions.confirm_fix(callback_data.token, actor, message_id))
    await actions.answer(query.id, answer)


async def on_translated_button(
    query: CallbackQuery, callback_data: TranslatedButton, actions: ConsoleActions
) -> None:
    found = actor_of(query)
    if found is None:
        return
    actor, message_id = found
    answer = await actions.guarded(
        actions.confirm_translated(callback_data.token, actor, message_id)
    )
    await actions.answer(query.id, answer)


async def on_stale_button(query: CallbackQuery, actions: ConsoleActions) -> None:
    await actions.answer(query.id, actions.texts("cb.unknown"))
