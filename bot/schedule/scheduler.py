"""APScheduler 3, used in one place: jobs whose runs a stop waits for instead of cutting off.

APScheduler's shutdown cancels coroutine jobs that are running, and a poll cut off mid-way
logs a traceback for nothing; so `stop()` pauses the scheduler, lets running jobs finish for a
grace period, cancels what is left, then shuts it down.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec

from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.waiting import cancel_all

P = ParamSpec("P")


class Scheduler:
    def __init__(self, timezone: str) -> None:
        self._scheduler = AsyncIOScheduler(timezone=timezone)
        self._running: set[asyncio.Task[Any]] = set()

    def add_job(self, job: Callable[..., Awaitable[None]], *args: Any, **kwargs: Any) -> Job:
        """`AsyncIOScheduler.add_job`, for a coroutine job that `stop()` waits for."""
        return self._scheduler.add_job(self._tracked(job), *args, **kwargs)

    def get_job(self, job_id: str) -> Job | None:
        return self._scheduler.get_job(job_id)

    def start(self) -> None:
        self._scheduler.start()

    async def stop(self, grace_s: float) -> None:
        if not self._scheduler.running:
            return
        self._scheduler.pause()
        if self._running:
            _done, pending = await asyncio.wait(set(self._running), timeout=grace_s)
            await cancel_all(*pending)
        self._scheduler.shutdown(wait=False)

    def _tracked(self, job: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
        @functools.wraps(job)
        async def run(*args: P.args, **kwargs: P.kwargs) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await job(*args, **kwargs)
            finally:
                if task is not None:
                    self._running.discard(task)

        return run
