"""Drill 3: drafts are sent once. Three workers run the auto-send timer; the moment the first
draft goes out, a staff member taps "send" on every draft (the same second as the timer), and
the worker that is sending is killed with SIGKILL. Every draft reaches the buyer exactly once:
timer against timer, timer against tap, and a kill between the send and the status change."""

from __future__ import annotations

import asyncio
import time

from tests.drills.harness import Drill, Shop, deadline

DRAFTING = Shop(
    "main",
    "100500",
    modes={"working": {"delivery_status": "draft"}, "after_hours": {"delivery_status": "draft"}},
    draft_auto_send_min=1,
)
CHATS = [f"d3-{n}" for n in range(6)]
WORKERS = ("a", "b", "c")
SENT_DRAFT = "sent draft reply"


@deadline(300)
async def test_timer_staff_tap_and_kill_9_send_each_draft_once(drill: Drill) -> None:
    drill.shops, drill.drafts = [DRAFTING], True
    await drill.start_workers(*WORKERS)
    for chat in CHATS:
        await drill.write(chat)
    cards = [await drill.wait_card(chat, within=20) for chat in CHATS]
    taps = [(card, drill.button(card, "sugg")) for card in cards]  # as staff see them now
    # Drafts are due a minute after they were made; the timers tick every 30 s.
    sender = await _first_draft_sender(drill, within=120)
    for card, data in taps:
        drill.press(card, data=data)
    drill.kill9(sender)
    print(f"drill 3: worker {sender} sent the first draft and was killed")
    await drill.settle(within=90, quiet_s=35)  # one more timer tick must not resend anything


async def _first_draft_sender(drill: Drill, within: float) -> str:
    """The worker whose log first says it sent a draft (polled every 10 ms)."""
    stop = time.monotonic() + within
    while time.monotonic() < stop:
        if await drill.sandbox.sent():
            for name in WORKERS:
                if SENT_DRAFT in (drill.tmp / f"worker-{name}.log").read_text(errors="replace"):
                    return name
        await asyncio.sleep(0.01)
    raise AssertionError(f"no draft was sent within {within} s\n{drill.errors()}")
