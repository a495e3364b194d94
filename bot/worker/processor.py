"""Per-chat processing: the pipeline of one buyer turn, and the exactly-once bookkeeping around it.

    claim chat ─▶ lock ─▶ reconcile a send left in flight ─▶ for each turn in the inbox:
      control state (paused? complaint?) ─▶ inbound guard ─▶ dialogue (Rasa) ─▶ decide
      ─▶ outbound guard ─▶ escalation/draft saved ─▶ mark "sending" ─▶ send ─▶ commit ─▶ read

Exactly-once effect: a turn's messages leave the inbox only in the commit that records its
outcome. A reply is written to a "sending" mark before the Ozon call; a worker that dies after
sending and before committing leaves that mark, and whoever owns the chat next looks for the
text in the chat history: found → commit without sending; not found → send the stored text
(the turn is not run through Rasa twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar

from bot.config import ShopConfig, WorkerSettings
from bot.dialogue.types import Dialogue, DialogueResult, TurnRequest
from bot.errors import (
    GuardError,
    OzonError,
    OzonSubscriptionError,
    OzonUnknownOutcomeError,
    RasaError,
)
from bot.guard.types import CheckResult, Inspection
from bot.knowledge.dates import format_date
from bot.models import COMPLAINT_REASONS, Decision, EscalationReason, Language
from bot.ozon.client import OzonClient
from bot.ozon.schemas import Direction
from bot.schedule.hours import is_working, next_opening, night_of
from bot.state.chats import ChatLock, ChatStore, LostLockError
from bot.state.escalations import ChatControl, ControlStore
from bot.state.keys import CHAT_LOCK_MS, HOLDING_S, Keys
from bot.state.models import (
    BuyerMessage,
    Escalation,
    MessageContext,
    PendingSend,
    Timings,
    TurnRecord,
    ViolationRecord,
)
from bot.worker.decide import Plan, Situation, blocked, decide, decide_inbound, escalate
from bot.worker.escalate import Escalator
from bot.worker.metrics import Metrics
from bot.worker.send import Origin, Sender

log = logging.getLogger(__name__)
T = TypeVar("T")

_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
RECONCILE_HISTORY = 50
OUTAGES = frozenset({"rasa", "actions", "ozon"})
"""Services whose long outage hands the waiting chats to people (reason `system`)."""


class Inspector(Protocol):
    def inspect(self, text: str) -> Inspection: ...


class Renderer(Protocol):
    def render(
        self,
        key: str,
        lang: Language,
        values: Mapping[str, object] | None = None,
        *,
        seed: str = "",
    ) -> str: ...


class Checker(Protocol):
    def check(self, text: str) -> CheckResult: ...


class DependencyDownError(Exception):
    """Rasa or Ozon cannot be reached now: the turn waits and is retried with backoff."""

    def __init__(self, service: str, cause: BaseException | str) -> None:
        super().__init__(f"{service} unavailable: {cause}")
        self.service = service


class Result(StrEnum):
    DONE = "done"
    BUSY = "busy"
    RETRY = "retry"


@dataclass(frozen=True, slots=True)
class Outcome:
    result: Result
    delay_s: float = 0.0


@dataclass
class PipelineDeps:
    """Everything the processor needs, built in `bot.app`."""

    shops: Mapping[str, ShopConfig]
    clients: Mapping[str, OzonClient]
    chats: ChatStore
    control: ControlStore
    escalator: Escalator
    inbound: Inspector
    outbound: Checker
    dialogue: Dialogue
    sender: Sender
    knowledge: Renderer
    detect_language: Callable[[str], Language]
    metrics: Metrics
    keys: Keys
    settings: WorkerSettings
    worker_id: str = "worker"
    clock: Callable[[], datetime] = field(default=lambda: datetime.now().astimezone())


@dataclass
class Turn:
    """One or several buyer messages answered together."""

    shop: ShopConfig
    messages: list[BuyerMessage]

    @property
    def chat_id(self) -> str:
        return self.messages[0].chat_id

    @property
    def text(self) -> str:
        parts = (_IMAGE.sub(" ", m.text).strip() for m in self.messages)
        return "\n".join(p for p in parts if p)

    @property
    def images_only(self) -> bool:
        return not self.text and any(m.is_image or _IMAGE.search(m.text) for m in self.messages)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(m.message_id for m in self.messages)

    @property
    def context(self) -> MessageContext | None:
        for message in reversed(self.messages):
            if message.context and (message.context.order_number or message.context.sku):
                return message.context
        return None


class ChatProcessor:
    def __init__(self, deps: PipelineDeps) -> None:
        self.d = deps

    async def process(self, shop_id: str, chat_id: str) -> Outcome:
        """Handle everything waiting in one chat. Never raises for Rasa/Ozon outages."""
        lock = await self.d.chats.lock(shop_id, chat_id)
        if lock is None:
            return Outcome(Result.BUSY, 1.0)
        keeper = asyncio.create_task(self._keep_lock(lock))
        try:
            await self._reconcile(lock)
            while messages := await self.d.chats.inbox(shop_id, chat_id):
                await self._handle(lock, messages)
            return Outcome(Result.DONE)
        except DependencyDownError as exc:
            return await self._postpone(lock, exc)
        except LostLockError:
            log.warning("lost the lock of %s/%s; another worker continues", shop_id, chat_id)
            return Outcome(Result.BUSY, 1.0)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            await self.d.chats.unlock(lock)

    async def _keep_lock(self, lock: ChatLock) -> None:
        while True:
            await asyncio.sleep(CHAT_LOCK_MS / 3000)
            if not await self.d.chats.renew(lock):
                log.warning("chat lock of %s/%s expired while working", lock.shop, lock.chat_id)
                return

    # --- one turn ------------------------------------------------------------------------

    async def _handle(self, lock: ChatLock, messages: list[BuyerMessage]) -> None:
        shop = self.d.shops.get(lock.shop)
        if shop is None:  # a shop removed from the configuration: keep its work, do nothing
            raise DependencyDownError("config", f"unknown shop {lock.shop!r}")
        turn = Turn(shop, messages)
        started = time.perf_counter()
        control = await self._remember(turn)
        if control.complaint or control.paused(self.d.clock()):
            await self._hold_for_people(lock, turn, control, started)
            return
        timings: dict[str, float] = {}
        inspection = self._timed(timings, "inbound", lambda: self.d.inbound.inspect(turn.text))
        dialogue: DialogueResult | None = None
        plan = decide_inbound(inspection)
        if plan is None and turn.images_only:
            plan = escalate(EscalationReason.UNKNOWN, "the buyer sent only images")
        if plan is None:
            dialogue = await self._understand(turn, control, inspection, timings)
            plan = await self._decide(turn, dialogue, timings)
        elif turn.text:
            dialogue = await self._understand_quietly(turn, control, inspection, timings)
        plan = await self._check_outbound(shop, plan, timings)
        await self._execute(lock, turn, plan, inspection, dialogue, timings, started)

    async def _remember(self, turn: Turn) -> ChatControl:
        """The chat's control state, updated with the turn's language and Ozon context.

        Written only when something changed: most turns only read it."""
        lang = self.d.detect_language(turn.text).value if turn.text else None
        context = turn.context
        current = await self.d.control.chat(turn.shop.id, turn.chat_id)
        stale_lang = lang is not None and lang != current.lang
        stale_context = context is not None and context != current.context
        if not stale_lang and not stale_context:
            return current

        def change(control: ChatControl) -> ChatControl:
            update: dict[str, object] = {}
            if lang is not None:
                update["lang"] = lang
            if context is not None:
                update["context"] = context
            return control.model_copy(update=update)

        return await self.d.control.update_chat(turn.shop.id, turn.chat_id, change)

    def _timed(self, timings: dict[str, float], stage: str, work: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            return work()
        finally:
            self._took(timings, stage, started)

    def _took(self, timings: dict[str, float], stage: str, started: float) -> None:
        elapsed = time.perf_counter() - started
        timings[stage] = timings.get(stage, 0.0) + elapsed * 1000
        self.d.metrics.stage_seconds.labels(stage=stage).observe(elapsed)

    async def _understand(
        self, turn: Turn, control: ChatControl, inspection: Inspection, timings: dict[str, float]
    ) -> DialogueResult:
        context = control.context or MessageContext()
        request = TurnRequest(
            sender=self.sender_id(turn.shop.id, turn.chat_id),
            text=turn.text,
            shop=turn.shop.id,
            chat_id=turn.chat_id,
            lang=Language(control.lang) if control.lang else Language.RU,
            turn=turn.ids[-1],
            order_number=context.order_number,
            sku=context.sku,
            flags=inspection.flags,
        )
        started = time.perf_counter()
        try:
            result = await self.d.dialogue.understand(request)
        except RasaError as exc:
            raise DependencyDownError("rasa", exc) from exc
        finally:
            self._took(timings, "dialogue", started)
        if result.retry is not None:
            raise DependencyDownError("ozon", result.retry.error or "action could not reach Ozon")
        if not result.paused and not result.payloads:
            # Every action reports itself; Rasa 3.6 turns a failed action call into silence.
            raise DependencyDownError("actions", "no action answered the turn")
        return result

    async def _understand_quietly(
        self, turn: Turn, control: ChatControl, inspection: Inspection, timings: dict[str, float]
    ) -> DialogueResult | None:
        """The inbound guard already decided; ask Rasa only so the record (and the tuning
        loop) knows the intent, and the conversation stays complete. Failures do not matter."""
        try:
            return await self._understand(turn, control, inspection, timings)
        except DependencyDownError:
            return None

    async def _decide(
        self, turn: Turn, dialogue: DialogueResult, timings: dict[str, float]
    ) -> Plan:
        if dialogue.paused:
            return Plan(Decision.NONE, detail="conversation paused in Rasa")
        started = time.perf_counter()
        situation = await self._situation(turn.shop)
        plan = decide(turn.shop, dialogue, situation)
        self._took(timings, "decide", started)
        return plan

    async def _situation(self, shop: ShopConfig) -> Situation:
        now = self.d.clock()
        paused, override = await self.d.control.shop_switches(shop.id)
        return Situation(
            working=is_working(shop.hours, now),
            shop_paused=paused,
            override=override.mode if override and override.active(now) else None,
        )

    async def _check_outbound(
        self, shop: ShopConfig, plan: Plan, timings: dict[str, float]
    ) -> Plan:
        if plan.reply is None:
            return plan
        started = time.perf_counter()
        result = await self.d.sender.check(shop.id, plan.reply, origin=Origin.BOT)
        self._took(timings, "outbound", started)
        return plan if result.ok else blocked(plan, result.violations)

    # --- acting on the plan -------------------------------------------------------------

    async def _execute(
        self,
        lock: ChatLock,
        turn: Turn,
        plan: Plan,
        inspection: Inspection,
        dialogue: DialogueResult | None,
        timings: dict[str, float],
        started: float,
    ) -> None:
        escalation: Escalation | None = None
        to_send = plan.reply
        if plan.decision in (Decision.ESCALATE, Decision.DRAFT):
            already_open = await self.d.escalator.open_for_chat(turn.shop.id, turn.chat_id)
            escalation = await self.d.escalator.escalate(
                turn.messages,
                plan,
                intent=dialogue.intent if dialogue else None,
                confidence=dialogue.confidence if dialogue else None,
                facts=dialogue.facts if dialogue else {},
                evidence=_evidence(turn, inspection) if plan.complaint else (),
                auto_send_at=self._auto_send_at(turn.shop, plan),
            )
            if plan.decision is Decision.ESCALATE:
                to_send = await self._holding_reply(turn, plan, already_open is not None)
        record = self._record(turn, plan, inspection, dialogue, escalation, to_send, timings)
        if to_send is None:
            await self._commit(lock, record, started)
            return
        await self._deliver(lock, turn, record, to_send, started)

    def _auto_send_at(self, shop: ShopConfig, plan: Plan) -> datetime | None:
        if plan.decision is not Decision.DRAFT or shop.draft_auto_send_min is None:
            return None
        return self.d.clock() + timedelta(minutes=shop.draft_auto_send_min)

    async def _holding_reply(self, turn: Turn, plan: Plan, already_open: bool) -> str | None:
        """One short acknowledgement per escalation; after hours one per chat per night.

        Abuse and spam get nothing (complaint flow)."""
        if plan.reason in COMPLAINT_REASONS or plan.reason is EscalationReason.SYSTEM:
            return None
        shop, now = turn.shop, self.d.clock()
        lang = self.d.detect_language(turn.text) if turn.text else shop.reply_language
        seed = f"{turn.chat_id}:{turn.ids[-1]}"
        if is_working(shop.hours, now):
            if already_open:
                return None
            text = self.d.knowledge.render("escalation.ack", lang, _shop_values(shop), seed=seed)
        else:
            if not shop.answer_after_hours_holding:
                return None
            night_key = self.d.keys.holding(shop.id, turn.chat_id, night_of(shop.hours, now))
            if not await self.d.control.once(night_key, HOLDING_S):
                return None
            opening = next_opening(shop.hours, now)
            values = {**_shop_values(shop), "next_open": _when(opening, now, lang)}
            text = self.d.knowledge.render("escalation.after_hours", lang, values, seed=seed)
        result = await self.d.sender.check(shop.id, text, origin=Origin.BOT)
        return text if result.ok else None

    async def _deliver(
        self, lock: ChatLock, turn: Turn, record: TurnRecord, text: str, started: float
    ) -> None:
        pending = PendingSend(
            message_ids=turn.ids, text=text, started_at=self.d.clock(), record=record
        )
        await self.d.chats.mark_sending(lock.shop, lock.chat_id, pending)
        await self._send_pending(lock, pending, started)

    async def _send_pending(self, lock: ChatLock, pending: PendingSend, started: float) -> None:
        send_started = time.perf_counter()
        try:
            await self.d.sender.send(lock.shop, lock.chat_id, pending.text, origin=Origin.BOT)
        except OzonUnknownOutcomeError as exc:
            if not await self._sent_already(lock, pending):
                raise DependencyDownError("ozon", exc) from exc
        except OzonSubscriptionError:
            await self._premium_missing(lock, pending, started)
            return
        except GuardError as exc:  # checked before; a changed lexicon may still refuse it
            await self.d.chats.clear_sending(lock.shop, lock.chat_id)
            log.error("reply refused at send time in %s/%s: %s", lock.shop, lock.chat_id, exc)
            raise DependencyDownError("guard", exc) from exc
        except OzonError as exc:
            await self.d.chats.clear_sending(lock.shop, lock.chat_id)
            raise DependencyDownError("ozon", exc) from exc
        timings = {"send": (time.perf_counter() - send_started) * 1000}
        await self._commit(lock, pending.record, started, timings)
        await self._mark_read(lock, pending.record.last_message_id)

    async def _premium_missing(self, lock: ChatLock, pending: PendingSend, started: float) -> None:
        """Ozon refused the write for lack of Premium: tell staff once, hand them the reply."""
        await self.d.chats.clear_sending(lock.shop, lock.chat_id)
        if await self.d.control.set_premium_missing(lock.shop):
            await self.d.escalator.outbox_notice(
                lock.shop,
                f"premium:{lock.shop}",
                "Ozon refused to send a chat message: the shop needs Premium Plus or Premium Pro."
                " The bot keeps running in draft mode: replies wait for staff.",
            )
        messages = [
            m
            for m in await self.d.chats.inbox(lock.shop, lock.chat_id)
            if m.message_id in pending.message_ids
        ]
        record = pending.record
        if messages:
            draft = Plan(Decision.DRAFT, detail="premium missing", suggested=pending.text)
            escalation = await self.d.escalator.escalate(
                messages, draft, intent=record.intent, confidence=record.confidence, facts={}
            )
            record = record.model_copy(
                update={
                    "decision": Decision.DRAFT,
                    "reply": None,
                    "suggested": pending.text,
                    "escalation_id": escalation.id,
                    "detail": "premium missing",
                }
            )
        await self._commit(lock, record, started)

    async def _mark_read(self, lock: ChatLock, message_id: str) -> None:
        try:
            await self.d.clients[lock.shop].mark_read(lock.chat_id, message_id)
        except OzonError as exc:  # unread in Ozon's cabinet only; the next reply reads it
            log.warning("mark read failed for %s/%s: %s", lock.shop, lock.chat_id, exc)

    async def _commit(
        self,
        lock: ChatLock,
        record: TurnRecord,
        started: float,
        extra: dict[str, float] | None = None,
    ) -> None:
        # A turn is always the whole inbox as it was read: its messages are the first entries.
        processed = len(record.message_ids)
        total = (time.perf_counter() - started) * 1000
        seen = record.seen_at
        visible = (
            (self.d.clock() - seen).total_seconds() * 1000
            if seen and record.decision is Decision.REPLY
            else None
        )
        timings = record.timings.model_copy(
            update={**(extra or {}), "total": total, "visible_to_sent": visible}
        )
        record = record.model_copy(update={"timings": timings, "handled_at": self.d.clock()})
        await self.d.chats.commit(lock, record, processed)
        await self._count(record)
        if visible is not None:
            self.d.metrics.reply_latency.observe(visible / 1000)

    async def _count(self, record: TurnRecord) -> None:
        metrics = self.d.metrics
        metrics.messages.labels(
            shop=record.shop, intent=record.intent or "-", decision=record.decision
        ).inc()
        fields = ["handled", f"decision:{record.decision}"]
        if record.reason is not None:
            metrics.escalations.labels(shop=record.shop, reason=record.reason).inc()
            fields.append(f"escalated:{record.reason}")
        fields.extend(f"blocked:{v.rule}" for v in record.violations)
        fields.extend(f"flag:{flag}" for flag in record.flags)
        for flag in record.flags:
            metrics.inbound_flags.labels(flag=flag).inc()
        day = record.handled_at.astimezone(self.d.shops[record.shop].hours.zone).date()
        await self.d.control.count(record.shop, day.isoformat(), *fields)

    def _record(
        self,
        turn: Turn,
        plan: Plan,
        inspection: Inspection,
        dialogue: DialogueResult | None,
        escalation: Escalation | None,
        sent_text: str | None,
        timings: dict[str, float],
    ) -> TurnRecord:
        return TurnRecord(
            shop=turn.shop.id,
            chat_id=turn.chat_id,
            message_ids=turn.ids,
            text=turn.text,
            lang=self.d.detect_language(turn.text).value if turn.text else "ru",
            intent=dialogue.intent if dialogue else None,
            confidence=dialogue.confidence if dialogue else None,
            entities=dialogue.entity_values() if dialogue else {},
            flags=tuple(sorted(inspection.flags)),
            decision=plan.decision,
            reason=plan.reason,
            detail=plan.detail,
            reply=sent_text,
            suggested=plan.suggested,
            violations=tuple(ViolationRecord.from_violation(v) for v in plan.violations),
            escalation_id=escalation.id if escalation else None,
            timings=Timings(**timings),
            seen_at=min(m.seen_at for m in turn.messages),
            worker=self.d.worker_id,
        )

    async def _hold_for_people(
        self, lock: ChatLock, turn: Turn, control: ChatControl, started: float
    ) -> None:
        """A chat staff took over, or one in the complaint flow: the bot never answers it."""
        escalation = await self.d.escalator.open_for_chat(turn.shop.id, turn.chat_id)
        inspection = self.d.inbound.inspect(turn.text)
        if escalation is not None:
            await self.d.escalator.forward(escalation, turn.messages)
        detail = "complaint flow" if control.complaint else f"taken over by {control.taken_by}"
        plan = Plan(Decision.NONE, detail=detail)
        record = self._record(turn, plan, inspection, None, escalation, None, {})
        await self._commit(lock, record, started)

    # --- crash recovery and outages -------------------------------------------------------

    async def _reconcile(self, lock: ChatLock) -> None:
        pending = await self.d.chats.pending_send(lock.shop, lock.chat_id)
        if pending is None:
            return
        started = time.perf_counter()
        if await self._sent_already(lock, pending):
            log.info(
                "reconciled %s/%s: the reply was sent before a restart", lock.shop, lock.chat_id
            )
            await self._commit(lock, pending.record, started)
            await self._mark_read(lock, pending.record.last_message_id)
            return
        control = await self.d.control.chat(lock.shop, lock.chat_id)
        if control.complaint or control.paused(self.d.clock()):
            record = pending.record.model_copy(
                update={"decision": Decision.NONE, "reply": None, "detail": "taken over"}
            )
            await self._commit(lock, record, started)
            return
        log.info("resending the unsent reply of %s/%s after a restart", lock.shop, lock.chat_id)
        await self._send_pending(lock, pending, started)

    async def _sent_already(self, lock: ChatLock, pending: PendingSend) -> bool:
        """Does the chat history show our text, sent by the seller after the buyer's turn?

        Message ids grow within a chat, so "after the turn" is decided by id, not by clocks
        that may disagree."""
        try:
            history = await self.d.clients[lock.shop].chat_history(
                lock.chat_id, direction=Direction.BACKWARD, limit=RECONCILE_HISTORY
            )
        except OzonError as exc:
            raise DependencyDownError("ozon", exc) from exc
        after = int(pending.message_ids[-1])
        wanted = " ".join(pending.text.split())
        return any(
            not m.is_buyer and int(m.message_id) > after and " ".join(m.text.split()) == wanted
            for m in history.messages
        )

    async def _postpone(self, lock: ChatLock, exc: DependencyDownError) -> Outcome:
        self.d.metrics.dependency_down.labels(service=exc.service).inc()
        now = self.d.clock()
        first = await self.d.control.first_outage(exc.service, lock.shop, now)
        down_for = (now - first).total_seconds()
        log.warning("%s/%s waits: %s (down %.0fs)", lock.shop, lock.chat_id, exc, down_for)
        if down_for >= self.d.settings.outage_limit_s and exc.service in OUTAGES:
            await self._escalate_system(lock, f"{exc.service} unavailable")
            return Outcome(Result.DONE)
        delay = min(60.0, max(2.0, down_for / 4))
        await self.d.chats.reschedule(lock.shop, lock.chat_id, int(delay * 1000))
        return Outcome(Result.RETRY, delay)

    async def give_up(self, shop_id: str, chat_id: str, detail: str) -> bool:
        """Hand the chat's waiting turn to people (reason `system`) after repeated failures the
        bot cannot recover from by waiting, such as a bug; False if the chat is busy."""
        lock = await self.d.chats.lock(shop_id, chat_id)
        if lock is None:
            return False
        try:
            await self._escalate_system(lock, detail)
        finally:
            await self.d.chats.unlock(lock)
        return True

    async def _escalate_system(self, lock: ChatLock, detail: str) -> None:
        """Down past the limit: people take the waiting turn; the bot's part ends here."""
        messages = await self.d.chats.inbox(lock.shop, lock.chat_id)
        pending = await self.d.chats.pending_send(lock.shop, lock.chat_id)
        if not messages:
            return
        shop = self.d.shops[lock.shop]
        turn = Turn(shop, messages)
        suggested = pending.text if pending else None
        plan = escalate(EscalationReason.SYSTEM, detail, suggested=suggested)
        escalation = await self.d.escalator.escalate(
            messages, plan, intent=None, confidence=None, facts={}
        )
        inspection = self.d.inbound.inspect(turn.text)
        record = self._record(turn, plan, inspection, None, escalation, None, {})
        await self._commit(lock, record, time.perf_counter())

    def sender_id(self, shop: str, chat_id: str) -> str:
        return f"{self.d.keys.prefix}:{shop}:{chat_id}"


def _evidence(turn: Turn, inspection: Inspection) -> tuple[str, ...]:
    hits = ", ".join(f"{h.flag}:{h.fragment!r}" for h in inspection.hits) or "intent"
    return tuple(f"{m.message_id} {m.created_at.isoformat()} {hits}" for m in turn.messages)


def _shop_values(shop: ShopConfig) -> dict[str, object]:
    return {"shop_name": shop.name, "return_window_days": shop.return_window_days}


def _when(opening: datetime | None, now: datetime, lang: Language) -> str:
    """When a specialist answers: "завтра с 09:00", "25 ноября с 09:00", "tomorrow from 09:00"."""
    if opening is None:
        return "on the next working day" if lang is Language.EN else "в ближайший рабочий день"
    today = now.astimezone(opening.tzinfo).date()
    clock = opening.strftime("%H:%M")
    days = (opening.date() - today).days
    if lang is Language.EN:
        day = {0: "today", 1: "tomorrow"}.get(days) or format_date(
            opening.date(), lang, today=today
        )
        return f"{day} from {clock}"
    day = {0: "сегодня", 1: "завтра"}.get(days) or format_date(opening.date(), lang, today=today)
    return f"{day} с {clock}"
