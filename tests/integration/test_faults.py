"""Fault drills at the worker's level: a lost lock, a poisoned chat, a kicked key, a 429 on
send, data loss, a Rasa that was down when staff returned a chat, and two sends of one draft.

The worker runs against the real emulator and real Redis, with an instant dialogue that can be
slowed down or broken. What survives is stated per test: no reply doubled, no message lost, no
shop frozen. The black-box versions with `ozonbot run` processes are in tests/drills/.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.dialogue.instant import InstantDialogue
from bot.dialogue.types import DialogueResult, TurnRequest
from bot.errors import LostLockError, RasaUnavailableError
from bot.models import Decision, EscalationReason, Mode
from bot.sandbox.app import RunningSandbox
from bot.sandbox.state import Fault
from bot.state.chats import ChatLock
from bot.state.escalations import ModeOverride
from bot.state.models import PendingSend, TurnRecord
from bot.state.redis import Redis
from bot.worker.staffops import Staff
from tests.integration.worker_harness import Harness, build, settings, shop


class SlowDialogue(InstantDialogue):
    """Answers like the instant dialogue, after `delay_s`; can be made to fail."""

    def __init__(self) -> None:
        super().__init__()
        self.delay_s = 0.0
        self.down = False

    async def understand(self, request: TurnRequest) -> DialogueResult:
        await asyncio.sleep(self.delay_s)
        return await super().understand(request)

    async def resume(self, sender: str) -> None:
        if self.down:
            raise RasaUnavailableError("connection refused")
        await super().resume(sender)


@pytest.fixture
def slow() -> SlowDialogue:
    return SlowDialogue()


@pytest.fixture
async def h(
    sandbox: RunningSandbox, redis_prefix: str, redis: object, slow: SlowDialogue, clock: object
) -> AsyncIterator[Harness]:
    harness = build(sandbox, redis_prefix, slow, clock=clock)  # type: ignore[arg-type]
    await harness.app.outbox.ensure_group()
    yield harness
    await harness.app.aclose()


async def _records(h: Harness, chat: str) -> list[TurnRecord]:
    return await h.app.chats.recent_records("main", chat)


async def test_a_worker_whose_lock_was_deleted_mid_turn_never_sends(
    h: Harness, slow: SlowDialogue
) -> None:
    """The keeper sees the lock gone and cancels the turn before the send; the chat stays
    queued with its message, and the next owner answers it once."""
    h.buyer("chat-1", "где заказ?")
    await h.app.poll_once()
    slow.delay_s = 12.0  # longer than one renewal period (10 s)
    turn = asyncio.create_task(h.app.processor.process("main", "chat-1"))
    await asyncio.sleep(0.5)
    await h.app.redis.delete(h.app.keys.chat_lock("main", "chat-1"))
    outcome = await turn
    assert outcome.result == "busy"
    assert h.sent("chat-1") == []
    assert len(await h.app.chats.inbox("main", "chat-1")) == 1
    slow.delay_s = 0.0
    await h.app.chats.enqueue("main", "chat-1")
    await h.app.drain()
    assert len(h.sent("chat-1")) == 1


async def test_the_sending_mark_is_refused_to_a_worker_that_lost_the_lock(h: Harness) -> None:
    """Fencing: a stale token cannot record a send (and so cannot reach Ozon)."""
    h.buyer("chat-2", "где заказ?")
    await h.app.poll_once()
    stale = ChatLock("main", "chat-2", "not-the-token")
    record = TurnRecord(
        shop="main", chat_id="chat-2", message_ids=("1",), text="x", decision=Decision.REPLY
    )
    pending = PendingSend(message_ids=("1",), text="x", started_at=h.clock(), record=record)
    with pytest.raises(LostLockError):
        await h.app.chats.mark_sending(stale, pending)
    assert await h.app.chats.pending_send("main", "chat-2") is None


async def test_a_stale_send_record_never_takes_a_new_message_with_it(h: Harness) -> None:
    """A send record left by a worker that lost its chat names messages another worker has
    handled since; when the buyer writes again, the new message is answered, not trimmed."""
    first = h.buyer("chat-3", "где заказ?")
    await h.cycle()
    assert len(h.sent("chat-3")) == 1
    record = TurnRecord(
        shop="main", chat_id="chat-3", message_ids=(first,), text="x", decision=Decision.REPLY
    )
    stale = PendingSend(message_ids=(first,), text="old", started_at=h.clock(), record=record)
    await h.app.redis.set(h.app.keys.pending_send("main", "chat-3"), stale.model_dump_json())
    h.buyer("chat-3", "а когда привезут?")
    await h.cycle()
    assert len(h.sent("chat-3")) == 2
    assert await h.app.chats.inbox("main", "chat-3") == []


async def test_a_429_on_send_keeps_the_decision_and_rasa_sees_the_turn_once(
    h: Harness, slow: SlowDialogue
) -> None:
    h.buyer("chat-4", "где заказ?")
    h.sandbox.state.add_fault("/v1/chat/send/message", Fault(kind="429", remaining=1))
    await h.cycle()
    assert h.sent("chat-4") == []
    await h.app.chats.enqueue("main", "chat-4")
    await h.app.drain()
    assert len(h.sent("chat-4")) == 1
    assert len(slow.turns) == 1


async def test_a_blank_message_goes_to_people_at_once_without_rasa(
    h: Harness, slow: SlowDialogue
) -> None:
    h.buyer("chat-5", "   ")
    await h.cycle()
    [record] = await _records(h, "chat-5")
    assert (record.decision, record.reason) == (Decision.ESCALATE, EscalationReason.UNKNOWN)
    assert "empty message" in (record.detail or "")
    assert slow.turns == []


async def test_a_cut_emoji_in_a_message_is_read_not_fatal(h: Harness) -> None:
    """A lone UTF-16 surrogate (half an emoji) cannot be encoded; it becomes U+FFFD."""
    h.buyer("chat-6", "где заказ? \ud83d")
    await h.cycle()
    assert len(h.sent("chat-6")) == 1


async def test_a_chat_whose_history_cannot_be_read_is_quarantined_and_the_rest_go_on(
    h: Harness,
) -> None:
    h.buyer("chat-7", "где заказ?")
    h.buyer("chat-8", "где заказ?")
    h.sandbox.state.add_fault("/v3/chat/history", Fault(kind="malformed", remaining=1000))
    # every history call fails: no chat is readable, but the shop's poll itself goes on
    for _ in range(3):
        await h.cycle()
    h.sandbox.state.faults.clear()
    assert (await h.app.chats.cursor_and_quarantine("main", "chat-7"))[1]
    assert (await h.app.chats.cursor_and_quarantine("main", "chat-8"))[1]
    open_ids = await h.app.escalations.open_ids()
    assert len(open_ids) == 2
    escalation = await h.app.escalations.get(open_ids[0])
    assert escalation is not None
    assert escalation.reason is EscalationReason.SYSTEM
    h.buyer("chat-9", "где заказ?")
    await h.cycle()
    assert len(h.sent("chat-9")) == 1  # the shop still works


async def test_a_refused_key_on_one_shop_leaves_the_other_shop_served(
    sandbox: RunningSandbox, redis_prefix: str, redis: object, slow: SlowDialogue
) -> None:
    shops = (shop(sandbox), shop(sandbox, "second", client_id="200600"))
    harness = build(
        sandbox,
        redis_prefix,
        slow,
        make_settings=lambda sb, prefix, **w: settings(sb, prefix, shops=shops, **w),
    )
    await harness.app.outbox.ensure_group()
    try:
        invalid_key = Fault(
            kind="custom",
            remaining=1000,
            status=404,
            body='{"code": 5, "message": "Invalid Api-Key, please check the key and try again"}',
        )
        harness.sandbox.state.add_fault("/v3/chat/list", invalid_key)
        harness.sandbox.state.buyer_message("chat-b", "где заказ?", client_id="200600")
        await harness.app.poll_job("main")
        await harness.app.poll_job("main")
        assert harness.app.poller.problem("main") is not None
        harness.sandbox.state.faults.clear()
        report = await harness.app.poller.poll_shop("second")
        assert report.new_messages == 1
        notices = [n for _, n in await harness.app.outbox.read("t", count=50, block_ms=1)]
        assert [n.kind for n in notices if n.shop == "main"] == ["notice"]  # told once
    finally:
        await harness.app.aclose()


async def test_a_resume_that_failed_while_rasa_was_down_is_retried_and_healed(
    h: Harness, slow: SlowDialogue
) -> None:
    """Staff return a chat while Rasa is down: the resume waits in the control queue, and a
    buyer who writes meanwhile is answered (the turn heals the paused conversation)."""
    h.buyer("chat-10", "товар пришел сломанный")
    await h.cycle()
    [escalation_id] = await h.app.escalations.open_ids()
    staff = Staff(user_id=1, name="Анна")
    await h.app.staff.take_over(escalation_id, staff)
    slow.down = True
    await h.app.staff.return_to_bot(escalation_id, staff)
    assert await h.app.staff.run_control_once() == 0  # still down: kept
    slow.down = False
    h.buyer("chat-10", "а где мой заказ?")
    await h.cycle()
    assert len(h.sent("chat-10")) >= 1
    assert h.sent("chat-10")[-1].startswith("Спасибо")


async def test_one_draft_is_sent_once_when_a_tap_and_the_timer_race(
    sandbox: RunningSandbox, redis_prefix: str, redis: object, slow: SlowDialogue
) -> None:
    harness = build(sandbox, redis_prefix, slow)
    await harness.app.outbox.ensure_group()
    try:
        await harness.app.control.set_mode_override("main", ModeOverride(mode=Mode.DRAFT))
        harness.buyer("chat-11", "где заказ?")
        await harness.cycle()
        [escalation_id] = await harness.app.escalations.open_ids()
        staff = Staff(user_id=1, name="Анна")
        results = await asyncio.gather(
            harness.app.staff.send_suggested(escalation_id, staff),
            harness.app.staff.send_suggested(escalation_id, None),
            harness.app.staff.send_suggested(escalation_id, staff),
        )
        assert sum(r.sent for r in results) == 1
        assert len(harness.sent("chat-11")) == 1
    finally:
        await harness.app.aclose()


async def test_after_data_loss_a_chat_people_were_handling_is_not_answered(
    h: Harness, redis: Redis
) -> None:
    h.buyer("chat-12", "товар пришел сломанный")
    await h.cycle()
    [escalation_id] = await h.app.escalations.open_ids()
    await h.app.staff.take_over(escalation_id, Staff(user_id=1, name="Анна"))
    await h.app.watch.start()
    state = h.sandbox.state.shop_for_control(None)
    h.sandbox.state.send(state, "chat-12", "Здравствуйте, разбираемся.")
    keys = [k async for k in redis.scan_iter(match=f"{h.app.keys.prefix}:*")]
    await redis.delete(*keys)  # what a FLUSHALL does to this deployment
    assert await h.app.watch.check()
    await h.app.outbox.ensure_group()
    before = h.sent("chat-12")
    h.buyer("chat-12", "где мой заказ?")
    await h.cycle()
    assert h.sent("chat-12") == before  # nothing more was sent to the buyer
    [record] = await _records(h, "chat-12")
    assert record.reason is EscalationReason.SYSTEM


async def test_every_per_chat_key_expires_except_the_work_still_owed(h: Harness) -> None:
    h.buyer("chat-13", "где заказ?")
    h.buyer("chat-14", "товар пришел сломанный")
    await h.cycle()
    prefix = f"{h.app.keys.prefix}:chat:"
    async for key in h.app.redis.scan_iter(match=f"{prefix}*"):
        assert not key.endswith(":inbox"), key  # emptied by the commits
        assert await h.app.redis.ttl(key) != -1, key  # -1: no TTL (-2: gone meanwhile)
    pointer = h.app.keys.chat_escalation("main", "chat-14")
    assert await h.app.redis.ttl(pointer) > 0


async def test_the_send_record_expires(h: Harness) -> None:
    h.buyer("chat-15", "где заказ?")
    h.sandbox.state.add_fault("/v1/chat/send/message", Fault(kind="500", remaining=1))
    await h.cycle()
    ttl = await h.app.redis.ttl(h.app.keys.pending_send("main", "chat-15"))
    assert 0 < ttl <= int(timedelta(days=7).total_seconds())


async def test_after_data_loss_a_chat_rasa_still_has_paused_goes_to_people(
    h: Harness, redis: Redis
) -> None:
    """The takeover's record is gone with Redis, no seller message shows it, but Rasa still
    has the conversation paused: the bot does not resume it and answer, people get it."""
    h.buyer("chat-16", "позовите оператора")
    await h.cycle()
    [escalation_id] = await h.app.escalations.open_ids()
    await h.app.staff.take_over(escalation_id, Staff(user_id=1, name="Анна"))
    before = h.sent("chat-16")
    keys = [k async for k in redis.scan_iter(match=f"{h.app.keys.prefix}:*")]
    await redis.delete(*keys)
    await h.app.outbox.ensure_group()
    h.buyer("chat-16", "где мой заказ?")
    await h.cycle()
    assert h.sent("chat-16") == before
    [record] = await _records(h, "chat-16")
    assert record.reason is EscalationReason.SYSTEM
