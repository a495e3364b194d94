"""Drill 6: two shops, and the bot was kicked from one shop's staff chat (403 on every request
there). The other shop's cards still arrive within 10 s, and the kicked destination is
reported somewhere people look (the other shop's staff chat), not retried forever at the head
of the outbox."""

from __future__ import annotations

from tests.drills.harness import Drill, Shop, deadline, until

NORTH = Shop("north", "100501", staff_chat_id=-1001000000011)
SOUTH = Shop("south", "100502", staff_chat_id=-1001000000022)


@deadline(150)
async def test_one_kicked_staff_chat_blocks_no_other_shop(drill: Drill) -> None:
    drill.shops = [NORTH, SOUTH]
    drill.check_outbox = False  # the kicked chat's notifications wait, parked
    drill.telegram.kick(NORTH.staff_chat_id)
    await drill.start_worker("a")
    for n in range(3):
        await drill.write(f"d6-north-{n}", "Позовите оператора. {marker}", shop="north")
    south = [
        await drill.write(f"d6-south-{n}", "Позовите оператора. {marker}", shop="south")
        for n in range(3)
    ]
    took = await drill.wait_covered(south, within=10, what="south's cards next to a kicked chat")
    print(f"drill 6: south's cards in {took:.1f} s")
    await until(lambda: _alerted(drill), 30, "an alert about the kicked staff chat in south's chat")
    await drill.settle(within=30, messages=south)


def _alerted(drill: Drill) -> bool:
    notes = [m for m in drill.telegram.sent(SOUTH.staff_chat_id) if "id=" not in m.text]
    return any("north" in m.text.lower() for m in notes)
