"""/queue /stats /pause /resume /mode /help in the staff chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.models import EscalationReason, Mode
from bot.state.redis import Redis
from tests.fakes.telegram import Sent
from tests.integration.staff_harness import (
    ANNA,
    MALLORY,
    STAFF_CHAT,
    StaffHarness,
    shop_config,
    staff_harness,
    wait_until,
)


@pytest.fixture
async def h(redis: Redis, redis_prefix: str) -> AsyncIterator[StaffHarness]:
    async with staff_harness(redis, redis_prefix) as harness:
        yield harness


async def command(h: StaffHarness, text: str) -> Sent:
    if h.console is None:
        await h.start_console()
    asked = h.tg.say(STAFF_CHAT, ANNA, text)
    await wait_until(lambda: h.tg.replies_to(STAFF_CHAT, asked))
    return h.tg.replies_to(STAFF_CHAT, asked)[-1]


async def test_queue_lists_open_escalations_oldest_first_with_links(h: StaffHarness) -> None:
    await h.start_console()
    older = await h.escalate("chat-1", "Товар сломан")
    h.clock.advance(minutes=30)
    newer = await h.escalate("chat-2", "Позовите человека", EscalationReason.HUMAN_REQUEST)
    older_card, newer_card = await h.card(older.id), await h.card(newer.id)
    lines = (await command(h, "/queue")).text.splitlines()
    assert lines[1].startswith("30 min \u00b7 Test &lt;Shop&gt; &amp; Co \u00b7 dispute")
    assert lines[2].startswith("0 min")
    assert "buyer asks for a person" in lines[2]
    assert f"https://t.me/c/1234567890/{older_card.message_id}" in lines[1]
    assert f"https://t.me/c/1234567890/{newer_card.message_id}" in lines[2]


async def test_queue_says_when_nothing_is_open(h: StaffHarness) -> None:
    assert (await command(h, "/queue")).text == "No open escalations."


async def test_stats_shows_todays_counters(h: StaffHarness) -> None:
    day = h.clock().date().isoformat()
    fields = ["handled", "decision:reply", "handled", "decision:escalate", "escalated:dispute"]
    for field in fields:
        await h.control.count("main", day, field)
    await h.control.count("main", day, "blocked:caps")
    text = (await command(h, "/stats")).text
    assert "Buyer turns handled: 2" in text
    assert "Answered automatically: 1" in text
    assert "dispute: 1" in text
    assert "shouting in capitals: 1" in text  # rules in words (issue 16)


async def test_pause_and_resume_flip_the_kill_switch(h: StaffHarness) -> None:
    assert "paused" in (await command(h, "/pause")).text
    assert await h.control.shop_paused("main")
    assert "(paused" in (await command(h, "/mode")).text
    assert "resumed" in (await command(h, "/resume")).text
    assert not await h.control.shop_paused("main")


async def test_mode_for_a_duration_sets_an_override_that_ends(h: StaffHarness) -> None:
    answer = await command(h, "/mode draft for 2h")
    override = await h.control.mode_override("main")
    assert override is not None
    assert override.mode is Mode.DRAFT
    assert override.until == h.clock() + timedelta(hours=2)
    assert override.by == "Anna"
    assert "mode draft until 14:00" in answer.text
    assert "draft until 14:00" in (await command(h, "/mode")).text


async def test_mode_until_a_time_means_the_next_such_time(h: StaffHarness) -> None:
    await command(h, "/mode off until 09:30")
    override = await h.control.mode_override("main")
    assert override is not None
    assert override.mode is Mode.OFF
    assert override.until == (h.clock() + timedelta(days=1)).replace(hour=9, minute=30)


async def test_mode_reset_removes_the_override(h: StaffHarness) -> None:
    await command(h, "/mode auto")
    assert (await h.control.mode_override("main")) is not None
    assert "removed" in (await command(h, "/mode reset")).text
    assert await h.control.mode_override("main") is None
    assert "the shop's settings" in (await command(h, "/mode")).text


async def test_mode_with_nonsense_answers_with_the_usage(h: StaffHarness) -> None:
    assert (await command(h, "/mode fast")).text.startswith("Usage: /mode")
    assert "Cannot read the time" in (await command(h, "/mode auto until 25:99")).text
    assert await h.control.mode_override("main") is None


async def test_with_several_shops_pause_needs_the_shop(h: StaffHarness) -> None:
    h.shops["second"] = shop_config(h.sandbox, "second")
    assert "name one of main, second" in (await command(h, "/pause")).text
    await command(h, "/pause second")
    assert await h.control.shop_paused("second")
    assert not await h.control.shop_paused("main")
    assert "Unknown shop" in (await command(h, "/pause third")).text


async def test_help_lists_the_commands(h: StaffHarness) -> None:
    text = (await command(h, "/help")).text
    for name in ("/queue", "/stats", "/pause", "/resume", "/mode", "/cancel"):
        assert name in text


async def test_a_stranger_gets_no_command_answers(h: StaffHarness) -> None:
    await h.start_console()
    h.tg.say(STAFF_CHAT, MALLORY, "/pause")
    h.tg.say(-100999, ANNA, "/pause")
    await wait_until(lambda: h.tg.pending_updates == 0)
    await command(h, "/help")
    assert not await h.control.shop_paused("main")
    assert len(h.tg.sent()) == 1
