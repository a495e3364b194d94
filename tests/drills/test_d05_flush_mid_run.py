"""Drill 5: Redis loses its data mid-run (FLUSHALL on the drill's own Redis). Staff cards resume
within 60 s (the outbox's consumer group is re-created), nobody gets a reply twice, and a chat
staff had taken over stays with people: the bot does not answer it."""

from __future__ import annotations

import asyncio

from tests.drills.harness import Drill, PrivateRedis, deadline, until


@deadline(240)
async def test_flushall_mid_run(drill_own_redis: Drill, own_redis: PrivateRedis) -> None:
    drill = drill_own_redis
    drill.max_cards.update({"d5-taken": 2, "d5-esc-after": 1})
    await drill.start_workers("a", "b")
    routine = [await drill.write(f"d5-r{n}") for n in range(5)]
    await drill.write("d5-taken", "Позовите оператора. {marker}")
    card = await drill.wait_card("d5-taken")
    drill.press(card, "take")
    await until(lambda: drill.paused_in_rasa("d5-taken"), 15, "the taken chat is paused in Rasa")
    await drill.wait_covered(routine, within=20, what="routine chats before the flush")
    before = await _sent_to(drill, "d5-taken")  # the holding reply at escalation time
    assert await own_redis.cli("FLUSHALL") == "OK"
    await asyncio.sleep(2)
    late = [await drill.write(f"d5-r{n}", "И еще вопрос. {marker}") for n in range(5)]
    esc = await drill.write("d5-esc-after", "Позовите оператора. {marker}")
    took = await drill.wait_covered([esc], within=60, what="a new card after the flush")
    print(f"drill 5: first card after the flush in {took:.1f} s")
    taken = await drill.write("d5-taken", "Вы тут? {marker}")
    await drill.wait_covered([*late, taken], within=60, what="chats after the flush")
    after = (await _sent_to(drill, "d5-taken"))[len(before) :]
    assert not after, f"the bot answered a chat staff had taken over: {after}"
    await drill.settle(within=60)


async def _sent_to(drill: Drill, chat: str) -> list[str]:
    return [r["text"] for r in await drill.sandbox.sent() if r["chat_id"] == chat]
