"""The scheduler's jobs (APScheduler 3): what runs when, and what a failed run does.

Every job is a coroutine with a one-shot form (`run_once()`) the tests call directly; the
scheduler only decides *when*. `App` names the jobs (`Every`), this module installs them:
every shop's poll is a job of its own (a slow or failing shop never delays another), and a run
that fails with one of the project's errors is logged and left to the next tick.
`max_instances=1` and `coalesce=True` keep a slow tick from piling up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.errors import OzonbotError
from bot.schedule.scheduler import Scheduler

log = logging.getLogger(__name__)

Run = Callable[[], Awaitable[object]]
COMMON: dict[str, Any] = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 30}


@dataclass(frozen=True, slots=True)
class Every:
    id: str
    """The job's id (`poll:main`, `sla`...), also its name in log lines."""
    run: Run
    seconds: float
    at_start: bool = False
    """Run once right at start too (a poll, the key check), not only after the first period."""


def install_jobs(scheduler: Scheduler, jobs: Iterable[Every]) -> None:
    for job in jobs:
        start = {"next_run_time": datetime.now(UTC)} if job.at_start else {}  # real time
        scheduler.add_job(
            _guarded, "interval", seconds=job.seconds, id=job.id, args=[job], **start, **COMMON
        )


async def _guarded(job: Every) -> None:
    try:
        await job.run()
    except OzonbotError as exc:
        log.warning("%s failed, the next tick retries: %s", job.id, exc)
