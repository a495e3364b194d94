"""The scheduler's jobs (APScheduler 3): polling, takeover expiry, SLA reminders, digests, drafts.

Every job is a coroutine with a one-shot form the tests call directly; the scheduler only
decides *when*. `max_instances=1` and `coalesce=True` keep a slow tick from piling up.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.errors import OzonbotError

if TYPE_CHECKING:
    from bot.app import App
    from bot.staff.sla import SlaReminders

log = logging.getLogger(__name__)


def install_jobs(scheduler: AsyncIOScheduler, app: App) -> None:
    worker = app.settings.worker
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 30}
    scheduler.add_job(
        app.tracked(app.poll_job),
        "interval",
        seconds=worker.poll_interval_s,
        id="poll",
        next_run_time=datetime.now(UTC),  # the scheduler runs on real time
        **common,
    )
    scheduler.add_job(
        app.tracked(_expire_takeovers), "interval", seconds=60, id="takeovers", args=[app], **common
    )
    scheduler.add_job(
        app.tracked(_digests), "interval", seconds=60, id="digest", args=[app], **common
    )
    scheduler.add_job(
        app.tracked(_drafts), "interval", seconds=30, id="drafts", args=[app], **common
    )
    if app.settings.telegram.enabled:
        install_sla_job(scheduler, app, common)


def install_sla_job(scheduler: AsyncIOScheduler, app: App, common: dict[str, Any]) -> None:
    """SLA reminders to the staff chat; without Telegram there is nobody to remind."""
    from bot.staff.sla import SlaReminders

    reminders = SlaReminders.build(app)
    job = app.tracked(_sla_reminders)
    scheduler.add_job(job, "interval", seconds=60, id="sla", args=[reminders], **common)


async def _sla_reminders(reminders: SlaReminders) -> None:
    try:
        await reminders.run_once()
    except OzonbotError as exc:
        log.warning("SLA reminders failed, the next tick retries: %s", exc)


async def _digests(app: App) -> None:
    from bot.schedule.digest import post_digests

    try:
        await post_digests(app)
    except OzonbotError as exc:
        log.warning("morning digest failed, the next tick retries: %s", exc)


async def _drafts(app: App) -> None:
    from bot.schedule.digest import send_due_drafts

    try:
        sent = await send_due_drafts(app)
    except OzonbotError as exc:
        log.warning("draft auto-send failed, the next tick retries: %s", exc)
        return
    if sent:
        log.info("sent %d drafts nobody acted on", sent)


async def _expire_takeovers(app: App) -> None:
    try:
        returned = await app.staff.expire_takeovers()
    except OzonbotError as exc:
        log.warning("takeover expiry failed: %s", exc)
        return
    if returned:
        log.info("returned %d timed-out takeovers to the bot", returned)
