"""Drill 3: drafts are sent once. Three workers run the auto-send timer, a staff member taps
"send" on the same drafts in the same second, and the worker that sent first is killed with
SIGKILL right after its send. Every draft reaches the buyer exactly once."""

from __future__ import annotations

import asyncio
import time

from tests.drills.harness import Drill, Shop, deadline, until

DRAFTING = Shop(
    "main",
    "100500",
    modes={"working": {"delivery_status": "draft"}, "after_hours": {"delivery_status": "draft"}},
    draft_auto_send_min=1,
)
CHATS = [f"d3-{n}" for n in range(6)]
TICK_S = 30.0
"""The drafts job's interval (bot/schedule/jobs.py); the first tick is one interval after start."""


@deadline(300)
async def test_timer_staff_tap_and_kill_9_send_each_draft_once(drill: Drill) -> None:
    drill.shops, drill.drafts = [DRAFTING], True
    await drill.start_workers("a", "b", "c")
    started = time.monotonic()
    for chat in CHATS:
        await drill.write(chat)
    cards = [await drill.wait_card(chat, within=20) for chat in CHATS]
    # Drafts are due a minute after they were made; the timers tick every 30 s from start-up,
    # so the first tick that finds them due is the third one. Staff tap around that second.
    due_tick = started + 3 * TICK_S
    offsets = [-1.0, -0.5, 0.0, 0.3, 0.6, 1.0]
    for card, offset in sorted(zip(cards, offsets, strict=True), key=lambda pair: pair[1]):
        await asyncio.sleep(max(0.0, due_tick + offset - time.monotonic()))
        drill.press(card, "sugg")
    await until(drill.sandbox.sent, 30, "a draft is sent")
    drill.kill9("a")  # right after the first send, whoever made it: a's sends in flight die
    await drill.settle(within=90, quiet_s=35)  # one more timer tick must not resend anything
