"""The scheduler's jobs (APScheduler 3): polling, takeover expiry, SLA reminders, digests, drafts.

Every job is a coroutine with a one-shot form the tests call directly; the scheduler only
decides *when*. `max_instances=1` and `coalesce=True` keep a slow tick from piling up.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.errors import OzonbotError

if TYPE_CHECKING:
    from bot.app import App
    from bot.schedule.scheduler import Scheduler
    from bot.staff.sla import SlaReminders

log = logging.getLogger(__name__)


def install_jobs(scheduler: Scheduler, app: App) -> None:
    worker = app.settings.worker
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 30}
    for shop in app.settings.shops:
        # One job per shop: a slow or failing shop never delays another's poll.
        scheduler.add_job(
            app.poll_job,
            "interval",
            seconds=worker.poll_interval_s,
            id=f"poll:{shop.id}",
            args=[shop.id],
            next_run_time=datetime.now(UTC),  # the scheduler runs on real time
            **common,
        )
    scheduler.add_job(
        _keys,
        "interval",
        hours=24,
        id="keys",
        args=[app],
        next_run_time=datetime.now(UTC),  # at start too: a bad key is named at once
        **common,
    )
    every = {
        "takeovers": (_expire_takeovers, 60),
        "digest": (_digests, 60),
        "drafts": (_drafts, 30),
        "control": (_control, 5),
        "sends": (_reconcile_sends, 30),
        "state": (_watch_state, 10),
    }
    for job_id, (job, seconds) in every.items():
        scheduler.add_job(job, "interval", seconds=seconds, id=job_id, args=[app], **common)
    if app.settings.telegram.enabled:
        install_sla_job(scheduler, app, common)


def install_sla_job(scheduler: Scheduler, app: App, common: dict[str, Any]) -> None:
    """SLA reminders to the staff chat; without Telegram there is nobody to remind."""
    from bot.staff.sla import SlaReminders

    reminders = SlaReminders.build(app)
    scheduler.add_job(_sla_reminders, "interval", seconds=60, id="sla", args=[reminders], **common)


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


async def _control(app: App) -> None:
    """Pause/resume steps in Rasa that failed when staff asked for them."""
    try:
        await app.staff.run_control_once()
    except OzonbotError as exc:
        log.warning("control steps failed, the next tick retries: %s", exc)


async def _reconcile_sends(app: App) -> None:
    """Suggested replies whose send ended in a crash or an unknown outcome."""
    try:
        await app.staff.reconcile_sends()
    except OzonbotError as exc:
        log.warning("reconciling staff sends failed, the next tick retries: %s", exc)


async def _watch_state(app: App) -> None:
    """Notice Redis losing its data (see `bot.worker.health`)."""
    try:
        await app.watch.check()
    except OzonbotError as exc:
        log.warning("state watch failed, the next tick retries: %s", exc)


async def _keys(app: App) -> None:
    """Each shop's key expiry and roles, and its push address as Ozon rates it."""
    await app.keys_watch.run_once()
