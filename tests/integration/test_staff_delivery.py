"""Delivery through the outbox: Telegram outages, retries, restarts, duplicates, deleted cards,
staff chats that refuse the bot or ask it to wait, and a Redis that lost its data."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.errors import ConfigError
from bot.staff.console import StaffConsole
from bot.state.keys import OUTBOX_GROUP
from bot.state.models import Notification
from bot.state.redis import Redis, connect
from bot.worker.staffops import Staff
from tests.fakes.telegram import Sent
from tests.integration.staff_harness import (
    ANNA,
    STAFF_CHAT,
    TOKEN,
    StaffHarness,
    shop_config,
    staff_harness,
    wait_until,
)

ANNA_STAFF = Staff(user_id=ANNA.id, name="Anna")
NORTH_CHAT = -1009876543210
"""The second shop's own staff chat."""


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


# --- one staff chat's trouble stays with that chat ---------------------------------------------


def add_north_shop(h: StaffHarness) -> None:
    """A second shop whose cards go to its own staff chat."""
    h.shops["north"] = shop_config(h.sandbox, "north").model_copy(
        update={"staff_chat_id": NORTH_CHAT}
    )


async def start_two_shops(h: StaffHarness, *, probe_s: float = 300.0) -> StaffConsole:
    add_north_shop(h)
    h.console = StaffConsole.create(replace(h.parts(), probe_s=probe_s))
    await h.console.start()
    return h.console


async def card_in(h: StaffHarness, chat: int, escalation_id: str, within_s: float = 10.0) -> Sent:
    found: list[Sent] = []

    async def posted() -> bool:
        escalation = await h.current(escalation_id)
        message = h.tg.messages.get((chat, escalation.card_message_id or 0))
        if message is not None:
            found.append(message)
        return message is not None

    await wait_until(posted, within_s)
    return found[-1]


def sample(console: StaffConsole, name: str, **labels: str) -> float:
    value = console.delivery.metrics.registry.get_sample_value(name, labels)
    return value or 0.0


def cards_of(h: StaffHarness, chat: int, escalation_id: str) -> list[Sent]:
    return [m for m in h.tg.sent(chat) if f"<code>{escalation_id}</code>" in m.text]


async def test_a_kicked_staff_chat_is_parked_and_the_other_shop_still_gets_its_cards(
    h: StaffHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h.tg.kick(NORTH_CHAT)
    console = await start_two_shops(h)
    blocked = await h.escalate("chat-20", "Товар сломан", shop="north")
    await wait_until(lambda: h.tg.refusals.get(NORTH_CHAT))
    started = time.monotonic()
    flowing = await h.escalate("chat-21", "Не тот размер")
    await h.card(flowing.id, within_s=3)
    assert time.monotonic() - started < 3
    alert = next(m for m in h.tg.sent(STAFF_CHAT) if "cannot write to staff chat" in m.text)
    assert str(NORTH_CHAT) in alert.text
    assert "bot was kicked" in alert.text
    assert any(
        r.levelno == logging.ERROR and "refuses the bot" in r.message for r in caplog.records
    )
    assert (
        sample(console, "ozonbot_telegram_refusals_total", chat=str(NORTH_CHAT), reason="forbidden")
        == 1
    )
    health = await console.delivery.health()
    assert [(p.chat, p.held) for p in health.parked] == [(NORTH_CHAT, 1)]
    assert "bot was kicked" in health.parked[0].reason
    assert (await h.current(blocked.id)).card_message_id is None


async def test_a_parked_chat_gets_what_waited_in_order_and_once_when_it_works_again(
    h: StaffHarness,
) -> None:
    h.tg.kick(NORTH_CHAT)
    console = await start_two_shops(h, probe_s=0.5)
    first = await h.escalate("chat-22", "Товар сломан", shop="north")
    second = await h.escalate("chat-23", "Не тот размер", shop="north")
    await h.forward(first, "Алло?")
    await wait_until(
        lambda: (
            console.delivery.metrics.registry.get_sample_value(
                "ozonbot_telegram_parked", {"chat": str(NORTH_CHAT)}
            )
            == 1
        )
    )
    await asyncio.sleep(1.2)  # two probe intervals: a slow re-probe, not a retry loop
    assert 2 <= len(h.tg.refusals[NORTH_CHAT]) <= 4
    h.tg.readmit(NORTH_CHAT)
    card_one = await card_in(h, NORTH_CHAT, first.id)
    card_two = await card_in(h, NORTH_CHAT, second.id)
    await wait_until(lambda: h.tg.replies_to(NORTH_CHAT, card_one.message_id))
    assert card_one.message_id < card_two.message_id
    assert len(cards_of(h, NORTH_CHAT, first.id)) == len(cards_of(h, NORTH_CHAT, second.id)) == 1
    assert len(h.tg.replies_to(NORTH_CHAT, card_one.message_id)) == 1
    health = await console.delivery.health()
    assert health.parked == ()
    assert health.held == 0
    assert any("takes the bot's messages again" in m.text for m in h.tg.sent(STAFF_CHAT))


async def test_a_chat_that_does_not_exist_is_parked_like_a_kicked_one(h: StaffHarness) -> None:
    h.tg.lose(NORTH_CHAT)
    console = await start_two_shops(h, probe_s=0.5)
    lost = await h.escalate("chat-24", "Товар сломан", shop="north")
    flowing = await h.escalate("chat-25", "Не тот размер")
    await h.card(flowing.id, within_s=3)
    health = await console.delivery.health()
    assert [p.chat for p in health.parked] == [NORTH_CHAT]
    assert "chat not found" in health.parked[0].reason
    assert any("chat not found" in m.text for m in h.tg.sent(STAFF_CHAT))
    h.tg.readmit(NORTH_CHAT)  # the configuration was corrected
    await card_in(h, NORTH_CHAT, lost.id)


async def test_the_alert_goes_to_the_alert_chat_when_one_is_set(h: StaffHarness) -> None:
    owner_chat = 555001
    h.tg.kick(NORTH_CHAT)
    add_north_shop(h)
    h.console = StaffConsole.create(h.parts(alert_chat_id=owner_chat))
    await h.console.start()
    await h.escalate("chat-26", "Товар сломан", shop="north")
    await wait_until(lambda: h.tg.sent(owner_chat))
    assert "cannot write to staff chat" in h.tg.sent(owner_chat)[0].text
    assert not any("cannot write" in m.text for m in h.tg.sent(STAFF_CHAT))


async def test_what_waits_for_a_parked_chat_survives_a_restart_and_is_posted_once(
    h: StaffHarness,
) -> None:
    h.tg.kick(NORTH_CHAT)
    await start_two_shops(h, probe_s=0.3)
    escalation = await h.escalate("chat-27", "Товар сломан", shop="north")
    await wait_until(lambda: h.tg.refusals.get(NORTH_CHAT))
    await h.stop_console()
    h.tg.readmit(NORTH_CHAT)
    await start_two_shops(h, probe_s=0.3)
    await card_in(h, NORTH_CHAT, escalation.id)
    await delivered(h)
    await asyncio.sleep(0.5)
    assert len(cards_of(h, NORTH_CHAT, escalation.id)) == 1


async def test_a_429_for_one_chat_delays_only_that_chat(h: StaffHarness) -> None:
    h.tg.throttle(NORTH_CHAT, 3)
    console = await start_two_shops(h)
    started = time.monotonic()
    slowed = await h.escalate("chat-28", "Товар сломан", shop="north")
    await wait_until(lambda: h.tg.refusals.get(NORTH_CHAT))
    flowing = await h.escalate("chat-29", "Не тот размер")
    await h.card(flowing.id, within_s=1.5)
    assert time.monotonic() - started < 2
    await card_in(h, NORTH_CHAT, slowed.id)
    assert time.monotonic() - started >= 2.9
    assert h.tg.refusals[NORTH_CHAT] == [429]  # retried once, after the time Telegram asked
    assert (
        sample(
            console, "ozonbot_telegram_refusals_total", chat=str(NORTH_CHAT), reason="rate_limited"
        )
        == 1
    )
    assert (await console.delivery.health()).parked == ()


# --- Redis data loss -------------------------------------------------------------------------


async def test_a_deleted_consumer_group_is_recreated_and_delivery_goes_on(
    h: StaffHarness, caplog: pytest.LogCaptureFixture
) -> None:
    console = await h.start_console()
    before = await h.escalate("chat-30", "Товар сломан")
    await h.card(before.id)
    await h.redis.xgroup_destroy(h.keys.outbox, OUTBOX_GROUP)
    after = await h.escalate("chat-31", "Не тот размер")
    await h.card(after.id, within_s=10)
    assert sample(console, "ozonbot_state_lost_total", structure="outbox consumer group") == 1
    assert any(
        "outbox consumer group" in r.message and r.levelno == logging.ERROR for r in caplog.records
    )
    assert (await console.delivery.health()).outbox.group


async def test_health_reports_a_missing_group_and_the_oldest_undelivered_entry(
    h: StaffHarness,
) -> None:
    console = StaffConsole.create(h.parts())
    h.console = console
    await h.escalate("chat-32", "Товар сломан")  # nobody delivers: the console is not started
    await asyncio.sleep(1.1)
    health = await console.delivery.health(stall_s=1.0)
    assert health.outbox.group
    assert health.outbox.unread == 1
    assert health.outbox.oldest_age_s is not None
    assert health.outbox.oldest_age_s >= 1.0
    assert not health.ok
    assert "oldest staff notification waits" in health.problems[0]
    await h.redis.delete(h.keys.outbox)
    health = await console.delivery.health()
    assert not health.outbox.group
    assert not health.ok
    assert health.as_json()["problems"] == ["outbox consumer group missing"]


@pytest.fixture
async def own_redis() -> AsyncIterator[Redis]:
    """A Redis server of this test's own, so it can be flushed without touching anyone else's."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = await asyncio.create_subprocess_exec(
        "redis-server",
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        stdout=asyncio.subprocess.DEVNULL,
    )
    client = connect(f"redis://127.0.0.1:{port}/0")
    try:
        await wait_until(lambda: _answers(client), within_s=5)
        yield client
    finally:
        await client.aclose()
        server.terminate()
        await server.wait()


async def _answers(client: Redis) -> bool:
    with contextlib.suppress(Exception):
        return bool(await client.ping())
    return False


async def test_after_flushall_new_cards_are_delivered_and_the_loss_is_counted(
    own_redis: Redis, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with staff_harness(own_redis, redis_prefix) as h:
        console = await h.start_console()
        before = await h.escalate("chat-33", "Товар сломан")
        await h.card(before.id)
        await own_redis.flushall()
        after = await h.escalate("chat-34", "Не тот размер")
        await h.card(after.id, within_s=10)
        assert sample(console, "ozonbot_state_lost_total", structure="outbox consumer group") == 1
        assert any("outbox consumer group" in r.message for r in caplog.records)
        assert len(h.cards()) == 2
