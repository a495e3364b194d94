"""The console inside the whole worker: `App` starts it with a token, and runs without one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from bot.app import App
from bot.config import Settings, TelegramSettings
from bot.dialogue.instant import InstantDialogue
from bot.sandbox.app import RunningSandbox
from bot.state.escalations import Outbox
from bot.state.keys import Keys
from bot.state.models import EscalationStatus
from bot.state.redis import Redis
from tests.fakes.telegram import FakeTelegram
from tests.integration.staff_harness import ANNA, STAFF_CHAT, TOKEN, wait_until
from tests.integration.worker_harness import Clock, settings


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram.running(TOKEN) as fake:
        yield fake


def app_with(sandbox: RunningSandbox, prefix: str, telegram: TelegramSettings) -> App:
    base = settings(sandbox, prefix, poll_interval_s=0.2)
    configured = Settings.model_validate({**dict(base), "telegram": telegram})
    # The scheduler runs on real time (its first poll is due at `clock()`): a real clock here.
    clock = Clock(datetime.now(UTC))
    return App.build(configured, dialogue=InstantDialogue(), clock=clock, worker_id="staff-test")


async def test_a_buyer_dispute_reaches_the_staff_chat_and_staff_take_over(
    sandbox: RunningSandbox, redis: Redis, redis_prefix: str, tg: FakeTelegram
) -> None:
    telegram = TelegramSettings(
        bot_token=SecretStr(TOKEN), api_url=tg.url, staff_chat_id=STAFF_CHAT
    )
    app = app_with(sandbox, redis_prefix, telegram)
    await app.start(http=False)
    try:
        assert app.scheduler is not None
        assert app.scheduler.get_job("sla") is not None
        sandbox.state.buyer_message("chat-app", "Товар пришел сломанный")
        await wait_until(lambda: tg.sent(STAFF_CHAT), within_s=20)
        card = tg.sent(STAFF_CHAT)[0]
        assert "Escalation: dispute" in card.text
        tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Take over"))
        await wait_until(lambda: "taken over by Anna" in card.text)
        (escalation,) = await app.escalations.list_open()
        assert escalation.status is EscalationStatus.TAKEN
    finally:
        await app.stop()


async def test_without_a_token_the_worker_runs_and_escalations_wait(
    sandbox: RunningSandbox, redis: Redis, redis_prefix: str, tg: FakeTelegram
) -> None:
    app = app_with(sandbox, redis_prefix, TelegramSettings(bot_token=None))
    await app.start(http=False)
    try:
        assert app.scheduler is not None
        assert app.scheduler.get_job("sla") is None
        sandbox.state.buyer_message("chat-wait", "Товар пришел сломанный")

        async def escalated() -> bool:
            return bool(await app.escalations.list_open())

        await wait_until(escalated, within_s=20)
    finally:
        await app.stop()
    assert tg.calls == []
    waiting = await Outbox(redis, Keys(redis_prefix)).read("later", count=10, block_ms=1)
    assert [n.kind for _, n in waiting] == ["escalation"]
