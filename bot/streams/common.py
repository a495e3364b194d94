"""What both public streams share: their dependencies, varied checked wording, staff cards,
and publishing a text exactly once.

Exactly once (`Publication`): the item's lease is taken first; the text is written to the
item's progress record (`posting`) BEFORE Ozon is asked to publish it; after Ozon's answer it is
`posted`, after the status change `done`. A `posting` record found by anyone later (its writer
died after writing it, maybe after Ozon took the text) is reconciled with Ozon's list of
answers/comments: found → `posted`; not found → sent again, once it is older than the settle
time of the stream (question answers are listed at once, even in moderation; review comments
only once moderated, hence the shop's `comment_settle_min`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.config import ShopConfig
from bot.dialogue.types import conversation_id
from bot.errors import GuardError, KnowledgeError
from bot.guard.types import Inspection
from bot.knowledge.store import Knowledge, fill
from bot.models import Intent, Language, Mode
from bot.ozon.client import OzonClient
from bot.schedule.hours import is_working
from bot.staff.texts import Texts
from bot.state.models import Notification, PublicCard, PublicStream
from bot.state.streams import ItemRecord, Progress, StreamStore, digest
from bot.streams.policy import ceiling, public_findings, public_problems
from bot.worker.metrics import Metrics
from bot.worker.send import Checked, Origin

log = logging.getLogger(__name__)

RECONCILE_AFTER = timedelta(seconds=20)
"""A `posting` record younger than this may belong to a call still in flight (or an answer Ozon
does not list yet): it is left alone."""


class Inspector(Protocol):
    def inspect(self, text: str) -> Inspection: ...


class Approver(Protocol):
    """`bot.worker.send.Sender`: the outbound check as a gate."""

    async def approve(self, shop: str, text: str, *, origin: Origin) -> Checked: ...


class Notifier(Protocol):
    """`bot.state.escalations.Outbox`."""

    def add(self, notification: Notification) -> Awaitable[None]: ...


@dataclass(frozen=True, slots=True)
class StreamDeps:
    """One shop's stream: everything it talks to, built by `App` and passed in."""

    shop: ShopConfig
    ozon: OzonClient
    store: StreamStore
    inbound: Inspector
    sender: Approver
    knowledge: Knowledge
    outbox: Notifier
    metrics: Metrics | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    paused: Callable[[str], Awaitable[bool]] | None = None
    """The shop's kill switch (`ControlStore.shop_paused`): automatic answers become drafts."""
    texts: Texts = field(default_factory=Texts)
    """Staff notices in the staff language."""
    prefix: str = "ozonbot"
    """The deployment's Redis prefix: part of each item's Rasa conversation id, as for chats."""

    def conversation(self, item: str) -> str:
        """Rasa's conversation id for one public item (`question:<id>`, `review:<id>`)."""
        return conversation_id(self.prefix, self.shop.id, item)

    async def mode(self, stream_mode: Mode, intent: Intent | None = None) -> Mode:
        """The stream's mode under the shop's per-intent working-hours modes (as for chats)
        and the kill switch (`/pause`: automatic answers become drafts)."""
        modes = [stream_mode]
        if intent is not None:
            working = is_working(self.shop.hours, self.clock())
            modes.append(self.shop.mode_for(intent, working=working))
        if self.paused is not None and await self.paused(self.shop.id):
            modes.append(Mode.DRAFT)
        return ceiling(*modes)

    def count(self, stream: PublicStream, decision: str, rating: str = "") -> None:
        if self.metrics is not None:
            self.metrics.public_items.labels(
                shop=self.shop.id, stream=stream.value, decision=decision, rating=rating
            ).inc()


# --- varied, checked wording ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Worded:
    text: Checked | None
    problems: tuple[str, ...] = ()
    """Why no phrasing could be used: rule ids of the check or of the public-answer rules."""


async def varied(
    deps: StreamDeps,
    *,
    key: str,
    lang: Language,
    values: dict[str, str],
    sku: str,
    seed: str,
    origin: Origin = Origin.BOT,
) -> Worded:
    """A phrasing of `key` that passes every rule and differs from the SKU's last public text;
    the choice is recorded atomically, so two workers cannot both post one wording in a row."""
    variants = [fill(text, values, key=key) for text in deps.knowledge.variants(key, lang)]
    last = await deps.store.last_text(deps.shop.id, sku)
    start = _index(f"{seed}|{key}", len(variants))
    problems: list[str] = []
    for offset in range(len(variants)):
        text = variants[(start + offset) % len(variants)]
        if digest(text) == last:
            problems.append("repetitive")
            continue
        checked = await _checked(deps, text, origin, problems)
        if checked is not None and await deps.store.rotate(deps.shop.id, sku, text):
            return Worded(checked)
    return Worded(None, tuple(dict.fromkeys(problems)))


async def _checked(
    deps: StreamDeps, text: str, origin: Origin, problems: list[str]
) -> Checked | None:
    public = public_problems(text)
    if public:
        problems.extend(public)
        return None
    try:
        return await deps.sender.approve(deps.shop.id, text, origin=origin)
    except GuardError as exc:
        problems.extend(v.rule.value for v in exc.violations)
        return None


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule a staff text broke, with the fragment that broke it (shown on the refusal)."""

    rule: str
    """An outbound rule id, or `public_link` / `public_promise`."""
    fragment: str


async def checked_by_staff(
    deps: StreamDeps, text: str
) -> tuple[Checked | None, tuple[Finding, ...]]:
    """A text typed by staff: the same check as a chat relay, plus the public-answer rules;
    every rule broken is reported at once, so one correction can fix them all."""
    found = [Finding(rule, fragment) for rule, fragment in public_findings(text)]
    try:
        checked: Checked | None = await deps.sender.approve(deps.shop.id, text, origin=Origin.STAFF)
    except GuardError as exc:
        checked = None
        found.extend(Finding(v.rule.value, v.fragment) for v in exc.violations)
    return (None if found else checked), tuple(found)


def render_once(deps: StreamDeps, key: str, lang: Language, values: dict[str, str]) -> str | None:
    """One phrasing for a staff suggestion (varied again when it is sent)."""
    try:
        return fill(deps.knowledge.variants(key, lang)[0], values, key=key)
    except KnowledgeError as exc:
        log.warning("public snippet %s unusable: %s", key, exc)
        return None


def _index(seed: str, count: int) -> int:
    value = int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest()[:8], "big")
    return value % count


# --- staff cards ----------------------------------------------------------------------------


def card_id(shop: str, stream: PublicStream, item: str) -> str:
    """Stable per item, so a retried decision updates one card instead of adding another."""
    letter = "q" if stream is PublicStream.QUESTIONS else "r"
    return f"{shop}-{letter}-{hashlib.sha256(item.encode()).hexdigest()[:10]}"


async def post_card(deps: StreamDeps, card: PublicCard) -> None:
    """Keep the card and queue it for the staff chat (the outbox delivers it once)."""
    await deps.store.put_card(card)
    kind = "question" if card.stream is PublicStream.QUESTIONS else "review"
    await deps.outbox.add(
        Notification(id=f"{card.id}:{card.why}", kind=kind, shop=card.shop, public=card)
    )


async def tell_staff(deps: StreamDeps, name: str, text: str) -> None:
    notification_id = f"{deps.shop.id}:public:{name}:{deps.clock():%Y%m%d%H%M}"
    await deps.outbox.add(
        Notification(id=notification_id, kind="notice", shop=deps.shop.id, text=text)
    )


# --- exactly once ---------------------------------------------------------------------------


class Publication:
    """The exactly-once steps of one item (see the module docstring)."""

    def __init__(self, deps: StreamDeps, stream: PublicStream, item: str) -> None:
        self._deps = deps
        self._stream = stream
        self._item = item

    async def record(self) -> ItemRecord | None:
        return await self._deps.store.record(self._deps.shop.id, self._stream, self._item)

    async def mark(
        self,
        progress: Progress,
        *,
        text: str | None = None,
        published_id: str | None = None,
        card_id: str | None = None,
        by: str = "bot",
    ) -> ItemRecord:
        record = ItemRecord(
            progress=progress,
            at=self._deps.clock(),
            text=text,
            published_id=published_id,
            card_id=card_id,
            by=by,
        )
        await self._deps.store.save(self._deps.shop.id, self._stream, self._item, record)
        return record

    def settled(self, record: ItemRecord, settle: timedelta) -> bool:
        """Old enough to be reconciled: its writer is gone and Ozon had time to list it."""
        return self._deps.clock() - record.at >= max(settle, RECONCILE_AFTER)

    async def publish(
        self, text: str, create: Callable[[str], Awaitable[str]], *, by: str = "bot"
    ) -> str:
        """Record the intent, then ask Ozon once; returns Ozon's id of the answer/comment.
        `text` passed the checks: a `Checked` text, or one recorded after passing them."""
        await self.mark(Progress.POSTING, text=text, by=by)
        published = await create(text)
        await self.mark(Progress.POSTED, text=text, published_id=published, by=by)
        return published
