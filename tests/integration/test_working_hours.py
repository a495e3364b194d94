"""Working hours in the running worker: holding replies, drafts that send themselves, the digest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.dialogue.instant import InstantDialogue
from bot.models import Decision, Intent, Mode
from bot.sandbox.app import RunningSandbox
from bot.state.models import EscalationStatus
from tests.integration.worker_harness import MONDAY_NIGHT, Clock, Harness, build, shop


@pytest.fixture
async def night_drafts(
    sandbox: RunningSandbox,
    redis_prefix: str,
    redis: object,
    dialogue: InstantDialogue,
    clock: Clock,
) -> AsyncIterator[Harness]:
    """A shop that wants routine answers after hours as drafts, sent after 10 idle minutes."""
    drafty = shop(
        sandbox,
        modes={"working": {}, "after_hours": {Intent.DELIVERY_STATUS: Mode.DRAFT}},
        draft_auto_send_min=10,
    )
    clock.now = MONDAY_NIGHT
    h = build(sandbox, redis_prefix, dialogue, clock=clock, shops=(drafty,))
    await h.app.outbox.ensure_group()
    yield h
    await h.app.aclose()


async def test_after_hours_draft_waits_for_staff_then_sends_itself(night_drafts: Harness) -> None:
    h = night_drafts
    h.buyer("night-1", "где мой заказ?")
    await h.cycle()
    assert h.sent("night-1") == []
    [draft] = await h.app.escalations.list_open()
    assert draft.draft
    assert draft.suggested
    h.clock.now += timedelta(minutes=5)
    assert await h.app.drafts.run_once() == 0
    h.clock.now += timedelta(minutes=6)
    assert await h.app.drafts.run_once() == 1
    assert h.sent("night-1") == [draft.suggested]
    closed = await h.app.escalations.get(draft.id)
    assert closed is not None
    assert closed.status is EscalationStatus.RESOLVED
    assert await h.app.drafts.run_once() == 0


async def test_the_same_intent_is_answered_at_once_during_working_hours(
    night_drafts: Harness,
) -> None:
    h = night_drafts
    h.clock.now = MONDAY_NIGHT + timedelta(hours=10)  # Tuesday 09:30
    h.buyer("day-1", "где мой заказ?")
    await h.cycle()
    assert len(h.sent("day-1")) == 1


async def test_morning_digest_counts_the_night_and_lists_what_waits(harness: Harness) -> None:
    harness.clock.now = MONDAY_NIGHT
    harness.buyer("n-1", "где заказ?")
    harness.buyer("n-2", "где заказ?")
    harness.buyer("n-3", "позовите оператора")
    await harness.cycle()
    assert await harness.app.digests.run_once() == 0  # not at work yet
    harness.clock.now = MONDAY_NIGHT + timedelta(hours=9, minutes=35)  # Tuesday 09:05
    assert await harness.app.digests.run_once() == 1
    assert await harness.app.digests.run_once() == 0  # once per working day
    entries = await harness.app.outbox.read("test", count=100, block_ms=1)
    [digest] = [n for _, n in entries if n.kind == "digest"]
    assert digest.text is not None
    assert "Answered automatically: 2" in digest.text
    assert "Handed to people: 1" in digest.text
    assert "buyer asks for a person" in digest.text
    assert "Last 24 hours by stream:" in digest.text  # the App wires the public streams in
    assert "Product questions" in digest.text


async def test_records_of_the_night_are_replies_and_escalations(harness: Harness) -> None:
    harness.clock.now = MONDAY_NIGHT
    harness.buyer("n-4", "где заказ?")
    await harness.cycle()
    [record] = await harness.app.chats.recent_records("main", "n-4")
    assert record.decision is Decision.REPLY
