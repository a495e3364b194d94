"""SLA reminders with a controllable clock: re-announce, owner mention, urgent reply window."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from bot.staff.sla import SlaPolicy, SlaReminders
from bot.staff.texts import Texts
from bot.state.models import Escalation
from bot.state.redis import Redis
from bot.worker.staffops import Staff
from tests.fakes.telegram import Sent
from tests.integration.staff_harness import (
    MSK,
    STAFF_CHAT,
    Clock,
    StaffHarness,
    staff_harness,
    wait_until,
)

MONDAY_NIGHT = datetime(2026, 11, 23, 23, 30, tzinfo=MSK)


@pytest.fixture
async def h(redis: Redis, redis_prefix: str) -> AsyncIterator[StaffHarness]:
    async with staff_harness(redis, redis_prefix) as harness:
        await harness.start_console()
        yield harness


def reminders(h: StaffHarness) -> SlaReminders:
    policy = SlaPolicy(
        reannounce=timedelta(minutes=15),
        owner_after=timedelta(minutes=60),
        warn_window=timedelta(minutes=120),
        owner="owner_nick",
    )
    return SlaReminders(
        escalations=h.escalations,
        outbox=h.outbox,
        shops=h.shops,
        policy=policy,
        texts=Texts(),
        clock=h.clock,
    )


async def replies(h: StaffHarness, escalation: Escalation, count: int) -> list[Sent]:
    card = await h.card(escalation.id)
    await wait_until(lambda: len(h.tg.replies_to(STAFF_CHAT, card.message_id)) >= count)
    return h.tg.replies_to(STAFF_CHAT, card.message_id)


async def test_nothing_happens_before_the_first_step(h: StaffHarness) -> None:
    await h.escalate("chat-1", "Товар сломан")
    h.clock.advance(minutes=14)
    assert await reminders(h).run_once() == 0


async def test_an_unanswered_escalation_is_re_announced_once_per_step(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-2", "Товар сломан")
    h.clock.advance(minutes=16)
    assert await reminders(h).run_once() == 1
    assert await reminders(h).run_once() == 0  # a second scheduler, or a restart
    posted = await replies(h, escalation, 1)
    assert posted[0].text == "Still waiting for a person: dispute, 16 min."
    h.clock.advance(minutes=15)
    assert await reminders(h).run_once() == 1
    assert (await h.current(escalation.id)).reminders_sent == 2


async def test_re_announcements_stop_after_three(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-3", "Товар сломан")
    job = reminders(h)
    for _ in range(4):
        h.clock.advance(minutes=15)
        await job.run_once()
    current = await h.current(escalation.id)
    assert current.reminders_sent == 3
    assert current.owner_mentioned
    texts = [m.text for m in await replies(h, escalation, 4)]
    assert sum(t.startswith("Still waiting") for t in texts) == 3


async def test_the_owner_is_mentioned_once_after_the_second_step(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-4", "Товар сломан")
    h.clock.advance(minutes=61)
    job = reminders(h)
    assert await job.run_once() == 2
    assert await job.run_once() == 0
    texts = [m.text for m in await replies(h, escalation, 2)]
    assert "@owner_nick, this chat has waited 1 h 1 min without an answer (dispute)." in texts


async def test_a_taken_escalation_gets_no_reminders(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-5", "Товар сломан")
    await h.ops.take_over(escalation.id, Staff(user_id=101, name="Anna"))
    h.clock.advance(minutes=61)
    assert await reminders(h).run_once() == 0


async def test_a_closing_reply_window_makes_the_card_urgent_once(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-6", "Товар сломан")
    card = await h.card(escalation.id)
    await h.ops.take_over(escalation.id, Staff(user_id=101, name="Anna"))
    await h.ops.return_to_bot(escalation.id, None)
    fresh = await h.escalate("chat-7", "Где заказ?")
    h.clock.advance(hours=46, minutes=30)
    job = reminders(h)
    await job.run_once()
    fresh_card = await h.card(fresh.id)
    await wait_until(lambda: "URGENT" in fresh_card.text)
    urgent = [m.text for m in await replies(h, fresh, 1) if "reply window" in m.text]
    assert urgent == ["Ozon's reply window closes in 1 h 30 min. Answer now or it is lost."]
    assert "URGENT" not in card.text  # returned to the bot: no longer anybody's problem
    await job.run_once()
    assert (
        len([m for m in h.tg.replies_to(STAFF_CHAT, fresh_card.message_id) if "window" in m.text])
        == 1
    )


async def test_at_night_only_the_urgent_warning_fires(redis: Redis, redis_prefix: str) -> None:
    async with staff_harness(redis, redis_prefix, Clock(MONDAY_NIGHT)) as h:
        await h.start_console()
        escalation = await h.escalate("chat-8", "Товар сломан")
        h.clock.advance(hours=2)  # 01:30 on Tuesday: nobody is at work
        assert await reminders(h).run_once() == 0
        h.clock.advance(hours=45)  # Wednesday 22:30, the window closes at 23:30
        assert await reminders(h).run_once() == 1
        texts = [m.text for m in await replies(h, escalation, 1)]
        assert texts == ["Ozon's reply window closes in 1 h 0 min. Answer now or it is lost."]
        current = await h.current(escalation.id)
        assert current.reminders_sent == 0
        assert not current.owner_mentioned
