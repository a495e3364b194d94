"""A hard limit for `ozonbot demo --once`: a run that ends in CI or a script must end.

The demo bounds each of its own waits, but a bound inside the event loop cannot help when the
loop itself is stuck (a task that swallows its cancellation, a thread the interpreter waits for
at exit). This watchdog is a thread: when the limit passes it writes what every asyncio task
and every thread is doing to stderr, then ends the process with `HUNG_EXIT`.
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import os
import sys
import threading
from typing import TextIO

HUNG_EXIT = 3


class Watchdog:
    def __init__(self, what: str) -> None:
        self._what = what
        self._timer: threading.Timer | None = None

    def arm(self, limit_s: float) -> None:
        """From inside the running loop: end the process if it still runs in `limit_s`."""
        self.disarm()
        loop = asyncio.get_running_loop()
        self._timer = threading.Timer(limit_s, self._hung, args=(loop, limit_s))
        self._timer.daemon = True
        self._timer.start()

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _hung(self, loop: asyncio.AbstractEventLoop, limit_s: float) -> None:
        err = sys.__stderr__ or sys.stderr
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        print(f"\n{self._what}: still running {limit_s:.0f} s after it started; stopping it.")
        print(f"{self._what}: hung {limit_s:.0f} s after start; where it was:", file=err)
        if not loop.is_closed():
            done = threading.Event()

            def dump() -> None:
                try:
                    _dump_tasks(loop, err)
                finally:
                    done.set()

            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(dump)
            if not done.wait(5.0):
                print("(the event loop did not run for 5 s: something blocks it)", file=err)
        print("-- threads:", file=err)
        faulthandler.dump_traceback(file=err, all_threads=True)
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        err.flush()
        os._exit(HUNG_EXIT)


def _dump_tasks(loop: asyncio.AbstractEventLoop, err: TextIO) -> None:
    tasks = asyncio.all_tasks(loop)
    print(f"-- {len(tasks)} asyncio tasks:", file=err)
    for task in tasks:
        print(f"task {task.get_name()!r}:", file=err)
        task.print_stack(limit=12, file=err)
