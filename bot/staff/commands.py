"""The console's commands: /queue /stats /pause /resume /mode /help, as text in, text out.

The handlers in `bot.staff.handlers.commands` only unpack the Telegram message; the work and
the parsing (`parse_mode_command`, pure) live here.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from html import escape

from bot.config import ShopConfig
from bot.errors import CommandUsageError
from bot.models import Mode
from bot.staff.cards import (
    QueueItem,
    clock_time,
    render_queue,
    render_stats,
)
from bot.staff.setup import ConsoleSetup
from bot.staff.wording import message_link
from bot.state.escalations import ControlStore, EscalationStore, ModeOverride

_FOR = re.compile(r"^(?:(\d{1,3})h)?(?:(\d{1,4})m(?:in)?)?$")
_UNTIL = re.compile(r"^(\d{1,2}):(\d{2})$")
RESET = "reset"


@dataclass(frozen=True, slots=True)
class ModeCommand:
    mode: Mode | None
    """None: show the current state."""
    reset: bool = False
    when: tuple[str, str] | None = None
    """("until", "18:30") or ("for", "2h")."""
    shop: str | None = None


def parse_mode_command(args: Sequence[str], shop_ids: Collection[str]) -> ModeCommand:
    words = [w for w in args if w]
    shop = words.pop() if words and words[-1] in shop_ids else None
    if not words:
        return ModeCommand(mode=None, shop=shop)
    head, rest = words[0].lower(), words[1:]
    if head == RESET and not rest:
        return ModeCommand(mode=None, reset=True, shop=shop)
    try:
        mode = Mode(head)
    except ValueError as exc:
        raise CommandUsageError(head) from exc
    if not rest:
        return ModeCommand(mode=mode, shop=shop)
    if len(rest) != 2 or rest[0].lower() not in ("until", "for"):
        raise CommandUsageError(" ".join(rest))
    return ModeCommand(mode=mode, when=(rest[0].lower(), rest[1].lower()), shop=shop)


def resolve_until(when: tuple[str, str], now: datetime, zone: tzinfo) -> datetime:
    """`until 18:30` → the next 18:30 in the shop's zone; `for 2h` / `for 90m` / `1h30m`."""
    kind, value = when
    if kind == "until":
        match = _UNTIL.match(value)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise ValueError(value)
        local = now.astimezone(zone)
        at = local.replace(hour=int(match.group(1)), minute=int(match.group(2)), second=0)
        at = at.replace(microsecond=0)
        return at if at > local else at + timedelta(days=1)
    match = _FOR.match(value)
    if not match or not any(match.groups()):
        raise ValueError(value)
    hours, minutes = (int(g or 0) for g in match.groups())
    if hours * 60 + minutes == 0:
        raise ValueError(value)
    return now + timedelta(hours=hours, minutes=minutes)


class ConsoleCommands:
    def __init__(
        self, *, setup: ConsoleSetup, control: ControlStore, escalations: EscalationStore
    ) -> None:
        self._setup = setup
        self._control = control
        self._escalations = escalations
        self._t = setup.texts

    def help(self) -> str:
        return escape(self._t("help"), quote=False)

    async def queue(self, chat_id: int) -> str:
        shops = {shop.id for shop in self._setup.shops_in(chat_id)}
        items = [
            QueueItem(
                escalation=e,
                shop_name=self._setup.shop_name(e.shop),
                link=message_link(chat_id, e.card_message_id) if e.card_message_id else None,
            )
            for e in await self._escalations.list_open()
            if e.shop in shops
        ]
        return render_queue(items, self._t, self._setup.clock())

    async def stats(self, chat_id: int, args: Sequence[str]) -> str:
        chosen = self._shops(chat_id, args, need_one=False)
        if isinstance(chosen, str):
            return chosen
        blocks = []
        for shop in chosen:
            day = self._setup.clock().astimezone(shop.hours.zone).date().isoformat()
            counters = await self._control.counters(shop.id, day)
            blocks.append(render_stats(counters, day, shop.name, self._t))
        return "\n\n".join(blocks)

    async def pause(self, chat_id: int, args: Sequence[str], by: str, *, paused: bool) -> str:
        chosen = self._shops(chat_id, args, need_one=True)
        if isinstance(chosen, str):
            return chosen
        shop = chosen[0]
        await self._control.set_shop_paused(shop.id, paused, by=by)
        return self._t("pause.done" if paused else "resume.done", shop=escape(shop.name))

    async def mode(self, chat_id: int, args: Sequence[str], by: str) -> str:
        here = self._setup.shops_in(chat_id)
        try:
            command = parse_mode_command(args, [shop.id for shop in here])
        except CommandUsageError:
            return escape(self._t("mode.usage"), quote=False)
        if command.mode is None and not command.reset:
            return await self._mode_state(chat_id, command.shop)
        chosen = self._shops(chat_id, [command.shop] if command.shop else [], need_one=True)
        if isinstance(chosen, str):
            return chosen
        return await self._set_mode(chosen[0], command, by)

    async def _set_mode(self, shop: ShopConfig, command: ModeCommand, by: str) -> str:
        name = escape(shop.name)
        if command.reset or command.mode is None:
            await self._control.set_mode_override(shop.id, None)
            return self._t("mode.reset", shop=name)
        now = self._setup.clock()
        try:
            until = resolve_until(command.when, now, shop.hours.zone) if command.when else None
        except ValueError as exc:
            return escape(self._t("mode.bad_time", value=str(exc)), quote=False)
        override = ModeOverride(mode=command.mode, until=until, by=by)
        await self._control.set_mode_override(shop.id, override)
        return self._t(
            "mode.set", shop=name, mode=command.mode.value, until=self._until(until, shop)
        )

    def _until(self, until: datetime | None, shop: ShopConfig) -> str:
        if until is None:
            return self._t("mode.forever")
        return self._t("mode.until", at=clock_time(until, self._setup.view(shop.id)))

    async def _mode_state(self, chat_id: int, shop_id: str | None) -> str:
        shops = [s for s in self._setup.shops_in(chat_id) if shop_id in (None, s.id)]
        lines = []
        now = self._setup.clock()
        for shop in shops:
            override = await self._control.mode_override(shop.id)
            mode = self._t("mode.default")
            if override is not None and override.active(now):
                mode = f"{override.mode.value} {self._until(override.until, shop)}"
            paused = self._t("mode.paused") if await self._control.shop_paused(shop.id) else ""
            lines.append(self._t("mode.state", shop=escape(shop.name), mode=mode, paused=paused))
        return "\n".join(lines)

    def _shops(
        self, chat_id: int, args: Sequence[str], *, need_one: bool
    ) -> list[ShopConfig] | str:
        """The shops a command is about: the one named, or every shop of this chat (when
        `need_one`, only if there is exactly one); a string is the answer explaining why not."""
        here = self._setup.shops_in(chat_id)
        names = ", ".join(shop.id for shop in here)
        wanted = [a for a in args if a]
        if wanted:
            found = [shop for shop in here if shop.id == wanted[0]]
            if not found:
                return self._t("shop.unknown", shop=escape(wanted[0]), shops=escape(names))
            return found
        if need_one and len(here) != 1:
            return self._t("shop.which", shops=escape(names))
        return here
