"""The staff console against a fake Telegram Bot API, the real Ozon emulator and real Redis.

The worker side is real too: escalations are opened by the worker's `Escalator` (so cards see
exactly what the worker writes), staff operations are the worker's `StaffOps` with the real
`Sender` and the real outbound guard. Only Rasa is replaced (`RecordingDialogue` records the
pause/resume calls a takeover makes).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from bot.config import ShopConfig, TelegramSettings, WorkingHours
from bot.dialogue.types import DialogueResult, TurnRequest
from bot.guard.outbound import OutboundGuard
from bot.models import Decision, EscalationReason, Language
from bot.ozon.client import OzonHttp
from bot.sandbox.app import RunningSandbox, serve
from bot.sandbox.state import SandboxState
from bot.staff.console import ConsoleParts, StaffConsole
from bot.state.chats import ChatStore
from bot.state.console import ConsoleStore
from bot.state.control import ControlQueue
from bot.state.escalations import ControlStore, EscalationStore, Outbox
from bot.state.keys import Keys
from bot.state.models import BuyerMessage, Escalation
from bot.state.redis import Redis
from bot.worker.decide import Plan
from bot.worker.escalate import Escalator
from bot.worker.metrics import Metrics
from bot.worker.send import Sender
from bot.worker.staffops import StaffOps
from tests.fakes.telegram import FakeTelegram, Sent, User

MSK = ZoneInfo("Europe/Moscow")
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=MSK)
TOKEN = "7000001:AAHsecretTOKENpart-for_tests_only42"  # noqa: S105  # the fake server's token
STAFF_CHAT = -1001234567890
ANNA = User(101, "Anna", "anna")
BORIS = User(102, "Boris")
MALLORY = User(666, "Mallory", "mallory")


@dataclass
class Clock:
    now: datetime = MONDAY_NOON

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class RecordingDialogue:
    """Stands in for Rasa: a takeover pauses the conversation there, a return resumes it."""

    paused: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)

    async def understand(self, request: TurnRequest) -> DialogueResult:
        raise AssertionError("the console never asks the dialogue to understand")

    async def pause(self, sender: str) -> None:
        self.paused.append(sender)

    async def resume(self, sender: str) -> None:
        self.resumed.append(sender)


@cache
def outbound_guard() -> OutboundGuard:
    return OutboundGuard.load()


def shop_config(sandbox: RunningSandbox, shop_id: str = "main") -> ShopConfig:
    return ShopConfig(
        id=shop_id,
        name="Test <Shop> & Co",
        client_id="100500",
        api_key=SecretStr("sandbox-key"),
        api_url=sandbox.url,
        hours=WorkingHours(timezone="Europe/Moscow"),
    )


@dataclass
class StaffHarness:
    tg: FakeTelegram
    sandbox: RunningSandbox
    redis: Redis
    keys: Keys
    clock: Clock
    http: OzonHttp
    shops: dict[str, ShopConfig]
    dialogue: RecordingDialogue = field(default_factory=RecordingDialogue)
    console: StaffConsole | None = None

    def __post_init__(self) -> None:
        self.escalations = EscalationStore(self.redis, self.keys)
        self.control = ControlStore(self.redis, self.keys)
        self.outbox = Outbox(self.redis, self.keys)
        self.store = ConsoleStore(self.redis, self.keys)
        self.chats = ChatStore(self.redis, self.keys, record_ttl_s=3600)
        self.escalator = Escalator(self.escalations, self.control, self.outbox)
        clients = {
            shop.id: self.http.client(
                base_url=shop.api_url,
                client_id=shop.client_id,
                api_key=shop.api_key.get_secret_value(),
                read_retries=1,
            )
            for shop in self.shops.values()
        }
        guard = outbound_guard()
        sender = Sender(clients, guard, self.control, Metrics(), blocked_retention_s=3600)
        self.ops = StaffOps(
            escalations=self.escalations,
            control=self.control,
            chats=self.chats,
            outbox=self.outbox,
            queue=ControlQueue(self.redis, self.keys),
            sender=sender,
            fixer=guard,
            dialogue=self.dialogue,
            clients=clients,
            sender_id=lambda shop, chat: f"{self.keys.prefix}:{shop}:{chat}",
            takeover_timeout=timedelta(minutes=120),
            clock=self.clock,
        )

    # --- the console --------------------------------------------------------------------

    def telegram_settings(self, **overrides: object) -> TelegramSettings:
        values: dict[str, object] = {
            "bot_token": SecretStr(TOKEN),
            "api_url": self.tg.url,
            "staff_chat_id": STAFF_CHAT,
            "staff_user_ids": frozenset({ANNA.id, BORIS.id}),
            "owner_username": "owner_nick",
            "language": Language.EN,
            **overrides,
        }
        return TelegramSettings.model_validate(values)

    def parts(self, **telegram: object) -> ConsoleParts:
        return ConsoleParts(
            telegram=self.telegram_settings(**telegram),
            shops=self.shops,
            staff=self.ops,
            escalations=self.escalations,
            control=self.control,
            outbox=self.outbox,
            store=self.store,
            clock=self.clock,
            warn_window=timedelta(minutes=120),
            consumer="console-test",
            poll_timeout_s=2,
            retry_first_s=0.2,
            read_block_ms=100,
            lock_ttl_ms=1000,
            lock_renew_s=0.2,
        )

    async def start_console(self, **telegram: object) -> StaffConsole:
        self.console = StaffConsole.create(self.parts(**telegram))
        await self.console.start()
        return self.console

    async def stop_console(self) -> None:
        if self.console is not None:
            await self.console.stop()
            self.console = None

    # --- the worker side ------------------------------------------------------------------

    async def escalate(
        self,
        chat_id: str,
        text: str,
        reason: EscalationReason | None = EscalationReason.DISPUTE,
        *,
        suggested: str | None = None,
        intent: str | None = "defective_item",
        facts: dict[str, str] | None = None,
        evidence: tuple[str, ...] = (),
        shop: str = "main",
    ) -> Escalation:
        """A buyer writes and the worker hands the chat to people (reason None: a draft)."""
        message_id = self.sandbox.state.buyer_message(chat_id, text)
        message = BuyerMessage(
            shop=shop,
            chat_id=chat_id,
            message_id=str(message_id),
            created_at=self.clock(),
            text=text,
            seen_at=self.clock(),
        )
        decision = Decision.DRAFT if reason is None else Decision.ESCALATE
        plan = Plan(decision, reason=reason, suggested=suggested)
        escalation = await self.escalator.escalate(
            [message],
            plan,
            intent=intent,
            confidence=0.91 if intent else None,
            facts=facts or {},
            evidence=evidence,
        )
        # In the test's world the escalation was opened now, by the test clock.
        changed = await self.escalations.mutate(
            escalation.id, lambda e: e.model_copy(update={"created_at": self.clock()})
        )
        assert changed is not None
        return changed

    async def forward(self, escalation: Escalation, text: str) -> None:
        message_id = self.sandbox.state.buyer_message(escalation.chat_id, text)
        message = BuyerMessage(
            shop=escalation.shop,
            chat_id=escalation.chat_id,
            message_id=str(message_id),
            created_at=self.clock(),
            text=text,
        )
        await self.escalator.forward(escalation, [message])

    # --- looking at things ------------------------------------------------------------------

    async def current(self, escalation_id: str) -> Escalation:
        escalation = await self.escalations.get(escalation_id)
        assert escalation is not None
        return escalation

    async def card(self, escalation_id: str, within_s: float = 10.0) -> Sent:
        """The escalation's card in the staff chat, once it is there."""
        found: list[Sent] = []

        async def posted() -> bool:
            escalation = await self.current(escalation_id)
            if escalation.card_message_id is None:
                return False
            found[:] = [self.tg.messages[(STAFF_CHAT, escalation.card_message_id)]]
            return True

        await wait_until(posted, within_s)
        return found[0]

    def sent_to_buyer(self, chat_id: str) -> list[str]:
        return [s.text for s in self.sandbox.state.sent if s.chat_id == chat_id]

    def cards(self) -> list[Sent]:
        """Bot messages in the staff chat that carry an escalation id line (cards)."""
        return [m for m in self.tg.sent(STAFF_CHAT) if "<code>main-" in m.text]


async def wait_until(condition: Callable[[], object], within_s: float = 10.0) -> None:
    """Poll `condition` (a callable returning a bool or an awaitable bool) until it holds."""
    deadline = time.monotonic() + within_s
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def staff_harness(
    redis: Redis, prefix: str, clock: Clock | None = None
) -> AsyncIterator[StaffHarness]:
    clock = clock or Clock()
    async with (
        FakeTelegram.running(TOKEN) as tg,
        serve(SandboxState(), clock=clock) as sandbox,
        OzonHttp(timeout_s=3.0) as http,
    ):
        shops = {"main": shop_config(sandbox)}
        harness = StaffHarness(tg, sandbox, redis, Keys(prefix), clock, http, shops)
        await harness.outbox.ensure_group()
        try:
            yield harness
        finally:
            await harness.stop_console()
