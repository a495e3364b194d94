"""Drill 1: lock loss. A turn waits in a slow Rasa while its worker loses the chat — Redis paused
longer than the socket timeout (and the Rasa call outlasting the lease), or the lock key deleted.
Another worker takes the chat. Whatever happens, the turn gets one reply or one card, never two
replies; the buyer then writes again and that message is answered too (a stale send record must
not make reconciliation trim the new message away).

Two workers against a Redis of the drill's own (DEBUG SLEEP would stall everyone on 6379).
"""

from __future__ import annotations

import asyncio

import pytest

from tests.drills.harness import Drill, PrivateRedis, Written, deadline, until

CHAT = "d1-chat"
LEASE_S = 30.0
"""The chat lock's and the claim's lease (bot/state/keys.py CHAT_LOCK_MS, CLAIM_LEASE_MS)."""


async def held_in_rasa(drill: Drill, hold_s: float) -> Written:
    """Two workers; the first turn of the chat reaches Rasa and is held there for `hold_s`."""
    drill.rasa.delay(hold_s, count=1)
    await drill.start_workers("a", "b")
    first = await drill.write(CHAT)
    await until(lambda: drill.rasa.times_seen(first.message_id), 20, "the turn reaches Rasa")
    return first


async def then_the_buyer_writes_again(drill: Drill) -> None:
    again = await drill.write(CHAT, "Спасибо, а когда приедет? {marker}")
    await drill.wait_covered([again], within=30, what="the buyer's next message")
    await drill.settle(within=60)


@deadline(150)
async def test_lock_key_deleted_while_the_turn_waits_in_rasa(drill_own_redis: Drill) -> None:
    drill = drill_own_redis
    hold_s = 8.0
    await held_in_rasa(drill, hold_s)
    r = await drill.redis()
    locks = [k async for k in r.scan_iter(match=f"{drill.prefix}:chat:main:{CHAT}:lock*")]
    assert locks, "no chat lock in Redis while the turn runs (key layout changed?)"
    await r.delete(*locks)
    # The lock is gone as if it had expired: its claim on the queue has lapsed with it.
    await r.zadd(f"{drill.prefix}:queue", {f"main|{CHAT}": 0}, xx=True)
    await asyncio.sleep(hold_s + 2)  # the held turn comes back from Rasa
    await then_the_buyer_writes_again(drill)


@pytest.mark.long
@deadline(240)
async def test_redis_paused_past_the_socket_timeout_while_rasa_outlasts_the_lease(
    drill_own_redis: Drill, own_redis: PrivateRedis
) -> None:
    drill = drill_own_redis
    hold_s = LEASE_S + 5
    await held_in_rasa(drill, hold_s)
    await asyncio.sleep(1.0)
    await own_redis.cli("DEBUG", "SLEEP", "6")  # > the workers' 5 s socket timeout
    await asyncio.sleep(hold_s)  # the lease runs out, the held turn comes back from Rasa
    await then_the_buyer_writes_again(drill)
