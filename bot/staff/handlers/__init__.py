"""aiogram routers, one per feature: card buttons, replies to buyers, commands; plus the
middleware that lets only staff through. Handlers only unpack updates; the work is done by
`bot.staff.actions.ConsoleActions`, `bot.staff.public_actions.PublicActions` (product question
and review cards) and `bot.staff.commands.ConsoleCommands`."""

from __future__ import annotations

from aiogram import Dispatcher

from bot.staff.actions import ConsoleActions
from bot.staff.commands import ConsoleCommands
from bot.staff.handlers.access import StaffOnly
from bot.staff.handlers.cards import cards_router
from bot.staff.handlers.commands import commands_router
from bot.staff.handlers.public import public_router
from bot.staff.handlers.relay import relay_router
from bot.staff.public_actions import PublicActions
from bot.staff.setup import ConsoleSetup


def build_dispatcher(
    setup: ConsoleSetup,
    actions: ConsoleActions,
    commands: ConsoleCommands,
    public: PublicActions,
) -> Dispatcher:
    dispatcher = Dispatcher(actions=actions, commands=commands, public=public)
    gate = StaffOnly(setup, actions)
    dispatcher.message.outer_middleware(gate)
    dispatcher.callback_query.outer_middleware(gate)
    # Order matters: commands before relay, so "/cancel" is never sent to a buyer; public
    # cards before the chat cards (whose router ends with a catch-all for stale buttons) and
    # before the relay, so an answer to a question or review is never relayed into a chat.
    dispatcher.include_routers(commands_router(), public_router(), cards_router(), relay_router())
    return dispatcher
