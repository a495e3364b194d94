"""Working-hours jobs: the morning digest and drafts that send themselves when nobody acts.

The digest goes to the staff chat once per shop per working day, at the first tick inside
working hours: what the bot answered while nobody was at work, what was handed to people, and
what still waits, oldest first. A draft (mode `draft`) whose shop sets `draft_auto_send_min`
is sent through the same checked send path when its time comes and nobody approved,
edited or dismissed it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import unescape
from typing import TYPE_CHECKING, Protocol

from bot.config import ShopConfig
from bot.models import Decision
from bot.schedule.hours import is_working, working_day
from bot.staff.texts import Texts
from bot.state.chats import ChatStore
from bot.state.escalations import ControlStore, EscalationStore, Outbox
from bot.state.keys import DIGEST_S, Keys
from bot.state.models import Escalation, EscalationStatus, Notification, TurnRecord

if TYPE_CHECKING:
    from bot.worker.staffops import SendResult

log = logging.getLogger(__name__)

LOOKBACK = timedelta(hours=24)
WAITING_LINES = 15


@dataclass(frozen=True)
class Digest:
    shop: ShopConfig
    answered: Counter[str]
    escalated: int
    drafts: int
    waiting: tuple[Escalation, ...]


def summarise(
    shop: ShopConfig, records: list[TurnRecord], open_escalations: list[Escalation]
) -> Digest:
    """Turns handled outside working hours, and the shop's open escalations."""
    overnight = [r for r in records if not is_working(shop.hours, r.handled_at)]
    answered = Counter(r.intent or "-" for r in overnight if r.decision is Decision.REPLY)
    waiting = sorted((e for e in open_escalations if e.shop == shop.id), key=lambda e: e.created_at)
    return Digest(
        shop=shop,
        answered=answered,
        escalated=sum(1 for r in overnight if r.decision is Decision.ESCALATE),
        drafts=sum(1 for e in waiting if e.draft),
        waiting=tuple(waiting),
    )


def render_digest(digest: Digest, texts: Texts, now: datetime) -> str:
    """Plain text (the console escapes it): counts first, then the queue, oldest first."""
    from bot.staff.wording import duration, reason_label, status_label

    lines = [
        texts("digest.title", shop=digest.shop.name),
        texts("digest.answered", n=sum(digest.answered.values())),
        *(
            texts("digest.by_intent", intent=intent, n=n)
            for intent, n in digest.answered.most_common()
        ),
        texts("digest.escalated", n=digest.escalated),
        texts("digest.drafts", n=digest.drafts),
    ]
    if not digest.waiting:
        lines.append(texts("digest.nothing"))
        return "\n".join(lines)
    lines.append(texts("digest.waiting"))
    for escalation in digest.waiting[:WAITING_LINES]:
        label = texts(
            "queue.line",
            age=duration(now - escalation.created_at, texts),
            shop=digest.shop.name,
            reason=reason_label(escalation.reason, texts),
            status=unescape(status_label(escalation, texts)),
        )
        lines.append(f"- {label}")
    if len(digest.waiting) > WAITING_LINES:
        lines.append(texts("queue.more", n=len(digest.waiting) - WAITING_LINES))
    return "\n".join(lines)


class Digests:
    """The morning digest of every shop (a scheduler job)."""

    def __init__(
        self,
        shops: Sequence[ShopConfig],
        texts: Texts,
        chats: ChatStore,
        control: ControlStore,
        escalations: EscalationStore,
        outbox: Outbox,
        keys: Keys,
        clock: Callable[[], datetime],
    ) -> None:
        self._shops = shops
        self._texts = texts
        self._chats = chats
        self._control = control
        self._escalations = escalations
        self._outbox = outbox
        self._keys = keys
        self._clock = clock

    async def run_once(self) -> int:
        """Post today's digest for every shop that is at work now and has not had one."""
        now, posted = self._clock(), 0
        for shop in self._shops:
            if not is_working(shop.hours, now):
                continue
            day = working_day(shop.hours, now)
            if not await self._control.once(self._keys.digest(shop.id, day), DIGEST_S):
                continue
            records = await self._chats.records_between(shop.id, now - LOOKBACK, now)
            digest = summarise(shop, records, await self._escalations.list_open())
            text = render_digest(digest, self._texts, now)
            await self._outbox.add(
                Notification(id=f"digest:{shop.id}:{day}", kind="digest", shop=shop.id, text=text)
            )
            posted += 1
        return posted


class Sends(Protocol):
    async def send_suggested(self, escalation_id: str, staff: None) -> SendResult: ...


class DraftTimer:
    """Drafts nobody acted on by their `auto_send_at`: sent through the checked, claimed send
    path (a staff tap and this timer, on any worker, never both send one)."""

    def __init__(
        self, escalations: EscalationStore, staff: Sends, clock: Callable[[], datetime]
    ) -> None:
        self._escalations = escalations
        self._staff = staff
        self._clock = clock

    async def run_once(self) -> int:
        now, sent = self._clock(), 0
        for escalation in await self._escalations.list_open():
            due = escalation.auto_send_at
            if not escalation.draft or escalation.status is not EscalationStatus.OPEN:
                continue
            if due is None or due > now:
                continue
            result = await self._staff.send_suggested(escalation.id, None)
            if result.sent:
                sent += 1
                continue
            log.warning(
                "draft %s not sent automatically: %s",
                escalation.id,
                result.error or ",".join(v.rule for v in result.violations),
            )
            if not result.unknown_outcome:
                await self._escalations.mutate(
                    escalation.id, lambda e: e.model_copy(update={"auto_send_at": None})
                )
        if sent:
            log.info("sent %d drafts nobody acted on", sent)
        return sent
