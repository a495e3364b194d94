"""Drill 4: staff return a chat to the bot while Rasa is down. The resume must not be lost: once
Rasa is back and the buyer writes, the buyer gets a reply or a card within 30 s (not silence
because Rasa still holds the conversation paused)."""

from __future__ import annotations

import asyncio

from tests.drills.harness import Drill, deadline, until


@deadline(150)
async def test_return_to_bot_while_rasa_is_down_then_the_buyer_is_answered(drill: Drill) -> None:
    chat = "d4-chat"
    drill.max_cards[chat] = 2  # the returned chat may escalate again: a new card is fine
    await drill.start_worker("a")
    await drill.write(chat, "Позовите оператора, пожалуйста. {marker}")
    card = await drill.wait_card(chat)
    drill.press(card, "take")
    await until(lambda: drill.paused_in_rasa(chat), 15, "the conversation is paused in Rasa")
    await drill.rasa.go_down()
    drill.press(drill.card(chat), "ret")
    await asyncio.sleep(5)  # the return is handled while Rasa refuses connections
    await drill.rasa.come_back()
    await asyncio.sleep(2)
    again = await drill.write(chat, "Так где же мой заказ? {marker}")
    await drill.wait_covered([again], within=30, what="the buyer after the return")
    await drill.settle(within=60)
