"""Logging set-up shared by every long-running command (worker, actions, demo, benchmarks)."""

from __future__ import annotations

import logging


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # aiohttp's access log and apscheduler's per-run lines are noise at INFO; a poll skipped
    # because the previous one still runs is expected under load (jobs coalesce), not a warning.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
