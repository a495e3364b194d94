"""Drill 14: Redis itself is killed with SIGKILL mid-run (append-only file, fsync every second:
up to a second of writes is lost) and restarted on its files. Buyers keep writing meanwhile.
Every message ends with exactly one reply: what Redis forgot is reconciled, not resent."""

from __future__ import annotations

import asyncio

from tests.drills.harness import Drill, PrivateRedis, deadline, until


@deadline(300)
async def test_redis_kill_9_with_aof_everysec_then_restart(
    drill_own_redis: Drill, own_redis: PrivateRedis
) -> None:
    drill = drill_own_redis
    await drill.start_workers("a", "b")
    for n in range(40):
        await drill.write(f"d14-{n}")
    await until(lambda: _sent_at_least(drill, 10), 30, "the first replies")
    own_redis.kill9()
    await asyncio.sleep(2)
    for n in range(0, 40, 4):  # buyers keep writing while Redis is gone
        await drill.write(f"d14-{n}", "Ответьте, пожалуйста. {marker}")
    await own_redis.launch()  # the same directory: it loads what reached the AOF
    await drill.settle(within=120)


async def _sent_at_least(drill: Drill, count: int) -> bool:
    return len(await drill.sandbox.sent()) >= count
