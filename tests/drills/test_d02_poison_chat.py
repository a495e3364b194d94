"""Drill 2: one bad chat, or one shop told to wait a day, stops nobody else.

One chat's history holds a lone UTF-16 surrogate (a cut emoji), or messages without
`created_at`, or answers 404. The other chats of that shop and the other shop's chats are
answered within two poll intervals (plus the time a turn takes), and the bad chat ends with
staff (quarantined, with a card) or answered — never silently stuck. A `Retry-After` of a day
on one shop's chat list does not stop the other shop either.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.drills.harness import POLL_S, Drill, Shop, deadline

NORTH, SOUTH = Shop("north", "100501"), Shop("south", "100502")
TURN_S = 2.0
"""What one routine turn takes end to end on this machine (a healthy run: 0.3-1 s)."""
WITHIN = 2 * POLL_S + TURN_S


POISONS = ("surrogate", "no_created_at", "404")


async def poisoned(drill: Drill, kinds: tuple[str, ...]) -> None:
    """North has one poison chat per kind; the other chats of both shops must not wait."""
    drill.shops = [NORTH, SOUTH]
    for kind in kinds:
        chat = f"d2-poison-{kind}"
        fault = {"chat_id": chat, "kind": kind, "client_id": NORTH.client_id}
        await drill.sandbox.post("/sandbox/chat-fault", fault)
        await drill.write(chat, shop="north")
    await drill.start_worker("a")
    await asyncio.sleep(4 * POLL_S)  # the poison is met on every tick from now on
    healthy = [
        await drill.write("d2-north-1", shop="north"),
        await drill.write("d2-north-2", shop="north"),
        await drill.write("d2-south-1", shop="south"),
        await drill.write("d2-south-2", shop="south"),
    ]
    what = f"healthy chats next to {', '.join(kinds)}"
    took = await drill.wait_covered(healthy, within=WITHIN, what=what)
    print(f"drill 2 ({', '.join(kinds)}): healthy chats answered in {took:.1f} s")
    await drill.settle(within=90)


@deadline(150)
async def test_three_poison_chats_stop_neither_their_shop_nor_the_other(drill: Drill) -> None:
    await poisoned(drill, POISONS)


@pytest.mark.long
@pytest.mark.parametrize("kind", POISONS)
@deadline(150)
async def test_one_poison_chat_stops_neither_its_shop_nor_the_other(
    drill: Drill, kind: str
) -> None:
    await poisoned(drill, (kind,))


@deadline(120)
async def test_a_day_long_retry_after_on_one_shop_does_not_stop_the_other(drill: Drill) -> None:
    drill.shops = [NORTH, SOUTH]
    await drill.start_worker("a")
    await drill.sandbox.post(
        "/sandbox/shop-fault",
        {"client_id": NORTH.client_id, "method": "/v3/chat/list", "kind": "429",
         "retry_after": 86400},
    )  # fmt: skip
    await asyncio.sleep(4 * POLL_S)  # north's next poll meets it
    south = [await drill.write(f"d2-south-{n}", shop="south") for n in range(3)]
    took = await drill.wait_covered(south, within=WITHIN, what="south while north waits a day")
    print(f"drill 2 (Retry-After 86400 on north): south answered in {took:.1f} s")
    await drill.settle(within=30)
