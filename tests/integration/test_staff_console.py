"""Cards, buttons and the takeover, through real aiogram traffic against the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.models import EscalationReason
from bot.state.models import EscalationStatus
from bot.state.redis import Redis
from tests.integration.staff_harness import (
    ANNA,
    STAFF_CHAT,
    StaffHarness,
    staff_harness,
    wait_until,
)


@pytest.fixture
async def h(redis: Redis, redis_prefix: str) -> AsyncIterator[StaffHarness]:
    async with staff_harness(redis, redis_prefix) as harness:
        await harness.start_console()
        yield harness


async def test_an_escalation_gets_a_card_with_its_buttons(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-1", "Товар пришел сломанный <b>!</b> +7 912 345-67-89")
    card = await h.card(escalation.id)
    assert "Escalation: dispute" in card.text
    assert "&lt;b&gt;!&lt;/b&gt;" in card.text
    assert "[phone]" in card.text
    assert "345-67" not in card.text
    labels = [label for label, _ in card.buttons]
    assert labels == ["Take over", "Reply", "Return to bot", "Spam / complaint", "Resolved"]


async def test_take_over_pauses_the_chat_and_edits_the_card_in_place(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-2", "Хочу поговорить с человеком")
    card = await h.card(escalation.id)
    h.tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Take over"))

    async def taken() -> bool:
        return (await h.current(escalation.id)).status is EscalationStatus.TAKEN

    await wait_until(taken)
    await wait_until(lambda: "taken over by Anna" in card.text)
    control = await h.control.chat("main", "chat-2")
    assert control.paused(h.clock())
    assert control.taken_by == "Anna"
    assert h.dialogue.paused == [f"{h.keys.prefix}:main:chat-2"]
    assert len(h.cards()) == 1
    assert h.tg.answers[-1]["text"] == "Done."


async def status_becomes(h: StaffHarness, escalation_id: str, status: EscalationStatus) -> None:
    async def reached() -> bool:
        return (await h.current(escalation_id)).status is status

    await wait_until(reached)


async def test_return_to_bot_resumes_the_chat_and_removes_the_buttons(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-3", "Позовите оператора")
    card = await h.card(escalation.id)
    h.tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Take over"))
    await status_becomes(h, escalation.id, EscalationStatus.TAKEN)
    await wait_until(lambda: "Return to bot" in [label for label, _ in card.buttons])
    h.tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Return to bot"))
    await status_becomes(h, escalation.id, EscalationStatus.RETURNED)
    await wait_until(lambda: card.buttons == [])
    assert "returned to the bot" in card.text
    control = await h.control.chat("main", "chat-3")
    assert not control.paused(h.clock())
    assert control.taken_by is None
    assert h.dialogue.resumed == [f"{h.keys.prefix}:main:chat-3"]


async def test_resolved_closes_the_card_and_shows_who_did_it(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-4", "Где мой возврат денег?")
    card = await h.card(escalation.id)
    h.tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Resolved"))
    await status_becomes(h, escalation.id, EscalationStatus.RESOLVED)
    await wait_until(lambda: card.text.startswith("<b>\u2705 Closed: resolved</b>"))
    assert "Anna: marked it resolved" in card.text
    assert card.buttons == []


async def test_spam_button_turns_the_card_into_a_complaint_card(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-5", "Купите рекламу у нас", EscalationReason.UNKNOWN)
    card = await h.card(escalation.id)
    h.tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Spam / complaint"))
    await status_becomes(h, escalation.id, EscalationStatus.COMPLAINT)
    await wait_until(lambda: "How to complain in Ozon" in card.text)
    assert [label for label, _ in card.buttons] == ["Complaint filed", "Not abuse: back to bot"]
    assert (await h.control.chat("main", "chat-5")).complaint


async def test_complaint_filed_is_recorded_on_the_card(h: StaffHarness) -> None:
    escalation = await h.escalate(
        "chat-6", "ты урод", EscalationReason.ABUSE, evidence=("msg 1 at 12:00: insult",)
    )
    card = await h.card(escalation.id)
    assert "Evidence" in card.text
    assert "insult" in card.text
    h.tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Complaint filed"))
    await status_becomes(h, escalation.id, EscalationStatus.COMPLAINT_FILED)
    await wait_until(lambda: "Anna: filed the complaint" in card.text)
    assert h.sent_to_buyer("chat-6") == []


async def test_repeated_abuse_in_one_chat_updates_the_one_card(h: StaffHarness) -> None:
    first = await h.escalate("chat-7", "ты урод", EscalationReason.ABUSE, evidence=("hit one",))
    card = await h.card(first.id)
    again = await h.escalate("chat-7", "и ещё раз", EscalationReason.ABUSE, evidence=("hit two",))
    assert again.id == first.id
    await wait_until(lambda: "hit two" in card.text)
    assert len(h.cards()) == 1
    assert "и ещё раз" in card.text


async def test_send_suggested_sends_it_to_the_buyer_once(h: StaffHarness) -> None:
    suggestion = "Здравствуйте! Мы проверим заказ и ответим сегодня."
    escalation = await h.escalate("chat-8", "Где заказ?", suggested=suggestion)
    card = await h.card(escalation.id)
    h.tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Send suggested"))
    await wait_until(lambda: h.sent_to_buyer("chat-8") == [suggestion])
    await wait_until(lambda: "Send suggested" not in [label for label, _ in card.buttons])
    assert "Anna: sent the suggested reply" in card.text
    confirmation = h.tg.replies_to(STAFF_CHAT, card.message_id)
    assert confirmation
    assert "Sent to the buyer." in confirmation[-1].text


async def test_a_pressed_button_of_a_closed_card_does_nothing(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-9", "Где заказ?")
    card = await h.card(escalation.id)
    take = card.button("Take over")
    h.tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Resolved"))
    await status_becomes(h, escalation.id, EscalationStatus.RESOLVED)
    h.tg.press(STAFF_CHAT, ANNA, card.message_id, take)
    await wait_until(
        lambda: h.tg.answers and h.tg.answers[-1]["text"] == "This chat is already closed."
    )
    assert (await h.current(escalation.id)).status is EscalationStatus.RESOLVED


async def test_a_new_buyer_message_in_a_taken_chat_is_posted_under_the_card(
    h: StaffHarness,
) -> None:
    escalation = await h.escalate("chat-10", "Позовите человека")
    card = await h.card(escalation.id)
    h.tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Take over"))
    await status_becomes(h, escalation.id, EscalationStatus.TAKEN)
    await h.forward(await h.current(escalation.id), "Алло, вы тут? пишите на a@b.ru")
    await wait_until(lambda: len(h.tg.replies_to(STAFF_CHAT, card.message_id)) == 1)
    forwarded = h.tg.replies_to(STAFF_CHAT, card.message_id)[0]
    assert "Алло, вы тут?" in forwarded.text
    assert "[e-mail]" in forwarded.text
    assert "a@b.ru" not in forwarded.text


async def test_a_draft_gets_a_draft_card_and_send_resolves_it(h: StaffHarness) -> None:
    escalation = await h.escalate(
        "chat-11", "Какой размер?", None, suggested="Размер M.", intent="product_specs"
    )
    card = await h.card(escalation.id)
    assert "Draft reply waiting for approval" in card.text
    assert "Размер M." in card.text
    assert [label for label, _ in card.buttons] == ["Send", "Edit (reply)", "Dismiss"]
    h.tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Send"))
    await wait_until(lambda: h.sent_to_buyer("chat-11") == ["Размер M."])
    await status_becomes(h, escalation.id, EscalationStatus.RESOLVED)


async def test_dismissing_a_draft_sends_nothing(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-12", "Какой цвет?", None, suggested="Синий.")
    card = await h.card(escalation.id)
    h.tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Dismiss"))
    await status_becomes(h, escalation.id, EscalationStatus.RESOLVED)
    assert h.sent_to_buyer("chat-12") == []


async def test_an_expired_takeover_updates_the_card(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-13", "Позовите человека")
    card = await h.card(escalation.id)
    h.tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Take over"))
    await status_becomes(h, escalation.id, EscalationStatus.TAKEN)
    h.clock.advance(minutes=121)
    assert await h.ops.expire_takeovers() == 1
    await wait_until(lambda: "returned to the bot" in card.text)


async def test_health_names_the_console_owner_and_a_healthy_outbox(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-40", "Товар сломан")
    await h.card(escalation.id)
    assert h.console is not None
    await wait_until(lambda: h.console is not None and h.console.leading)
    health = await h.console.health()
    assert health["owner"] == "console-test"
    assert health["leading_here"] is True
    assert health["ok"] is True
    assert health["group"] is True
    assert health["parked"] == []
