"""Working-hours jobs: the morning digest and drafts that send themselves when nobody acts.

The digest goes to the staff chat once per shop per working day, at the first tick inside
working hours: what the bot answered while nobody was at work, what was handed to people, and
what still waits, oldest first; then, per stream (chats, product questions, reviews), how many
of the last 24 hours were answered automatically and handed to people, and how many wait now.
Chats are counted from the turn records, questions and reviews from the decisions the streams
record (`StreamStore.turns_between`) and their open cards (`StreamStore.open_cards`).

A draft (mode `draft`) whose shop sets `draft_auto_send_min` is sent through the same checked
send path when its time comes and nobody approved, edited or dismissed it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import unescape
from typing import TYPE_CHECKING, Protocol

from bot.config import ShopConfig
from bot.models import Decision, Mode
from bot.schedule.hours import is_working, working_day
from bot.staff.texts import Texts
from bot.state.chats import ChatStore
from bot.state.escalations import ControlStore, EscalationStore, Outbox
from bot.state.keys import DIGEST_S, Keys
from bot.state.models import (
    Escalation,
    EscalationStatus,
    Notification,
    PublicStream,
    TurnRecord,
)
from bot.state.streams import Outcome, PublicTurn, StreamStore

if TYPE_CHECKING:
    from bot.worker.staffops import SendResult

log = logging.getLogger(__name__)

LOOKBACK = timedelta(hours=24)
WAITING_LINES = 15


@dataclass(frozen=True, slots=True)
class StreamCounts:
    """One stream's line of the digest: the last 24 hours, and what waits now."""

    stream: str
    """`chats`, `questions` or `reviews`."""
    auto: int
    staff: int
    pending: int


@dataclass(frozen=True)
class Digest:
    shop: ShopConfig
    answered: Counter[str]
    escalated: int
    drafts: int
    waiting: tuple[Escalation, ...]
    streams: tuple[StreamCounts, ...] = ()


@dataclass(frozen=True, slots=True)
class PublicActivity:
    """The question and review streams of one shop, as `StreamStore` holds them."""

    turns: Sequence[PublicTurn] = ()
    """Decided in the last 24 hours."""
    open_cards: Mapping[PublicStream, int] = field(default_factory=dict)


def summarise(
    shop: ShopConfig,
    records: list[TurnRecord],
    open_escalations: list[Escalation],
    public: PublicActivity | None = None,
) -> Digest:
    """Turns handled outside working hours, the shop's open escalations, and the counts per
    stream over all of `records` and `public` (the last 24 hours)."""
    overnight = [r for r in records if not is_working(shop.hours, r.handled_at)]
    answered = Counter(r.intent or "-" for r in overnight if r.decision is Decision.REPLY)
    waiting = sorted((e for e in open_escalations if e.shop == shop.id), key=lambda e: e.created_at)
    return Digest(
        shop=shop,
        answered=answered,
        escalated=sum(1 for r in overnight if r.decision is Decision.ESCALATE),
        drafts=sum(1 for e in waiting if e.draft),
        waiting=tuple(waiting),
        streams=(_chat_counts(records, len(waiting)), *_public_counts(shop, public)),
    )


def _chat_counts(records: list[TurnRecord], waiting: int) -> StreamCounts:
    decisions = Counter(r.decision for r in records)
    staff = decisions[Decision.ESCALATE] + decisions[Decision.DRAFT]
    return StreamCounts("chats", decisions[Decision.REPLY], staff, waiting)


def _public_counts(shop: ShopConfig, public: PublicActivity | None) -> list[StreamCounts]:
    """A line per public stream the shop runs (or that still has something to show); none
    when nothing records them (zeros would say more than is known)."""
    if public is None:
        return []
    running = {
        PublicStream.QUESTIONS: shop.public.questions is not Mode.OFF,
        PublicStream.REVIEWS: shop.public.reviews_on,
    }
    lines = []
    for stream in PublicStream:
        outcomes = Counter(t.outcome for t in public.turns if t.stream is stream)
        pending = public.open_cards.get(stream, 0)
        if not running[stream] and not outcomes and not pending:
            continue
        lines.append(
            StreamCounts(stream.value, outcomes[Outcome.AUTO], outcomes[Outcome.STAFF], pending)
        )
    return lines


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
        *_stream_lines(digest.streams, texts),
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


def _stream_lines(streams: Sequence[StreamCounts], texts: Texts) -> list[str]:
    if not streams:
        return []
    lines = [texts("digest.streams")]
    for counts in streams:
        name = texts(f"digest.stream.{counts.stream}")
        lines.append(
            texts(
                "digest.stream",
                stream=name,
                auto=counts.auto,
                staff=counts.staff,
                pending=counts.pending,
            )
        )
    return lines


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
        streams: StreamStore | None = None,
    ) -> None:
        """`streams`: where the question and review streams record their decisions; without
        it the digest counts chats only."""
        self._streams = streams
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
            open_escalations = await self._escalations.list_open()
            digest = summarise(shop, records, open_escalations, await self._public(shop.id, now))
            text = render_digest(digest, self._texts, now)
            await self._outbox.add(
                Notification(id=f"digest:{shop.id}:{day}", kind="digest", shop=shop.id, text=text)
            )
            posted += 1
        return posted

    async def _public(self, shop: str, now: datetime) -> PublicActivity | None:
        if self._streams is None:
            return None
        return PublicActivity(
            turns=await self._streams.turns_between(shop, now - LOOKBACK, now),
            open_cards=await self._streams.open_cards(shop, now),
        )


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
