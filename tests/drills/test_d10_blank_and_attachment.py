"""Drill 10: a blank message and an attachment-only message each get one staff card within a
poll or two, with a reason that says what happened (not `system`: Rasa refusing a blank text
with 400 is not an outage), and the shop's other chats are answered meanwhile."""

from __future__ import annotations

from tests.drills.harness import Drill, deadline

PHOTO = "![](https://cdn1.ozone.ru/s3/chat-attachments/d10/photo-1.jpg)"
SYSTEM = "system problem"


@deadline(150)
async def test_blank_and_attachment_only_messages_go_to_staff_at_once(drill: Drill) -> None:
    await drill.start_worker("a")
    blank = await drill.write("d10-blank", "   ")
    photo = await drill.write("d10-photo", PHOTO)
    routine = await drill.write("d10-routine")
    took = await drill.wait_covered([blank, photo, routine], within=10, what="blank/photo cards")
    for chat in ("d10-blank", "d10-photo"):
        cards, _ = drill.cards_of(chat)
        assert len(cards) == 1, f"{chat}: {len(cards)} cards"
        heading = cards[0].text.splitlines()[0]
        assert "Escalation" in heading, f"{chat}: not an escalation card: {heading}"
        assert SYSTEM not in heading, f"{chat}: treated as an outage: {heading}\n{drill.errors()}"
    await drill.settle(within=30)
    print(f"drill 10: cards after {took:.1f} s")
