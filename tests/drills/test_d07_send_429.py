"""Drill 7: one 429 on send. The decided reply is retried as it was: Rasa saw the turn once, and
the routine answer is still sent (not turned into a "repeated question" escalation)."""

from __future__ import annotations

from tests.drills.harness import Drill, deadline


@deadline(120)
async def test_one_429_on_send_keeps_the_decided_reply(drill: Drill) -> None:
    await drill.sandbox.fault("/v1/chat/send/message", "429", count=1, retry_after=1)
    await drill.start_worker("a")
    first = await drill.write("d7-chat")
    await drill.settle(within=60)
    seen = drill.rasa.times_seen(first.message_id)
    assert seen == 1, f"Rasa saw turn {first.message_id} {seen} times\n{drill.errors()}"
    sent = [r["text"] for r in await drill.sandbox.sent() if r["chat_id"] == "d7-chat"]
    assert any(first.message_id in text for text in sent), (
        f"the routine answer was not sent: {sent}"
    )
    cards, _ = drill.cards_of("d7-chat")
    assert not cards, f"a routine answer became a staff card: {cards[0].text[:300]}"
