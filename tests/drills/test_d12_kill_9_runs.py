"""Drill 12: kill -9 at random points. Run after run, buyers write to a batch of chats, a worker
is started, and it is killed with SIGKILL at a random moment while the batch is worked off; a
steady worker keeps going. At the end every buyer message has exactly one reply.

Short (CI): 3 runs of 30 chats. Long (`make drill`): 20 runs of 200 chats. `DRILL_SEED` replays
the kill points of a failed run (the seed is printed).
"""

from __future__ import annotations

import asyncio
import os
import random

import pytest

from tests.drills.harness import Drill, deadline


async def kill_9_runs(drill: Drill, runs: int, chats: int, settle_s: float) -> None:
    seed = int(os.environ.get("DRILL_SEED") or random.randrange(1 << 30))
    print(f"drill 12: seed {seed} ({runs} runs of {chats} chats)")
    rng = random.Random(seed)
    await drill.start_worker("steady")
    for run in range(runs):
        victim = f"victim-{run}"
        await drill.start_worker(victim)
        for n in range(chats):
            for _ in range(1 + rng.randrange(2)):
                await drill.write(f"d12-{run}-{n}")
        await asyncio.sleep(rng.uniform(0.05, 3.0))
        drill.kill9(victim)
    await drill.settle(within=settle_s)


@deadline(400)
async def test_kill_9_at_random_points_short(drill: Drill) -> None:
    await kill_9_runs(drill, runs=3, chats=30, settle_s=120)


@pytest.mark.long
@deadline(1800)
async def test_kill_9_at_random_points_long(drill: Drill) -> None:
    await kill_9_runs(drill, runs=20, chats=200, settle_s=300)
