"""The staff console: a Telegram bot in the staff chat(s), started and stopped by `App`.

    console = StaffConsole.build(app)      # App._start_console()
    await console.start()                  # delivery loop + update loop, in the background
    await console.stop()                   # both loops end between two steps; session closed
    await console.health()                 # for /healthz: lock owner, outbox, parked chats

With `ConsoleParts.translate` configured (`TRANSLATE_URL`) and a `TranslationStore`, the console
also runs the machine translation for staff (README "Translation for staff"): the engine's
session is the console's and closes with it.

Two loops share one Bot API session: `Delivery` posts and edits cards from the outbox,
`UpdateLoop` handles what staff do (buttons, replies, commands). Telegram serves updates to one
poller per bot, so with several workers the loops run only in the worker that holds the console
lock in Redis (renewed while it lives; another worker takes over when it stops or dies).
Without a token `App` never builds the console; the outbox keeps the notifications until then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.config import ShopConfig, TelegramSettings, TranslateSettings
from bot.errors import ConfigError, StateError
from bot.staff.actions import ConsoleActions
from bot.staff.cards import SHOWN_MESSAGES
from bot.staff.commands import ConsoleCommands
from bot.staff.delivery import PROBE_S, Delivery
from bot.staff.handlers import build_dispatcher
from bot.staff.public_actions import PublicActions
from bot.staff.setup import ConsoleSetup
from bot.staff.telegram import TelegramApi
from bot.staff.texts import Texts
from bot.staff.translation import StaffTranslation
from bot.staff.updates import UpdateLoop
from bot.staff.wording import mask_contacts
from bot.state.console import ConsoleStore
from bot.state.escalations import ControlStore, EscalationStore, Outbox
from bot.state.translations import TranslationStore
from bot.streams.desk import PublicDesk
from bot.translate import NoTranslator, Translator, build_translator
from bot.waiting import Backoff, wait_any
from bot.worker.metrics import Metrics
from bot.worker.staffops import StaffOps

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ConsoleParts:
    """What the console needs from the worker (App provides all of it)."""

    telegram: TelegramSettings
    shops: Mapping[str, ShopConfig]
    staff: StaffOps
    escalations: EscalationStore
    control: ControlStore
    outbox: Outbox
    store: ConsoleStore
    clock: Callable[[], datetime]
    warn_window: timedelta
    consumer: str
    poll_timeout_s: int = 25
    retry_first_s: float = 2.0
    read_block_ms: int = 1000
    """How long one outbox read waits for news; `stop()` waits at most this long for it."""
    lock_ttl_ms: int = 20_000
    """A console whose worker died is taken over by another within this plus `lock_renew_s`."""
    lock_renew_s: float = 5.0
    metrics: Metrics | None = None
    probe_s: float = PROBE_S
    """How often a staff chat that refuses the bot is tried again."""
    translate: TranslateSettings | None = None
    """Machine translation for staff (None or an empty URL: off)."""
    translations: TranslationStore | None = None
    """Where translations wait (both this and `translate` are needed for it to be on)."""
    public_desk: PublicDesk | None = None
    """What staff do with product question and review cards (None: such cards are shown
    from their notification but their buttons answer "out of date")."""


@dataclass
class StaffConsole:
    api: TelegramApi
    delivery: Delivery
    updates: UpdateLoop
    setup: ConsoleSetup
    outbox: Outbox
    store: ConsoleStore
    owner: str
    translation: StaffTranslation
    read_block_ms: int = 1000
    lock_ttl_ms: int = 20_000
    lock_renew_s: float = 5.0
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _leading: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def create(cls, parts: ConsoleParts) -> StaffConsole:
        token = parts.telegram.bot_token
        if token is None or not token.get_secret_value():
            raise ConfigError("TELEGRAM_BOT_TOKEN", "is required for the staff console")
        setup = ConsoleSetup.create(
            parts.telegram, parts.shops, warn_window=parts.warn_window, clock=parts.clock
        )
        api = TelegramApi(token.get_secret_value(), parts.telegram.api_url)
        translation = StaffTranslation(
            translator=_translator(parts),
            store=parts.translations,
            outbox=parts.outbox,
            staff_language=parts.telegram.language,
            shown_messages=SHOWN_MESSAGES,
        )
        actions = ConsoleActions(
            ops=parts.staff, store=parts.store, setup=setup, api=api, translation=translation
        )
        commands = ConsoleCommands(
            setup=setup, control=parts.control, escalations=parts.escalations
        )
        public = PublicActions(
            desk=parts.public_desk, store=parts.store, setup=setup, api=api, outbox=parts.outbox
        )
        delivery = Delivery(
            api=api,
            setup=setup,
            outbox=parts.outbox,
            escalations=parts.escalations,
            store=parts.store,
            consumer=parts.consumer,
            backoff=Backoff(first_s=parts.retry_first_s),
            metrics=parts.metrics,
            probe_s=parts.probe_s,
            alert_chat=parts.telegram.alert_chat_id,
            translation=translation,
            desk=parts.public_desk,
        )
        updates = UpdateLoop(
            api=api,
            dispatcher=build_dispatcher(setup, actions, commands, public),
            store=parts.store,
            poll_timeout_s=parts.poll_timeout_s,
            backoff=Backoff(first_s=parts.retry_first_s),
        )
        return cls(
            api=api,
            delivery=delivery,
            updates=updates,
            setup=setup,
            outbox=parts.outbox,
            store=parts.store,
            owner=parts.consumer,
            translation=translation,
            read_block_ms=parts.read_block_ms,
            lock_ttl_ms=parts.lock_ttl_ms,
            lock_renew_s=parts.lock_renew_s,
        )

    @property
    def leading(self) -> bool:
        """This worker holds the console lock (its loops run)."""
        return self._leading.is_set()

    async def health(self) -> dict[str, object]:
        """The console for `/healthz`, read from Redis (right on any worker): who runs it,
        the outbox, and the staff chats that cannot take messages; `ok` False when staff
        would get nothing (no consumer group, or the oldest notification waits too long)."""
        delivery = await self.delivery.health()
        return {
            **delivery.as_json(),
            "owner": await self.store.console_owner(),
            "leading_here": self.leading,
        }

    async def start(self) -> None:
        await self.outbox.ensure_group()
        self._stop.clear()
        delivery = self.delivery.run(self._stop, gate=self._leading, block_ms=self.read_block_ms)
        self._tasks = [
            asyncio.create_task(self._hold_lock(), name="staff console lock"),
            asyncio.create_task(delivery, name="staff delivery"),
            asyncio.create_task(
                self.updates.run(self._stop, gate=self._leading), name="staff updates"
            ),
            asyncio.create_task(self.translation.start(), name="translation engine probe"),
        ]
        log.info("staff console started for chats %s", sorted(self.setup.staff_chats))

    async def stop(self) -> None:
        self._stop.set()
        if self._tasks:
            await asyncio.gather(*self._tasks)
            self._tasks = []
        if self._leading.is_set():
            self._leading.clear()
            with contextlib.suppress(StateError):
                await self.store.release_console(self.owner)
        await self.translation.close()
        await self.api.close()
        log.info("staff console stopped")

    async def _hold_lock(self) -> None:
        while not self._stop.is_set():
            try:
                held = await self.store.hold_console(self.owner, self.lock_ttl_ms)
            except StateError as exc:
                log.warning("staff console lock unknown (%s): pausing the console", exc)
                held = False
            if held and not self._leading.is_set():
                log.info("this worker runs the staff console")
            if not held and self._leading.is_set():
                log.warning("another worker took over the staff console")
            if held:
                self._leading.set()
            else:
                self._leading.clear()
            await wait_any(self._stop, within_s=self.lock_renew_s)


def _translator(parts: ConsoleParts) -> Translator:
    """The configured engine, behind the same mask as the cards (phones, e-mails)."""
    if parts.translate is None or parts.translations is None:
        return NoTranslator()
    texts = Texts(parts.telegram.language)
    return build_translator(parts.translate, mask=lambda text: mask_contacts(text, texts))
