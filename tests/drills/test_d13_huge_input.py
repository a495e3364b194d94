"""Drill 13: huge input. A 1 MB message and a 20,000-digit message are handled in about a second
end to end (normalisation and masking are linear) while `/healthz` keeps answering; a chat with
thousands of messages is worked off with one reply per turn and nothing left behind.

Short (CI): 2,000 messages in one chat. Long (`make drill`): 10,000.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from tests.drills.harness import POLL_S, Drill, deadline

MEGABYTE = 1_000_000
END_TO_END_S = 1.0
"""The issue's bound for a 1 MB message; the drill adds one poll interval (when the worker
looks) and a second of slack for this 2-core machine."""
HEALTH_S = 1.0


# The drill's own client posts the megabyte to the emulator in one piece, on purpose.
@pytest.mark.filterwarnings("ignore:Sending a large body directly:ResourceWarning")
@deadline(150)
async def test_a_megabyte_and_20000_digits_take_about_a_second(drill: Drill) -> None:
    await drill.start_worker("a")
    words = ("где мой заказ, подскажите пожалуйста " * (MEGABYTE // 36 + 1))[:MEGABYTE]
    probe = asyncio.create_task(_health_probe(drill, "a"))
    huge = await drill.write("d13-megabyte", "{marker} " + words)
    digits = await drill.write("d13-digits", "{marker} " + "7" * 20_000)
    took = await drill.wait_covered([huge, digits], within=30, what="huge messages")
    probe.cancel()
    worst = await probe
    print(f"drill 13: huge messages handled in {took:.1f} s, /healthz worst {worst:.2f} s")
    assert worst <= HEALTH_S, f"/healthz took {worst:.2f} s while a huge message was handled"
    assert took <= END_TO_END_S + POLL_S + 1.0, f"huge messages took {took:.1f} s\n{drill.errors()}"
    await drill.settle(within=30)


async def _health_probe(drill: Drill, worker: str) -> float:
    """The slowest /healthz answer until cancelled (any status: it must answer)."""
    url = f"http://127.0.0.1:{drill.worker_ports[worker]}/healthz"
    worst = 0.0
    try:
        while True:
            start = time.monotonic()
            try:
                async with drill.http.get(url, timeout=aiohttp.ClientTimeout(total=10)) as resp:
                    await resp.read()
            except (aiohttp.ClientError, TimeoutError):
                worst = max(worst, 10.0)
            worst = max(worst, time.monotonic() - start)
            await asyncio.sleep(0.1)
    except asyncio.CancelledError:
        return worst


async def thousands_in_one_chat(drill: Drill, count: int, within: float) -> None:
    drill.loose_text = True  # a turn this long reaches Rasa cut: its reply covers it anyway
    for start in range(0, count, 50):
        batch = range(start, min(start + 50, count))
        await asyncio.gather(*(drill.write("d13-busy", f"сообщение {n} {{marker}}") for n in batch))
    await drill.start_worker("a")
    await drill.settle(within=within)
    replies = [r for r in await drill.sandbox.sent() if r["chat_id"] == "d13-busy"]
    print(f"drill 13: {count} messages in one chat, {len(replies)} replies")


@deadline(300)
async def test_2000_messages_in_one_chat(drill: Drill) -> None:
    await thousands_in_one_chat(drill, 2_000, within=120)


@pytest.mark.long
@deadline(900)
async def test_10000_messages_in_one_chat(drill: Drill) -> None:
    await thousands_in_one_chat(drill, 10_000, within=600)
