"""Delivery through the outbox: Telegram outages, retries, restarts, duplicates, deleted cards."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.errors import ConfigError
from bot.staff.console import StaffConsole
from bot.state.models import Notification
from bot.state.redis import Redis
from bot.worker.staffops import Staff
from tests.integration.staff_harness import (
    ANNA,
    STAFF_CHAT,
    TOKEN,
    StaffHarness,
    staff_harness,
    wait_until,
)

ANNA_STAFF = Staff(user_id=ANNA.id, name="Anna")


@pytest.fixture
async def h(redis: Redis, redis_prefix: str) -> AsyncIterator[StaffHarness]:
    async with staff_harness(redis, redis_prefix) as harness:
        yield harness


async def delivered(h: StaffHarness) -> None:
    """Every notification so far is delivered and acknowledged."""

    async def settled() -> bool:
        return await h.outbox.pending_count() == 0 and h.console is not None

    await wait_until(settled)


async def test_cards_wait_out_an_outage_and_are_posted_once(h: StaffHarness) -> None:
    await h.start_console()
    await h.tg.go_down()
    first = await h.escalate("chat-1", "Товар сломан")
    second = await h.escalate("chat-2", "Не тот размер")
    await h.tg.come_back()
    await h.card(first.id, within_s=20)
    await h.card(second.id, within_s=20)
    await delivered(h)
    assert len(h.cards()) == 2


async def test_server_errors_are_retried_until_the_card_is_posted(h: StaffHarness) -> None:
    h.tg.fail("sendMessage", "503", count=3)
    await h.start_console()
    escalation = await h.escalate("chat-3", "Товар сломан")
    await h.card(escalation.id, within_s=20)
    await delivered(h)
    assert len(h.tg.called("sendMessage")) == 4
    assert len(h.cards()) == 1


async def test_a_429_is_retried_no_sooner_than_telegram_asked(h: StaffHarness) -> None:
    h.tg.fail("sendMessage", "429", retry_after=1)
    await h.start_console()
    started = time.monotonic()
    escalation = await h.escalate("chat-4", "Товар сломан")
    await h.card(escalation.id, within_s=20)
    assert time.monotonic() - started >= 1.0
    assert len(h.cards()) == 1


async def test_a_notification_queued_twice_is_posted_once(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-5", "Товар сломан")
    duplicate = Notification(
        id=f"escalation:{escalation.id}:{escalation.buyer_messages[-1].message_id}",
        kind="escalation",
        shop="main",
        escalation_id=escalation.id,
        chat_id="chat-5",
    )
    await h.outbox.add(duplicate)
    await h.start_console()
    await h.card(escalation.id)
    await delivered(h)
    assert len(h.tg.called("sendMessage")) == 1


async def test_a_restart_during_an_outage_loses_nothing(h: StaffHarness) -> None:
    await h.start_console()
    await h.tg.go_down()
    escalation = await h.escalate("chat-6", "Товар сломан")
    await h.forward(escalation, "Алло?")
    await h.stop_console()
    await h.tg.come_back()
    await h.start_console()
    card = await h.card(escalation.id, within_s=20)
    await delivered(h)
    await wait_until(lambda: len(h.tg.replies_to(STAFF_CHAT, card.message_id)) == 1)
    assert len(h.cards()) == 1


async def test_a_request_telegram_refuses_is_skipped_and_the_rest_flows(
    h: StaffHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h.tg.fail("sendMessage", "400")
    await h.start_console()
    skipped = await h.escalate("chat-7", "Товар сломан")
    await wait_until(lambda: any("refused staff notification" in r.message for r in caplog.records))
    later = await h.escalate("chat-8", "Не тот размер")
    await h.card(later.id)
    assert (await h.current(skipped.id)).card_message_id is None
    # The skipped card appears with the next update of its escalation.
    await h.ops.take_over(skipped.id, ANNA_STAFF)
    await h.card(skipped.id)


async def test_a_deleted_card_is_posted_again(h: StaffHarness) -> None:
    await h.start_console()
    escalation = await h.escalate("chat-9", "Товар сломан")
    card = await h.card(escalation.id)
    del h.tg.messages[(STAFF_CHAT, card.message_id)]
    await h.ops.take_over(escalation.id, ANNA_STAFF)

    async def reposted() -> bool:
        current = await h.current(escalation.id)
        return current.card_message_id not in (None, card.message_id)

    await wait_until(reposted)
    assert "taken over by Anna" in (await h.card(escalation.id)).text


async def test_the_console_needs_a_token(h: StaffHarness) -> None:
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        StaffConsole.create(h.parts(bot_token=None))


async def test_every_shop_needs_a_staff_chat(h: StaffHarness) -> None:
    with pytest.raises(ConfigError, match="TELEGRAM_STAFF_CHAT_ID"):
        StaffConsole.create(h.parts(staff_chat_id=None))


async def test_neither_the_token_nor_buyer_text_reach_the_logs(
    h: StaffHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    buyer_text = "Секретный текст покупателя 4242"
    await h.start_console()
    await h.tg.go_down()
    escalation = await h.escalate("chat-10", buyer_text)
    await wait_until(lambda: any("wait" in r.getMessage() for r in caplog.records))
    await h.tg.come_back()
    card = await h.card(escalation.id, within_s=20)
    h.tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Take over"))
    asked = h.tg.say(STAFF_CHAT, ANNA, "ОТВЕТ КАПСОМ!!!", reply_to=card.message_id)
    await wait_until(lambda: h.tg.replies_to(STAFF_CHAT, asked))
    secret = TOKEN.partition(":")[2]
    formatter = logging.Formatter("%(name)s %(message)s")
    everything = "\n".join(formatter.format(r) for r in caplog.records)
    assert secret not in everything
    visible = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "4242" not in visible
    assert "КАПСОМ" not in visible


async def test_with_two_workers_one_runs_the_console_and_the_other_takes_over(
    h: StaffHarness,
) -> None:
    first = await h.start_console()
    await wait_until(lambda: first.leading)
    second = StaffConsole.create(replace(h.parts(), consumer="console-other"))
    await second.start()
    try:
        escalation = await h.escalate("chat-11", "Товар сломан")
        await h.card(escalation.id)
        assert not second.leading
        await h.stop_console()
        await wait_until(lambda: second.leading)
        later = await h.escalate("chat-12", "Не тот размер")
        await h.card(later.id)
    finally:
        await second.stop()
    assert len(h.cards()) == 2
