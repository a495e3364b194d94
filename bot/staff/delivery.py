"""Staff notifications from the outbox to the staff chats: post or edit cards, post the rest.

The worker only ever writes `Notification`s to the `Outbox` stream; this loop is the one reader.
An entry is acknowledged after Telegram took it, or after it was set aside for its staff chat.
`is_done`/`mark_done` keyed by `Notification.id` make a retried or duplicated entry visible once.

Failures are kept to the chat they belong to:

- Telegram unreachable (network, 5xx): the entry stays unacknowledged, the loop backs off and
  `Outbox.reclaim` hands it back: an outage or a restart loses nothing.
- a 429 for one chat: that chat waits `retry_after` (kept in Redis), its notifications are set
  aside (`Outbox.hold`) and delivered in order afterwards; the other chats go on at once.
- a chat that refuses the bot (403 kicked, 400 chat not found, no rights): the chat is parked,
  the error is logged and counted, and an alert goes to the alert chat or another staff chat.
  Its notifications are set aside, not dropped; every `probe_s` the oldest is tried again, and
  the first that goes through unparks the chat and delivers the rest in order.
- a request Telegram refuses as such (any other 400): skipped, logged, never retried.

A consumer group found missing (Redis lost its data) is re-created by the `Outbox`; the loss is
logged and counted (`ozonbot_state_lost`) and delivery goes on with what is new.

Every notification carries only ids; the card is rendered from the escalation as it is *now*,
so a burst of updates ends in one correct card, and a forward that overtakes the card's first
post (the card failed, the forward came later) posts the card itself before replying to it.
A product question or review notification carries its card as queued; it is shown as the
`PublicDesk` has it now (sent, dismissed, already posted), so it too ends in one message.

Long (~540 lines) because delivering a notification is one state machine (post, edit, forward,
park, retry) whose cases must be read together.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

from bot.errors import (
    ConfigError,
    StateError,
    StateLostError,
    TelegramDeliveryError,
    TelegramForbiddenError,
    TelegramRejectedError,
)
from bot.staff.cards import render_card, render_forward, render_public_card
from bot.staff.setup import ConsoleSetup
from bot.staff.telegram import EditOutcome, TelegramApi
from bot.staff.translation import StaffTranslation
from bot.state.console import ConsoleStore, ParkedChat
from bot.state.escalations import EscalationStore, Held, Outbox, OutboxStatus
from bot.state.models import Escalation, Notification, PublicCard
from bot.streams.desk import PublicDesk
from bot.waiting import Backoff, wait_any
from bot.worker.metrics import Metrics

log = logging.getLogger(__name__)

BATCH = 10
PROBE_S = 300.0
"""A parked chat is tried again this often: people need minutes to re-add a bot."""
STALL_S = 300.0
"""`health()` calls delivery stuck when a notification has waited this long in the stream."""


@dataclass
class Route:
    """One staff chat as this batch sees it."""

    parked: ParkedChat | None = None
    wait_ms: int = 0
    held: int = 0

    @property
    def open(self) -> bool:
        """A new notification may go straight there (nothing waits ahead of it)."""
        return self.wait_ms <= 0 and self.held == 0

    @property
    def reachable(self) -> bool:
        return self.parked is None and self.wait_ms <= 0


@dataclass(frozen=True, slots=True)
class ParkedView:
    chat: int
    reason: str
    since: datetime
    held: int
    oldest_held_s: float | None


@dataclass(frozen=True, slots=True)
class DeliveryHealth:
    """The delivery side for `/healthz`: `ok` is False when staff get nothing at all."""

    outbox: OutboxStatus
    parked: tuple[ParkedView, ...]
    waiting: dict[int, float] = field(default_factory=dict)
    """Chats told to wait (429) → seconds left."""
    held: int = 0
    stall_s: float = STALL_S

    @property
    def ok(self) -> bool:
        age = self.outbox.oldest_age_s
        return self.outbox.group and (age is None or age < self.stall_s)

    @property
    def problems(self) -> list[str]:
        found = [] if self.outbox.group else ["outbox consumer group missing"]
        age = self.outbox.oldest_age_s
        if age is not None and age >= self.stall_s:
            found.append(f"oldest staff notification waits {age:.0f} s")
        found += [f"staff chat {p.chat} parked: {p.reason}" for p in self.parked]
        return found

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "problems": self.problems,
            "group": self.outbox.group,
            "pending": self.outbox.pending,
            "unread": self.outbox.unread,
            "oldest_undelivered_s": self.outbox.oldest_age_s,
            "held": self.held,
            "parked": [
                {
                    "chat": p.chat,
                    "reason": p.reason,
                    "since": p.since.isoformat(),
                    "held": p.held,
                    "oldest_held_s": p.oldest_held_s,
                }
                for p in self.parked
            ],
            "waiting": {str(chat): left for chat, left in self.waiting.items()},
        }


class Delivery:
    def __init__(
        self,
        *,
        api: TelegramApi,
        setup: ConsoleSetup,
        outbox: Outbox,
        escalations: EscalationStore,
        store: ConsoleStore,
        consumer: str,
        backoff: Backoff | None = None,
        metrics: Metrics | None = None,
        probe_s: float = PROBE_S,
        alert_chat: int | None = None,
        translation: StaffTranslation | None = None,
        desk: PublicDesk | None = None,
    ) -> None:
        self._api = api
        self._translation = translation
        self._desk = desk
        self._setup = setup
        self._outbox = outbox
        self._escalations = escalations
        self._store = store
        self._consumer = consumer
        self._backoff = backoff or Backoff()
        self.metrics = metrics or Metrics()
        self._probe_ms = int(probe_s * 1000)
        self._alert_chat = alert_chat
        self._routes: dict[int, Route] = {}
        self._last_backlog: int | None = None

    async def run(
        self, stop: asyncio.Event, *, gate: asyncio.Event | None = None, block_ms: int = 1000
    ) -> None:
        """Until `stop`: deliver, backing off while Telegram or Redis fail; only while `gate`
        is set (this worker holds the console lock)."""
        while not stop.is_set():
            if gate is not None and not gate.is_set():
                await wait_any(gate, stop)
                continue
            try:
                await self.run_once(block_ms=block_ms)
            except (TelegramDeliveryError, StateError) as exc:
                hint = exc.retry_after if isinstance(exc, TelegramDeliveryError) else None
                wait = self._backoff.delay(hint)
                log.warning("staff notifications wait %.1f s: %s", wait, exc)
                await wait_any(stop, within_s=wait)
            except Exception as exc:  # a bug must not end delivery: retried, slowly, loudly
                wait = self._backoff.delay()
                log.error("staff delivery failed (%s at %s); retry in %.1f s", *failure(exc), wait)
                await wait_any(stop, within_s=wait)
            else:
                self._backoff.reset()

    async def run_once(self, *, block_ms: int = 0) -> int:
        """Deliver one batch: what waits for chats that can take it again, then entries whose
        earlier try failed, otherwise new ones; returns how many were handled.

        Raises when Telegram cannot be reached; the entry and the rest of the batch stay
        unacknowledged and come back through `reclaim` once they were idle for a backoff step.
        """
        await self._load_routes()
        drained = sum([await self._drain(chat, route) for chat, route in self._due_routes()])
        batch = await self._next_batch(0 if drained else self._block_ms(block_ms))
        for entry_id, notification in batch:
            await self._route(entry_id, notification)
        return drained + len(batch)

    # --- routing ------------------------------------------------------------------------

    def _chats(self) -> list[int]:
        chats = set(self._setup.staff_chats)
        if self._setup.default_chat is not None:
            chats.add(self._setup.default_chat)
        return sorted(chats)

    async def _load_routes(self) -> None:
        chats = self._chats()
        destinations = await self._store.destinations(chats)
        held = await self._outbox.held_for(chats)
        self._routes = {
            chat: Route(destinations[chat].parked, destinations[chat].wait_ms, held[chat].count)
            for chat in chats
        }

    def _due_routes(self) -> list[tuple[int, Route]]:
        return [(c, r) for c, r in self._routes.items() if r.held and r.wait_ms <= 0]

    def _block_ms(self, block_ms: int) -> int:
        """Wait for news no longer than until the first held chat may be tried again."""
        waits = [r.wait_ms for r in self._routes.values() if r.held]
        return max(1, min([block_ms, *waits])) if block_ms else 0

    async def _next_batch(self, block_ms: int) -> list[tuple[str, Notification]]:
        try:
            return await self._take(block_ms)
        except StateLostError as exc:
            self._lost(exc)
            return await self._take(block_ms)

    async def _take(self, block_ms: int) -> list[tuple[str, Notification]]:
        idle_ms = int(self._backoff.first_s * 1000)
        batch = await self._outbox.reclaim(self._consumer, min_idle_ms=idle_ms, count=BATCH)
        if batch:
            return batch
        return await self._outbox.read(self._consumer, count=BATCH, block_ms=block_ms)

    def _lost(self, exc: StateLostError) -> None:
        self.metrics.state_lost.labels(structure=exc.structure).inc()
        backlog = "unknown" if self._last_backlog is None else str(self._last_backlog)
        log.error(
            "%s; re-created. Staff notifications not delivered before the loss are gone "
            "(undelivered at the last health check: %s); new ones are delivered",
            exc,
            backlog,
        )

    async def _route(self, entry_id: str, notification: Notification) -> None:
        try:
            chat = self._setup.chat_of(notification.shop)
        except ConfigError as exc:
            log.error("staff notification %s has nowhere to go: %s", notification.id, exc)
            await self._outbox.ack(entry_id)
            return
        route = self._routes.setdefault(chat, Route())
        if route.open and await self._attempt(chat, notification):
            await self._outbox.ack(entry_id)
            return
        # Behind what already waits for this chat, so its notifications keep their order.
        await self._outbox.hold(chat, entry_id, notification)
        route.held += 1

    async def _drain(self, chat: int, route: Route) -> int:
        """Deliver what waits for `chat`, oldest first, until it refuses again."""
        delivered = 0
        for stored, notification in await self._outbox.held(chat, count=BATCH):
            if not await self._attempt(chat, notification):
                break
            await self._outbox.release(chat, stored)
            route.held -= 1
            delivered += 1
        return delivered

    async def _attempt(self, chat: int, notification: Notification) -> bool:
        """Show `notification` in `chat` once; False when the chat cannot take it now."""
        if await self._outbox.is_done(notification.id):
            return True
        try:
            wrote = await self._post(notification)
        except TelegramForbiddenError as exc:
            await self._park(chat, exc)
            return False
        except TelegramRejectedError as exc:
            # A request Telegram refuses as such would be refused forever: skip it rather
            # than block every later notification. The escalation itself stays in Redis.
            log.error("Telegram refused staff notification %s: %s", notification.id, exc)
        except ConfigError as exc:
            log.error("staff notification %s has nowhere to go: %s", notification.id, exc)
        except TelegramDeliveryError as exc:
            if exc.retry_after is None:
                raise  # Telegram itself is unreachable: every chat waits (see `run`)
            await self._slow_down(chat, exc.retry_after)
            return False
        else:
            if wrote:
                await self._reachable(chat)
        await self._outbox.mark_done(notification.id)
        return True

    # --- chats that cannot take messages ---------------------------------------------------

    async def _slow_down(self, chat: int, retry_after: float) -> None:
        wait_ms = max(1, int(retry_after * 1000))
        await self._store.slow_down(chat, wait_ms)
        self._routes.setdefault(chat, Route()).wait_ms = wait_ms
        self.metrics.telegram_refusals.labels(chat=str(chat), reason="rate_limited").inc()
        log.warning(
            "staff chat %s: Telegram asks to wait %s s; other chats go on", chat, retry_after
        )

    async def _park(self, chat: int, exc: TelegramForbiddenError) -> None:
        fresh = ParkedChat(reason=_reason(exc), since=datetime.now(UTC))
        parked, new = await self._store.park(chat, fresh, self._probe_ms)
        route = self._routes.setdefault(chat, Route())
        route.parked, route.wait_ms = parked, self._probe_ms
        self.metrics.telegram_refusals.labels(chat=str(chat), reason="forbidden").inc()
        self.metrics.telegram_parked.labels(chat=str(chat)).set(1)
        level = logging.ERROR if new else logging.WARNING
        log.log(
            level,
            "staff chat %s (%s) refuses the bot: %s. Its notifications wait and the chat is "
            "tried again every %.0f s; other chats go on",
            chat,
            self._shops_in(chat),
            parked.reason,
            self._probe_ms / 1000,
        )
        if not parked.alerted and await self._alert(chat, self._parked_text(chat, parked)):
            await self._store.mark_alerted(chat, parked)

    async def _reachable(self, chat: int) -> None:
        route = self._routes.get(chat)
        if route is None or route.parked is None:
            return
        route.parked = None
        parked = await self._store.unpark(chat)
        self.metrics.telegram_parked.labels(chat=str(chat)).set(0)
        if parked is None:
            return
        log.warning("staff chat %s takes the bot's messages again; what waited follows", chat)
        if parked.alerted:
            text = self._setup.texts("console.unparked", chat=chat, shops=self._shops_in(chat))
            await self._alert(chat, text)

    async def _alert(self, chat: int, text: str) -> bool:
        """Tell people about `chat` somewhere else; True once one chat took the message."""
        for target in self._alert_targets(chat):
            try:
                await self._api.send(target, text)
            except TelegramDeliveryError as exc:
                log.warning("could not alert in staff chat %s: %s", target, exc)
                continue
            return True
        log.error("no other chat to alert about staff chat %s: set TELEGRAM_ALERT_CHAT_ID", chat)
        return False

    def _alert_targets(self, chat: int) -> list[int]:
        first = [] if self._alert_chat in (None, chat) else [self._alert_chat]
        others = [c for c, r in self._routes.items() if c != chat and r.reachable]
        return [*first, *(c for c in others if c not in first)]

    def _parked_text(self, chat: int, parked: ParkedChat) -> str:
        reason = escape(parked.reason, quote=False)
        return self._setup.texts(
            "console.parked", chat=chat, shops=self._shops_in(chat), reason=reason
        )

    def _shops_in(self, chat: int) -> str:
        names = [self._setup.shop_name(shop.id) for shop in self._setup.shops_in(chat)]
        return escape(", ".join(names) or "-", quote=False)

    # --- health ----------------------------------------------------------------------------

    async def health(self, *, stall_s: float = STALL_S) -> DeliveryHealth:
        """The outbox, parked and waiting chats, read from Redis: right on any worker."""
        outbox = await self._outbox.status()
        chats = self._chats()
        destinations = await self._store.destinations(chats)
        held = await self._outbox.held_for(chats)
        now = datetime.now(UTC)
        parked = tuple(
            ParkedView(
                chat=chat,
                reason=state.parked.reason,
                since=state.parked.since,
                held=held[chat].count,
                oldest_held_s=_age_s(now, held[chat].oldest),
            )
            for chat, state in destinations.items()
            if state.parked is not None
        )
        waiting = {
            c: d.wait_ms / 1000 for c, d in destinations.items() if d.wait_ms and not d.parked
        }
        total_held = sum(h.count for h in held.values())
        self._observe(outbox, parked, held)
        self._last_backlog = outbox.pending + (outbox.unread or 0) + total_held
        return DeliveryHealth(outbox, parked, waiting, total_held, stall_s)

    def _observe(
        self, outbox: OutboxStatus, parked: Iterable[ParkedView], held: dict[int, Held]
    ) -> None:
        self.metrics.outbox_pending.set(outbox.pending + (outbox.unread or 0))
        parked_chats = {p.chat for p in parked}
        for chat, waiting in held.items():
            self.metrics.outbox_held.labels(chat=str(chat)).set(waiting.count)
            self.metrics.telegram_parked.labels(chat=str(chat)).set(int(chat in parked_chats))

    # --- what a notification shows -------------------------------------------------------------

    async def _post(self, notification: Notification) -> bool:
        """Show `notification` in its staff chat; False when there was nothing to show."""
        if notification.kind in ("notice", "digest"):
            chat = self._setup.chat_of(notification.shop)
            await self._api.send(chat, escape(notification.text or "", quote=False))
            return True
        if notification.kind in ("question", "review"):
            return await self._public(notification)
        escalation = await self._escalation(notification)
        if escalation is None:
            return False
        if notification.kind in ("escalation", "draft"):
            await self.refresh_card(escalation)
        elif notification.kind == "forward":
            view = self._setup.view(escalation.shop)
            text = render_forward(notification.text or "", notification.created_at, view)
            await self._reply_to_card(escalation, text)
            if self._translation is not None:
                # The forwarded words are on the card too: its translation edits the card.
                await self._translation.card(escalation)
        elif notification.kind == "reminder":
            await self._reply_to_card(escalation, escape(notification.text or "", quote=False))
        return True

    async def _escalation(self, notification: Notification) -> Escalation | None:
        if notification.escalation_id is None:
            log.error("staff notification %s names no escalation", notification.id)
            return None
        escalation = await self._escalations.get(notification.escalation_id)
        if escalation is None:
            log.error("staff notification %s: escalation is gone", notification.id)
        return escalation

    async def refresh_card(self, escalation: Escalation) -> int:
        """Show the escalation's current state: edit its card, or post it; returns the card."""
        chat = self._setup.chat_of(escalation.shop)
        # From the cache only: a translation still to come is asked for in the background
        # and edits this card later (bot/staff/translation.py), so the card never waits.
        translated = await self._translation.card(escalation) if self._translation else None
        card = render_card(escalation, self._setup.view(escalation.shop), translated)
        if escalation.card_message_id is not None:
            outcome = await self._api.edit(chat, escalation.card_message_id, card.text, card.rows)
            if outcome is not EditOutcome.GONE:
                return escalation.card_message_id
        # The one window where a card can appear twice: Telegram took this sendMessage but we
        # died (or Redis failed) before the message id below was saved. The retried notification
        # then finds no card and posts it again. The Bot API has no idempotency key for
        # sendMessage, so the window cannot be closed from here; it lasts one Redis write.
        message_id = await self._api.send(chat, card.text, rows=card.rows)
        await self._escalations.mutate(escalation.id, _with_card(message_id))
        await self._store.link_message(chat, message_id, escalation.id)
        return message_id

    async def _public(self, notification: Notification) -> bool:
        if notification.public is None:
            log.error("staff notification %s carries no card", notification.id)
            return False
        # The card as it is now (sent, dismissed, linked to its message), else as queued.
        current = await self._desk.card(notification.public.id) if self._desk else None
        await self.refresh_public(current or notification.public)
        return True

    async def refresh_public(self, card: PublicCard) -> int:
        """Show a question or review card as it is: edit its message, or post it and link the
        message to the card, so a reply to it is the public answer (`PublicActions`)."""
        chat = self._setup.chat_of(card.shop)
        translated = await self._translation.public(card) if self._translation else None
        rendered = render_public_card(card, self._setup.view(card.shop), translated)
        if card.card_message_id is not None:
            outcome = await self._api.edit(chat, card.card_message_id, rendered.text, rendered.rows)
            if outcome is not EditOutcome.GONE:
                return card.card_message_id
        # The same one-Redis-write window as `refresh_card`: a crash right after Telegram took
        # the message can post the card twice; it can never publish an answer twice.
        message_id = await self._api.send(chat, rendered.text, rows=rendered.rows)
        if self._desk is not None:
            await self._desk.linked(card.id, message_id)
        await self._store.link_message(chat, message_id, card.id)
        return message_id

    async def _reply_to_card(self, escalation: Escalation, text: str) -> None:
        card = escalation.card_message_id
        if card is None:
            card = await self.refresh_card(escalation)
        chat = self._setup.chat_of(escalation.shop)
        message_id = await self._api.send(chat, text, reply_to=card)
        # A reply to this message is a reply to the buyer, like a reply to the card.
        await self._store.link_message(chat, message_id, escalation.id)


def _with_card(message_id: int) -> Callable[[Escalation], Escalation]:
    def change(escalation: Escalation) -> Escalation:
        return escalation.model_copy(update={"card_message_id": message_id})

    return change


def _reason(exc: TelegramForbiddenError) -> str:
    """Telegram's own words, without the "method: ErrorType: " that `TelegramApi` puts first."""
    return str(exc).split(": ", 2)[-1]


def _age_s(now: datetime, since: datetime | None) -> float | None:
    return None if since is None else max(0.0, (now - since).total_seconds())


def failure(exc: BaseException) -> tuple[str, str]:
    """The error's type and where it happened: never its message, which may quote buyer text."""
    frames = traceback.extract_tb(exc.__traceback__)
    return type(exc).__name__, (f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?")
