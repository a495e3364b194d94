"""Drill 9: a send whose outcome is unknown (Ozon took it, the answer never came) while Ozon's
history does not show the sent message for 10 s. Checking the history too early must not lead
to a second copy: the buyer gets exactly one."""

from __future__ import annotations

from tests.drills.harness import Drill, deadline

LAG_S = 10.0


@deadline(150)
async def test_unknown_send_outcome_with_a_lagging_history_sends_once(drill: Drill) -> None:
    await drill.sandbox.post("/sandbox/history-lag", {"seconds": LAG_S})
    await drill.sandbox.fault("/v1/chat/send/message", "timeout_after_send", count=1)
    await drill.start_worker("a")
    await drill.write("d9-chat")
    await drill.settle(within=60, quiet_s=LAG_S + 5)  # past the lag: a late resend shows
