"""The worker against the real emulator and real Redis (Rasa replaced by an instant responder).

What survives is stated per test: every buyer message is answered once, or handed to staff
once, whatever Ozon or the dialogue does in between.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.dialogue.instant import InstantDialogue
from bot.dialogue.types import ActionPayload, DialogueResult, TurnRequest
from bot.errors import RasaUnavailableError
from bot.models import Decision, EscalationReason
from bot.sandbox.app import RunningSandbox
from bot.sandbox.state import Fault
from bot.state.keys import SEND_SETTLE_S
from bot.state.models import EscalationStatus, PendingSend, TurnRecord
from tests.integration.worker_harness import MONDAY_NIGHT, Harness, build, shop


async def outbox_kinds(h: Harness) -> list[str]:
    entries = await h.app.outbox.read("test", count=100, block_ms=1)
    return [n.kind for _, n in entries]


async def test_a_buyer_message_gets_one_reply_and_is_marked_read(harness: Harness) -> None:
    message_id = harness.buyer("chat-1", "Здравствуйте, где мой заказ?")
    await harness.cycle()
    assert harness.sent("chat-1") == [
        f"Спасибо, ваше сообщение получено, номер обращения {message_id}."
    ]
    chat = harness.sandbox.state.shop_for_control(None).chat("chat-1")
    assert chat.first_unread() is None
    await harness.cycle()
    assert len(harness.sent("chat-1")) == 1


async def test_messages_that_arrive_together_are_answered_once(
    harness: Harness, dialogue: InstantDialogue
) -> None:
    harness.buyer("chat-2", "Здравствуйте")
    harness.buyer("chat-2", "У меня вопрос")
    last = harness.buyer("chat-2", "где заказ?")
    await harness.cycle()
    assert len(harness.sent("chat-2")) == 1
    assert dialogue.turns[-1].text == "Здравствуйте\nУ меня вопрос\nгде заказ?"
    assert dialogue.turns[-1].turn == last


async def test_each_handled_turn_leaves_a_record(harness: Harness) -> None:
    harness.buyer("chat-3", "где заказ?")
    await harness.cycle()
    records = await harness.app.chats.recent_records("main", "chat-3")
    assert len(records) == 1
    record = records[0]
    assert record.decision is Decision.REPLY
    assert record.intent == "delivery_status"
    assert record.timings.total > 0


async def test_a_dispute_is_escalated_once_with_one_acknowledgement(harness: Harness) -> None:
    harness.buyer("chat-4", "Товар пришел сломанный")
    await harness.cycle()
    harness.buyer("chat-4", "Он совсем сломан, экран треснул")
    await harness.cycle()
    escalations = await harness.app.escalations.list_open()
    assert [e.reason for e in escalations] == [EscalationReason.DISPUTE]
    assert len(escalations[0].buyer_messages) == 2
    assert len(harness.sent("chat-4")) == 1  # the acknowledgement, once per escalation
    assert await outbox_kinds(harness) == ["escalation", "escalation"]


async def test_abuse_goes_to_the_complaint_flow_and_is_never_answered(harness: Harness) -> None:
    harness.buyer("chat-5", "вы уроды и мошенники, идите нахуй")
    await harness.cycle()
    harness.buyer("chat-5", "где мой заказ?")
    await harness.cycle()
    assert harness.sent("chat-5") == []
    [escalation] = await harness.app.escalations.list_open()
    assert escalation.status is EscalationStatus.COMPLAINT
    assert escalation.reason is EscalationReason.ABUSE
    assert escalation.evidence
    assert len(escalation.buyer_messages) == 2


async def test_a_taken_over_chat_is_not_answered_and_messages_are_forwarded(
    harness: Harness, dialogue: InstantDialogue
) -> None:
    harness.buyer("chat-6", "позовите оператора")
    await harness.cycle()
    [escalation] = await harness.app.escalations.list_open()
    from bot.worker.staffops import Staff

    await harness.app.staff.take_over(escalation.id, Staff(1, "Anna"))
    sent_before = len(harness.sent("chat-6"))
    harness.buyer("chat-6", "ну где вы?")
    await harness.cycle()
    assert len(harness.sent("chat-6")) == sent_before
    assert "forward" in await outbox_kinds(harness)
    assert dialogue.paused  # Rasa was told to pause too
    await harness.app.staff.return_to_bot(escalation.id, Staff(1, "Anna"))
    harness.buyer("chat-6", "где заказ?")
    await harness.cycle()
    assert len(harness.sent("chat-6")) == sent_before + 1


class FlakyDialogue(InstantDialogue):
    def __init__(self) -> None:
        super().__init__()
        self.down = True

    async def understand(self, request: TurnRequest) -> DialogueResult:
        if self.down:
            raise RasaUnavailableError("connection refused")
        return await super().understand(request)


async def test_rasa_down_then_back_loses_nothing(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    flaky = FlakyDialogue()
    harness.app.processor.d.dialogue = flaky
    harness.buyer("chat-7", "где заказ?")
    await harness.cycle()
    assert harness.sent("chat-7") == []
    assert await harness.app.chats.queue_depth() == 1
    flaky.down = False
    await harness.app.chats.enqueue("main", "chat-7")  # do not wait for the backoff
    await harness.app.drain()
    assert len(harness.sent("chat-7")) == 1


async def test_rasa_down_past_the_limit_escalates_with_reason_system(harness: Harness) -> None:
    harness.app.processor.d.dialogue = FlakyDialogue()
    harness.app.processor.d.settings = harness.app.settings.worker.model_copy(
        update={"outage_limit_s": 60}
    )
    harness.buyer("chat-8", "где заказ?")
    await harness.cycle()
    harness.clock.now = harness.clock.now.replace(minute=5)
    await harness.app.chats.enqueue("main", "chat-8")
    await harness.app.drain()
    [escalation] = await harness.app.escalations.list_open()
    assert escalation.reason is EscalationReason.SYSTEM
    assert await harness.app.chats.queue_depth() == 0


async def test_ozon_500_on_send_is_retried_and_answered_once(harness: Harness) -> None:
    harness.buyer("chat-9", "где заказ?")
    harness.sandbox.state.add_fault("/v1/chat/send/message", Fault(kind="500", remaining=1))
    await harness.cycle()
    assert harness.sent("chat-9") == []
    # A 500 may hide a message Ozon took: the reply is looked for in the history until it has
    # had time to appear there, and only then sent again (and Rasa is not asked twice).
    await harness.app.chats.enqueue("main", "chat-9")
    await harness.app.drain()
    assert harness.sent("chat-9") == []
    harness.clock.now += timedelta(seconds=SEND_SETTLE_S)
    await harness.app.chats.enqueue("main", "chat-9")
    await harness.app.drain()
    assert len(harness.sent("chat-9")) == 1


async def test_a_send_whose_answer_is_lost_is_reconciled_not_repeated(harness: Harness) -> None:
    harness.buyer("chat-10", "где заказ?")
    harness.sandbox.state.add_fault(
        "/v1/chat/send/message", Fault(kind="timeout_after_send", remaining=1)
    )
    await harness.cycle()
    assert len(harness.sent("chat-10")) == 1
    assert await harness.app.chats.pending_send("main", "chat-10") is None
    await harness.app.chats.enqueue("main", "chat-10")
    await harness.app.drain()
    assert len(harness.sent("chat-10")) == 1


async def _leave_pending(harness: Harness, chat: str, text: str) -> None:
    """What a worker killed between "sending" and "recorded" leaves behind."""
    message_id = harness.buyer(chat, "где заказ?")
    await harness.app.poll_once()
    inbox = await harness.app.chats.inbox("main", chat)
    record = TurnRecord(
        shop="main",
        chat_id=chat,
        message_ids=(message_id,),
        text="где заказ?",
        decision=Decision.REPLY,
        reply=text,
    )
    pending = PendingSend(
        message_ids=(message_id,), text=text, started_at=harness.clock(), record=record
    )
    assert inbox
    lock = await harness.app.chats.lock("main", chat)
    assert lock is not None
    await harness.app.chats.mark_sending(lock, pending)
    await harness.app.chats.unlock(lock)


async def test_a_reply_sent_before_a_crash_is_found_in_history_and_not_resent(
    harness: Harness,
) -> None:
    await _leave_pending(harness, "chat-11", "Ваш заказ в пути.")
    shop = harness.sandbox.state.shop_for_control(None)
    harness.sandbox.state.send(shop, "chat-11", "Ваш заказ в пути.")  # it did reach Ozon
    await harness.app.drain()
    assert harness.sent("chat-11") == ["Ваш заказ в пути."]
    assert await harness.app.chats.inbox("main", "chat-11") == []


async def test_a_reply_lost_in_a_crash_is_sent_once_after_restart(
    harness: Harness, dialogue: InstantDialogue
) -> None:
    await _leave_pending(harness, "chat-12", "Ваш заказ в пути.")
    harness.clock.now += timedelta(seconds=SEND_SETTLE_S)  # long enough for Ozon to show it
    await harness.app.drain()
    await harness.cycle()
    assert harness.sent("chat-12") == ["Ваш заказ в пути."]
    assert dialogue.turns == []  # the stored decision is sent; Rasa is not asked twice


async def test_a_malformed_history_page_loses_nothing(harness: Harness) -> None:
    harness.buyer("chat-13", "где заказ?")
    harness.sandbox.state.add_fault("/v3/chat/history", Fault(kind="malformed", remaining=10))
    await harness.cycle()
    assert harness.sent("chat-13") == []
    harness.sandbox.state.faults.clear()
    await harness.cycle()
    assert len(harness.sent("chat-13")) == 1


async def test_429_bursts_on_the_chat_list_are_waited_out(harness: Harness) -> None:
    harness.buyer("chat-14", "где заказ?")
    harness.sandbox.state.add_fault("/v3/chat/list", Fault(kind="429", remaining=1))
    await harness.cycle()
    assert len(harness.sent("chat-14")) == 1


async def test_missing_premium_turns_replies_into_drafts_and_tells_staff_once(
    harness: Harness,
) -> None:
    harness.sandbox.state.shop_for_control(None).premium = False
    harness.buyer("chat-15", "где заказ?")
    harness.buyer("chat-16", "где заказ?")
    await harness.cycle()
    assert harness.sent() == []
    kinds = await outbox_kinds(harness)
    assert kinds.count("notice") == 1
    assert kinds.count("draft") == 2
    drafts = await harness.app.escalations.list_open()
    assert all(e.draft and e.suggested for e in drafts)


class SilentDialogue(InstantDialogue):
    """Rasa 3.6 answers 200 with no messages when the action server failed."""

    async def understand(self, request: TurnRequest) -> DialogueResult:
        return DialogueResult(intent="delivery_status", confidence=0.99)


async def test_a_turn_no_action_answered_waits_and_is_retried(harness: Harness) -> None:
    harness.app.processor.d.dialogue = SilentDialogue()
    harness.buyer("chat-19", "где заказ?")
    await harness.cycle()
    assert harness.sent("chat-19") == []
    assert await harness.app.chats.inbox("main", "chat-19")  # kept, not answered with silence
    harness.app.processor.d.dialogue = InstantDialogue()
    await harness.app.chats.enqueue("main", "chat-19")
    await harness.app.drain()
    assert len(harness.sent("chat-19")) == 1


class RudeDialogue(InstantDialogue):
    async def understand(self, request: TurnRequest) -> DialogueResult:
        return DialogueResult(
            intent="product_specs",
            confidence=0.99,
            replies=("ЛУЧШИЙ ТОВАР!!! Пишите в WhatsApp",),
            payloads=(ActionPayload(kind="reply", key="product.attribute"),),
        )


async def test_a_reply_that_breaks_the_rules_is_never_sent(harness: Harness) -> None:
    harness.app.processor.d.dialogue = RudeDialogue()
    harness.buyer("chat-17", "какой материал?")
    await harness.cycle()
    sent = harness.sent("chat-17")
    assert all("WhatsApp" not in text for text in sent)
    [escalation] = await harness.app.escalations.list_open()
    assert escalation.reason is EscalationReason.BLOCKED_REPLY
    assert {v.rule for v in escalation.violations} >= {"superlative", "contacts"}
    blocked = await harness.app.control.blocked_between(
        "main", harness.clock().replace(hour=0), harness.clock().replace(hour=23)
    )
    assert blocked
    assert blocked[0].origin == "bot"


async def test_after_hours_escalation_gets_one_holding_reply_per_night(harness: Harness) -> None:
    harness.clock.now = MONDAY_NIGHT
    harness.buyer("chat-18", "позовите оператора")
    await harness.cycle()
    harness.buyer("chat-18", "ау, оператор")
    await harness.cycle()
    holding = harness.sent("chat-18")
    assert len(holding) == 1
    assert "09:00" in holding[0]


async def test_several_shops_are_served_each_with_its_own_account(
    sandbox: RunningSandbox, redis_prefix: str, redis: object, dialogue: InstantDialogue
) -> None:
    north = shop(sandbox, "north", client_id="111")
    south = shop(sandbox, "south", client_id="222")
    h = build(sandbox, redis_prefix, dialogue, shops=(north, south))
    try:
        sandbox.state.buyer_message("n-chat", "где заказ?", client_id="111")
        sandbox.state.buyer_message("s-chat", "где заказ?", client_id="222")
        await h.cycle()
        sent = {(s.client_id, s.chat_id) for s in sandbox.state.sent}
        assert sent == {("111", "n-chat"), ("222", "s-chat")}
        assert [r.shop for r in await h.app.chats.recent_records("north", "n-chat")] == ["north"]
        assert [r.shop for r in await h.app.chats.recent_records("south", "s-chat")] == ["south"]
        assert await h.app.chats.recent_records("north", "s-chat") == []
    finally:
        await h.app.aclose()


class BuggyDialogue(InstantDialogue):
    async def understand(self, request: TurnRequest) -> DialogueResult:
        raise ValueError("a bug in the dialogue stage")


async def test_a_chat_that_keeps_failing_on_a_bug_goes_to_people(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.app.processor.d.dialogue = BuggyDialogue()
    harness.buyer("chat-20", "где заказ?")
    await harness.app.poll_once()
    for _ in range(3):
        await harness.app.chats.enqueue("main", "chat-20")
        await harness.app.worker.run_once()
    [escalation] = await harness.app.escalations.list_open()
    assert escalation.reason is EscalationReason.SYSTEM
    assert escalation.detail == "internal error: ValueError"
    assert await harness.app.chats.inbox("main", "chat-20") == []
    assert harness.sent("chat-20") == []
    assert "unexpected error while handling main/chat-20" in caplog.text
