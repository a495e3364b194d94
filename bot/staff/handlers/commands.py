"""/queue /stats /pause /resume /mode /help /cancel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.staff.actions import Actor, ConsoleActions
from bot.staff.commands import ConsoleCommands

Work = Callable[[ConsoleCommands, Message, list[str], str], Awaitable[str]]


def commands_router() -> Router:
    router = Router(name="commands")
    router.message.register(on_cancel, Command("cancel"))
    for name, work in _COMMANDS.items():
        router.message.register(_handler(work), Command(name))
    return router


def _handler(
    work: Work,
) -> Callable[[Message, CommandObject, ConsoleActions, ConsoleCommands], Awaitable[None]]:
    async def handle(
        message: Message,
        command: CommandObject,
        actions: ConsoleActions,
        commands: ConsoleCommands,
    ) -> None:
        args = (command.args or "").split()
        by = message.from_user.full_name if message.from_user else ""
        answer = await actions.guarded(work(commands, message, args, by))
        await actions.say(message.chat.id, answer, reply_to=message.message_id)

    return handle


async def _queue(commands: ConsoleCommands, message: Message, args: list[str], by: str) -> str:
    return await commands.queue(message.chat.id)


async def _stats(commands: ConsoleCommands, message: Message, args: list[str], by: str) -> str:
    return await commands.stats(message.chat.id, args)


async def _pause(commands: ConsoleCommands, message: Message, args: list[str], by: str) -> str:
    return await commands.pause(message.chat.id, args, by, paused=True)


async def _resume(commands: ConsoleCommands, message: Message, args: list[str], by: str) -> str:
    return await commands.pause(message.chat.id, args, by, paused=False)


async def _mode(commands: ConsoleCommands, message: Message, args: list[str], by: str) -> str:
    return await commands.mode(message.chat.id, args, by)


async def _help(commands: ConsoleCommands, message: Message, args: list[str], by: str) -> str:
    return commands.help()


_COMMANDS: dict[str, Work] = {
    "queue": _queue,
    "stats": _stats,
    "pause": _pause,
    "resume": _resume,
    "mode": _mode,
    "help": _help,
    "start": _help,
}


async def on_cancel(message: Message, actions: ConsoleActions) -> None:
    user = message.from_user
    if user is None:
        return
    actor = Actor(chat_id=message.chat.id, user_id=user.id, name=user.full_name)
    await actions.cancel(actor, message.message_id)
