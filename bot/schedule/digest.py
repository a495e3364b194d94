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
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import unescape
from typing import TYPE_CHECKING

from bot.config import ShopConfig
from bot.models import Decision
from bot.schedule.hours import is_working, working_day
from bot.state.keys import DIGEST_S
from bot.state.models import Escalation, EscalationStatus, Notification, TurnRecord

if TYPE_CHECKING:
    from bot.app import App
    from bot.staff.texts import Texts

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
    from bot.staff.cards import duration, reason_label, status_label

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


async def post_digests(app: App) -> int:
    """Post today's digest for every shop that is at work now and has not had one."""
    from bot.staff.texts import Texts

    texts = Texts(app.settings.telegram.language)
    now, posted = app.clock(), 0
    for shop in app.settings.shops:
        if not is_working(shop.hours, now):
            continue
        day = working_day(shop.hours, now)
        if not await app.control.once(app.keys.digest(shop.id, day), DIGEST_S):
            continue
        records = await app.chats.records_between(shop.id, now - LOOKBACK, now)
        digest = summarise(shop, records, await app.escalations.list_open())
        text = render_digest(digest, texts, now)
        await app.outbox.add(
            Notification(id=f"digest:{shop.id}:{day}", kind="digest", shop=shop.id, text=text)
        )
        posted += 1
    return posted


async def send_due_drafts(app: App) -> int:
    """Drafts nobody acted on by their `auto_send_at`: sent through the checked send path."""
    now, sent = app.clock(), 0
    for escalation in await app.escalations.list_open():
        due = escalation.auto_send_at
        if not escalation.draft or escalation.status is not EscalationStatus.OPEN or due is None:
            continue
        if due > now:
            continue
        result = await app.staff.send_suggested(escalation.id, None)
        if result.sent:
            sent += 1
        else:
            log.warning(
                "draft %s not sent automatically: %s",
                escalation.id,
                result.error or ",".join(v.rule for v in result.violations),
            )
            await app.escalations.mutate(
                escalation.id, lambda e: e.model_copy(update={"auto_send_at": None})
            )
    return sent
