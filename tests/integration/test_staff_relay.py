"""Staff replies to buyers: through the outbound check, sent only when clean or confirmed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.models import EscalationReason
from bot.state.models import EscalationStatus
from bot.state.redis import Redis
from tests.fakes.telegram import Sent
from tests.integration.staff_harness import (
    ANNA,
    BORIS,
    MALLORY,
    STAFF_CHAT,
    StaffHarness,
    staff_harness,
    wait_until,
)

CLEAN = "Здравствуйте, мы заменим товар. Оформите возврат в личном кабинете Ozon."
SHOUTING = "ЗДРАВСТВУЙТЕ, ВАШ ЗАКАЗ В ПУТИ!!!"


@pytest.fixture
async def h(redis: Redis, redis_prefix: str) -> AsyncIterator[StaffHarness]:
    async with staff_harness(redis, redis_prefix) as harness:
        await harness.start_console()
        yield harness


async def answer_to(h: StaffHarness, message_id: int) -> Sent:
    await wait_until(lambda: h.tg.replies_to(STAFF_CHAT, message_id))
    return h.tg.replies_to(STAFF_CHAT, message_id)[-1]


async def test_a_reply_to_the_card_goes_to_the_buyer_and_takes_the_chat_over(
    h: StaffHarness,
) -> None:
    escalation = await h.escalate("chat-1", "Пришёл не тот цвет")
    card = await h.card(escalation.id)
    asked = h.tg.say(STAFF_CHAT, ANNA, CLEAN, reply_to=card.message_id)
    assert "Sent to the buyer." in (await answer_to(h, asked)).text
    assert h.sent_to_buyer("chat-1") == [CLEAN]
    current = await h.current(escalation.id)
    assert current.status is EscalationStatus.TAKEN
    assert [a.action for a in current.history] == ["take_over", "replied"]
    await wait_until(lambda: "Anna: replied" in card.text)


async def test_reply_button_sends_the_next_message_and_only_that(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-2", "Где заказ?")
    card = await h.card(escalation.id)
    h.tg.press(STAFF_CHAT, BORIS, card.message_id, card.button("Reply"))
    prompt = await answer_to(h, card.message_id)
    assert "Boris" in prompt.text
    assert "/cancel" in prompt.text
    first = h.tg.say(STAFF_CHAT, BORIS, CLEAN)
    await answer_to(h, first)
    later = h.tg.say(STAFF_CHAT, BORIS, "а это просто разговор в чате")
    await wait_until(lambda: h.tg.pending_updates == 0)
    h.tg.say(STAFF_CHAT, BORIS, "/help")
    await wait_until(lambda: any("/queue" in m.text for m in h.tg.sent(STAFF_CHAT)))
    assert h.sent_to_buyer("chat-2") == [CLEAN]
    assert h.tg.replies_to(STAFF_CHAT, later) == []


async def test_cancel_ends_a_pending_reply(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-3", "Где заказ?")
    card = await h.card(escalation.id)
    h.tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Reply"))
    await answer_to(h, card.message_id)
    cancel = h.tg.say(STAFF_CHAT, ANNA, "/cancel")
    assert "Reply cancelled." in (await answer_to(h, cancel)).text
    h.tg.say(STAFF_CHAT, ANNA, CLEAN)
    again = h.tg.say(STAFF_CHAT, ANNA, "/cancel")
    assert "Nothing to cancel." in (await answer_to(h, again)).text
    assert h.sent_to_buyer("chat-3") == []


async def test_a_violation_is_shown_and_the_fix_is_sent_only_after_confirming(
    h: StaffHarness,
) -> None:
    escalation = await h.escalate("chat-4", "Где заказ?")
    card = await h.card(escalation.id)
    asked = h.tg.say(STAFF_CHAT, ANNA, SHOUTING, reply_to=card.message_id)
    answer = await answer_to(h, asked)
    assert "Not sent" in answer.text
    assert (
        "shouting in capitals: \u201c"
        "\u0417\u0414\u0420\u0410\u0412\u0421\u0422\u0412\u0423\u0419\u0422\u0415" in answer.text
    )
    assert "!!! or ???: \u201c!!!\u201d" in answer.text  # rules in words (issue 16)
    assert "Здравствуйте, ваш заказ в пути!" in answer.text
    assert h.sent_to_buyer("chat-4") == []
    h.tg.press(STAFF_CHAT, ANNA, answer.message_id, answer.button("Send corrected"))
    await wait_until(lambda: h.sent_to_buyer("chat-4") == ["Здравствуйте, ваш заказ в пути!"])
    await wait_until(lambda: answer.buttons == [])


async def test_a_corrected_text_is_sent_once_however_often_it_is_tapped(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-5", "Где заказ?")
    card = await h.card(escalation.id)
    asked = h.tg.say(STAFF_CHAT, ANNA, SHOUTING, reply_to=card.message_id)
    answer = await answer_to(h, asked)
    data = answer.button("Send corrected")
    h.tg.press(STAFF_CHAT, ANNA, answer.message_id, data)
    h.tg.press(STAFF_CHAT, BORIS, answer.message_id, data)
    await wait_until(lambda: len(h.tg.answers) == 2)
    assert h.tg.answers[1]["text"] == "This correction has expired."
    assert h.sent_to_buyer("chat-5") == ["Здравствуйте, ваш заказ в пути!"]


async def test_a_contact_exchange_is_refused_without_a_fix(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-6", "Где заказ?")
    card = await h.card(escalation.id)
    asked = h.tg.say(STAFF_CHAT, ANNA, "Напишите мне в телеграм @shop", reply_to=card.message_id)
    answer = await answer_to(h, asked)
    assert "contact details or talk outside Ozon: \u201c@shop\u201d" in answer.text
    assert "Change the text" in answer.text
    assert answer.buttons == []
    assert h.sent_to_buyer("chat-6") == []


async def test_nothing_is_relayed_into_the_complaint_flow(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-7", "ты урод", EscalationReason.ABUSE)
    card = await h.card(escalation.id)
    asked = h.tg.say(STAFF_CHAT, ANNA, CLEAN, reply_to=card.message_id)
    assert "complaint flow" in (await answer_to(h, asked)).text
    assert h.sent_to_buyer("chat-7") == []


async def test_a_reply_to_a_forwarded_buyer_message_is_relayed(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-8", "Позовите человека")
    card = await h.card(escalation.id)
    h.tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Take over"))

    async def taken() -> bool:
        return (await h.current(escalation.id)).status is EscalationStatus.TAKEN

    await wait_until(taken)
    await h.forward(await h.current(escalation.id), "Ну что там?")
    forwarded = await answer_to(h, card.message_id)
    asked = h.tg.say(STAFF_CHAT, ANNA, CLEAN, reply_to=forwarded.message_id)
    await answer_to(h, asked)
    assert h.sent_to_buyer("chat-8") == [CLEAN]


async def test_a_photo_cannot_be_relayed(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-9", "Где заказ?")
    card = await h.card(escalation.id)
    asked = h.tg.post_photo(STAFF_CHAT, ANNA, reply_to=card.message_id)
    assert "Only text" in (await answer_to(h, asked)).text


async def test_editing_a_draft_sends_the_staff_text_and_closes_the_draft(h: StaffHarness) -> None:
    escalation = await h.escalate("chat-10", "Какой размер?", None, suggested="Размер M.")
    card = await h.card(escalation.id)
    h.tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Edit (reply)"))
    await answer_to(h, card.message_id)
    h.tg.say(STAFF_CHAT, ANNA, "Здравствуйте, это размер L.")
    await wait_until(lambda: h.sent_to_buyer("chat-10") == ["Здравствуйте, это размер L."])

    async def closed() -> bool:
        return (await h.current(escalation.id)).status is EscalationStatus.RESOLVED

    await wait_until(closed)


async def test_a_stranger_cannot_relay_or_press(
    h: StaffHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="bot.staff")
    escalation = await h.escalate("chat-11", "Где заказ?")
    card = await h.card(escalation.id)
    h.tg.say(STAFF_CHAT, MALLORY, CLEAN, reply_to=card.message_id)
    h.tg.press(STAFF_CHAT, MALLORY, card.message_id, card.button("Take over"))
    await wait_until(lambda: h.tg.answers)
    assert h.tg.answers[0]["text"] == "Sorry, only the shop's staff can do this."
    assert h.sent_to_buyer("chat-11") == []
    assert (await h.current(escalation.id)).status is EscalationStatus.OPEN
    refusals = [r.getMessage() for r in caplog.records if "not staff" in r.getMessage()]
    assert refusals == [
        f"ignored a message from Telegram user {MALLORY.id} (not staff)",
        f"refused a button press from Telegram user {MALLORY.id} (not staff)",
    ]
    assert not any("Mallory" in r.getMessage() for r in caplog.records)
