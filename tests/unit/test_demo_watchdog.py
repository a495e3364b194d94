"""The `--once` watchdog: a process whose event loop cannot stop still ends, and says where it
was (a real process; the hang is a task that swallows its cancellation)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from bot.demo.watchdog import HUNG_EXIT

STUCK = textwrap.dedent(
    """
    import asyncio, contextlib
    from bot.demo.watchdog import Watchdog

    async def stubborn() -> None:
        while True:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(3600)

    async def main() -> None:
        dog.arm(1.0)
        task = asyncio.create_task(stubborn(), name="stubborn task")
        await asyncio.sleep(0.1)
        task.cancel()
        await task  # never ends: the task swallowed its cancellation

    dog = Watchdog("stuck demo")
    asyncio.run(main())
    """
)

FINE = textwrap.dedent(
    """
    import asyncio
    from bot.demo.watchdog import Watchdog

    async def main() -> None:
        dog.arm(1.0)
        await asyncio.sleep(0.1)

    dog = Watchdog("quick demo")
    asyncio.run(main())
    dog.disarm()
    import time; time.sleep(1.5)  # past the limit: a disarmed watchdog does nothing
    print("done")
    """
)


def test_a_stuck_loop_ends_with_its_tasks_and_threads_on_stderr() -> None:
    done = subprocess.run(
        [sys.executable, "-c", STUCK], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == HUNG_EXIT
    assert "stuck demo: hung 1 s after start" in done.stderr
    assert "task 'stubborn task'" in done.stderr
    assert "in stubborn" in done.stderr  # the task's own frame
    assert "-- threads:" in done.stderr
    assert "still running" in done.stdout


def test_a_run_that_ends_in_time_is_left_alone() -> None:
    done = subprocess.run(
        [sys.executable, "-c", FINE], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "done"
    assert done.stderr == ""
