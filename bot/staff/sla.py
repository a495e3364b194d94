"""SLA reminders for escalations nobody has picked up (status OPEN), a scheduler job.

- every `sla_reannounce_min` minutes of waiting (at most `MAX_REANNOUNCE` times) a short
  re-announcement is posted as a reply to the card;
- after `sla_owner_min` minutes the owner (`TELEGRAM_OWNER_USERNAME`) is mentioned, once;
- when Ozon's reply window closes within `reply_window_warn_min`, the card turns urgent (edited)
  and a warning is posted, once per deadline.

Outside the shop's working hours nobody is re-announced or mentioned, but the urgent warning
still fires: Ozon's window does not stop at night. What was sent is recorded on the escalation
(`reminders_sent`, `owner_mentioned`, an "urgent" history entry) in the same atomic update that
decides to send it, so restarts and several workers never repeat a reminder; the notification
ids are deterministic as well, so even a repeated outbox entry is delivered once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import ShopConfig, WorkerSettings
from bot.schedule.hours import is_working
from bot.staff.texts import Texts
from bot.staff.wording import duration, reason_label
from bot.state.escalations import EscalationStore, Outbox
from bot.state.models import Escalation, EscalationStatus, Notification, StaffAction

log = logging.getLogger(__name__)

MAX_REANNOUNCE = 3
URGENT = "urgent"


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    reannounce: timedelta
    owner_after: timedelta
    warn_window: timedelta
    owner: str | None

    @classmethod
    def from_settings(cls, worker: WorkerSettings, owner: str | None) -> SlaPolicy:
        return cls(
            reannounce=timedelta(minutes=worker.sla_reannounce_min),
            owner_after=timedelta(minutes=worker.sla_owner_min),
            warn_window=timedelta(minutes=worker.reply_window_warn_min),
            owner=(owner or "").lstrip("@") or None,
        )


class SlaReminders:
    def __init__(
        self,
        *,
        escalations: EscalationStore,
        outbox: Outbox,
        shops: Mapping[str, ShopConfig],
        policy: SlaPolicy,
        texts: Texts,
        clock: Callable[[], datetime],
    ) -> None:
        self._escalations = escalations
        self._outbox = outbox
        self._shops = shops
        self._policy = policy
        self._t = texts
        self._clock = clock

    async def run_once(self) -> int:
        """Check every open escalation once; returns how many reminders were queued."""
        now, queued = self._clock(), 0
        for escalation in await self._escalations.list_open():
            shop = self._shops.get(escalation.shop)
            if escalation.status is EscalationStatus.OPEN and shop is not None:
                queued += await self._check(escalation, shop, now)
        return queued

    async def _check(self, escalation: Escalation, shop: ShopConfig, now: datetime) -> int:
        queued = await self._urgent(escalation, now)
        if is_working(shop.hours, now):
            queued += await self._reannounce(escalation, now)
            queued += await self._mention_owner(escalation, now)
        return queued

    async def _reannounce(self, escalation: Escalation, now: datetime) -> int:
        waited = now - escalation.created_at
        due = min(MAX_REANNOUNCE, int(waited / self._policy.reannounce))
        if due <= escalation.reminders_sent:
            return 0
        claimed = await self._claim(
            escalation.id,
            lambda e: e.reminders_sent < due,
            lambda e: e.model_copy(update={"reminders_sent": due}),
        )
        if not claimed:
            return 0
        text = self._t("reminder.again", reason=self._reason(escalation), age=self._age(waited))
        await self._remind(escalation, f"sla:{escalation.id}:again:{due}", text)
        return 1

    async def _mention_owner(self, escalation: Escalation, now: datetime) -> int:
        waited = now - escalation.created_at
        owner = self._policy.owner
        if owner is None or escalation.owner_mentioned or waited < self._policy.owner_after:
            return 0
        claimed = await self._claim(
            escalation.id,
            lambda e: not e.owner_mentioned,
            lambda e: e.model_copy(update={"owner_mentioned": True}),
        )
        if not claimed:
            return 0
        text = self._t(
            "reminder.owner", owner=owner, age=self._age(waited), reason=self._reason(escalation)
        )
        await self._remind(escalation, f"sla:{escalation.id}:owner", text)
        return 1

    async def _urgent(self, escalation: Escalation, now: datetime) -> int:
        deadline = escalation.reply_deadline
        if deadline is None or not now < deadline <= now + self._policy.warn_window:
            return 0
        mark = deadline.isoformat()
        if _urgent_marked(escalation, mark):
            return 0
        claimed = await self._claim(
            escalation.id,
            lambda e: not _urgent_marked(e, mark),
            lambda e: e.model_copy(
                update={"history": (*e.history, StaffAction(at=now, action=URGENT, note=mark))}
            ),
        )
        if not claimed:
            return 0
        stamp = int(deadline.timestamp())
        await self._outbox.add(
            Notification(
                id=f"sla:{escalation.id}:urgent-card:{stamp}",
                kind="escalation",
                shop=escalation.shop,
                escalation_id=escalation.id,
                chat_id=escalation.chat_id,
            )
        )
        text = self._t("reminder.urgent", left=duration(deadline - now, self._t))
        await self._remind(escalation, f"sla:{escalation.id}:urgent:{stamp}", text)
        return 1

    async def _claim(
        self,
        escalation_id: str,
        due: Callable[[Escalation], bool],
        change: Callable[[Escalation], Escalation],
    ) -> bool:
        """Apply `change` if the escalation (re-read atomically) is still open and `due`."""
        applied = False

        def apply(escalation: Escalation) -> Escalation:
            nonlocal applied  # the WATCH loop may call this again: the last call decides
            applied = escalation.status is EscalationStatus.OPEN and due(escalation)
            return change(escalation) if applied else escalation

        await self._escalations.mutate(escalation_id, apply)
        return applied

    async def _remind(self, escalation: Escalation, notification_id: str, text: str) -> None:
        await self._outbox.add(
            Notification(
                id=notification_id,
                kind="reminder",
                shop=escalation.shop,
                escalation_id=escalation.id,
                chat_id=escalation.chat_id,
                text=text,
            )
        )
        log.info("SLA reminder %s queued", notification_id)

    def _reason(self, escalation: Escalation) -> str:
        return reason_label(escalation.reason, self._t)

    def _age(self, waited: timedelta) -> str:
        return duration(waited, self._t)


def _urgent_marked(escalation: Escalation, mark: str) -> bool:
    return any(a.action == URGENT and a.note == mark for a in escalation.history)
