"""Drill 8: Ozon answers the chat list with `Retry-After: 86400`. The worker caps the wait: the
shop resumes within the cap (the buyer is answered), and the capped wait is alerted (a warning
in the log) and counted (a metric)."""

from __future__ import annotations

import asyncio

from tests.drills.harness import POLL_S, Drill, deadline

CAP_S = 120.0
"""The longest a shop may sit out one Retry-After (the issue asks for a cap; 60 s is the
client's own today). A larger cap in the worker needs this bound raised with it."""


@deadline(240)
async def test_a_day_long_retry_after_is_capped_and_alerted(drill: Drill) -> None:
    await drill.start_worker("a")
    await drill.sandbox.post(
        "/sandbox/shop-fault",
        {"client_id": "100500", "method": "/v3/chat/list", "kind": "429", "retry_after": 86400},
    )
    await asyncio.sleep(4 * POLL_S)  # the next poll meets it
    message = await drill.write("d8-chat")
    took = await drill.wait_covered([message], within=CAP_S + 5, what="the shop after the cap")
    print(f"drill 8: answered {took:.1f} s after a Retry-After of a day")
    alerts = drill.log_lines(r"(WARNING|ERROR).*[Rr]etry.[Aa]fter")
    assert alerts, f"no warning about the capped Retry-After\n{drill.errors()}"
    samples = await drill.metrics("a")
    counted = {k: v for k, v in samples.items() if "retry_after" in k.lower() and v > 0}
    assert counted, "no metric counts the capped Retry-After"
    await drill.settle(within=30)
