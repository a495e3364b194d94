"""Per-chat processing: the pipeline of one buyer turn, and the exactly-once bookkeeping around it.

    claim chat ─▶ lock ─▶ reconcile a send left in flight ─▶ for each turn in the inbox:
      control state (paused? complaint?) ─▶ inbound guard ─▶ dialogue (Rasa) ─▶ decide
      ─▶ outbound check (once) ─▶ escalation/draft saved ─▶ mark "sending" ─▶ send ─▶ commit
      ─▶ read

Exactly-once effect: a turn's messages leave the inbox only in the commit that records its
outcome. A reply is written to a "sending" mark before the Ozon call; a worker that dies after
sending and before committing leaves that mark, and whoever owns the chat next looks for the
text in the chat history: found → commit without sending; not found (and old enough that Ozon
would show it) → send the stored text (the turn is not run through Rasa twice).

Fencing: the chat lock's token is checked in the same atomic step as every effect that Redis
records — the "sending" mark (the last step before Ozon is called), the commit and the inbox
trim. A lock keeper renews the lock; when it cannot confirm the lock in time it cancels the
turn, so a worker that lost its chat never reaches the send. The lock lease (30 s) is longer
than an Ozon call may take, so a send that had started finishes or fails inside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.config import ShopConfig, WorkerSettings
from bot.dialogue.types import Dialogue, DialogueResult, TurnRequest
from bot.errors import (
    DependencyDownError,
    GuardError,
    LostLockError,
    OzonAuthError,
    OzonError,
    OzonPermissionError,
    OzonRateLimitError,
    OzonSubscriptionError,
    RasaMalformedError,
    RasaUnavailableError,
    StateError,
)
from bot.guard.types import Inspection
from bot.models import COMPLAINT_REASONS, Decision, EscalationReason, Intent, Language
from bot.ozon.client import OzonClient
from bot.ozon.schemas import Direction
from bot.schedule.hours import is_working, next_opening, night_of
from bot.staff.texts import Texts
from bot.state.chats import ChatLock, ChatStore
from bot.state.escalations import ChatControl, ControlStore
from bot.state.keys import CHAT_LOCK_MS, HOLDING_S, SEND_SETTLE_S, Keys
from bot.state.models import (
    BuyerMessage,
    Escalation,
    MessageContext,
    PendingSend,
    TurnRecord,
    ViolationRecord,
)
from bot.worker.decide import (
    Plan,
    Situation,
    blocked,
    decide,
    decide_inbound,
    escalate,
    flags_for_rasa,
)
from bot.worker.escalate import Escalator
from bot.worker.holding import when_specialist_answers
from bot.worker.metrics import Metrics
from bot.worker.send import Checked, Origin, Sender
from bot.worker.turn import Stopwatch, Turn

log = logging.getLogger(__name__)

RECONCILE_HISTORY = 50
OUTAGES = frozenset({"rasa", "actions", "ozon"})
"""Services whose long outage hands the waiting chats to people (reason `system`)."""
RENEW_EVERY_S = CHAT_LOCK_MS / 3000
RENEW_RETRY_S = 0.5
LOCK_MARGIN_S = 5.0
"""The keeper cancels the turn this long before a lock it could not renew may expire."""
MAX_RETRY_S = 60.0


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
    dialogue: Dialogue
    sender: Sender
    knowledge: Renderer
    detect_language: Callable[[str], Language]
    metrics: Metrics
    keys: Keys
    settings: WorkerSettings
    notices: Texts
    """Staff notices in the staff language."""
    worker_id: str = "worker"
    clock: Callable[[], datetime] = field(default=lambda: datetime.now().astimezone())


@dataclass(frozen=True, slots=True)
class Understanding:
    """What the pipeline learnt about a turn before acting on it."""

    inspection: Inspection
    dialogue: DialogueResult | None
    plan: Plan
    acted_intent: str | None


class ChatProcessor:
    def __init__(self, deps: PipelineDeps) -> None:
        self.d = deps

    async def process(self, shop_id: str, chat_id: str) -> Outcome:
        """Handle everything waiting in one chat.

        Returns BUSY when another worker holds the chat (or this one lost it), RETRY with a
        delay when a dependency is down; raises only for bugs and Redis outages."""
        lock = await self.d.chats.lock(shop_id, chat_id)
        if lock is None:
            return Outcome(Result.BUSY, 1.0)
        work = asyncio.create_task(self._work(lock), name=f"turns {shop_id}/{chat_id}")
        keeper = asyncio.create_task(self._keep_lock(lock), name=f"lock {shop_id}/{chat_id}")
        try:
            await asyncio.wait({work, keeper}, return_when=asyncio.FIRST_COMPLETED)
            if not work.done():
                work.cancel()
                with contextlib.suppress(asyncio.CancelledError, LostLockError):
                    await work
                self.d.metrics.lost_locks.inc()
                return Outcome(Result.BUSY, 1.0)
            return work.result()
        finally:
            for task in (work, keeper):
                task.cancel()
            await asyncio.gather(work, keeper, return_exceptions=True)
            with contextlib.suppress(StateError):  # else the lock expires on its own
                await self.d.chats.unlock(lock)

    async def _keep_lock(self, lock: ChatLock) -> None:
        """Renew the lock until cancelled; return (which cancels the turn) when it is lost, or
        when Redis has not confirmed it for so long that it may have expired."""
        lease_s = CHAT_LOCK_MS / 1000
        confirmed = time.monotonic()
        delay = RENEW_EVERY_S
        while True:
            await asyncio.sleep(delay)
            try:
                renewed = await self.d.chats.renew(lock)
            except StateError as exc:
                if time.monotonic() - confirmed >= lease_s - LOCK_MARGIN_S:
                    log.warning("%s/%s: lock not confirmed, turn cancelled: %s", *_at(lock), exc)
                    return
                delay = RENEW_RETRY_S
                continue
            if not renewed:
                log.warning("%s/%s: lock lost while working, turn cancelled", *_at(lock))
                return
            confirmed, delay = time.monotonic(), RENEW_EVERY_S

    async def _work(self, lock: ChatLock) -> Outcome:
        try:
            await self._reconcile(lock)
            while messages := await self.d.chats.inbox(lock.shop, lock.chat_id):
                await self._handle(lock, messages)
            return Outcome(Result.DONE)
        except DependencyDownError as exc:
            return await self._postpone(lock, exc)
        except LostLockError:
            log.warning("%s/%s: lost the lock; another worker continues", *_at(lock))
            self.d.metrics.lost_locks.inc()
            return Outcome(Result.BUSY, 1.0)

    # --- one turn ------------------------------------------------------------------------

    async def _handle(self, lock: ChatLock, messages: list[BuyerMessage]) -> None:
        shop = self.d.shops.get(lock.shop)
        if shop is None:  # a shop removed from the configuration: keep its work, do nothing
            raise DependencyDownError("config", f"unknown shop {lock.shop!r}")
        turn = Turn.of(shop, messages, self.d.detect_language)
        watch = Stopwatch(self.d.metrics)
        control, known = await self._remember(turn)
        if control.complaint or control.paused(self.d.clock()):
            await self._hold_for_people(lock, turn, control, watch)
            return
        if not known and await self._lost_with_data(turn):
            plan = escalate(
                EscalationReason.SYSTEM,
                "Redis lost the bot's memory of this chat while people may have been handling"
                " it; check the chat before the bot answers it again",
            )
            await self._execute(lock, turn, Understanding(_nothing(), None, plan, None), watch)
            return
        understanding = await self._understand(turn, control, watch)
        plan = await self._check_outbound(shop, understanding.plan, watch)
        understanding = Understanding(
            understanding.inspection, understanding.dialogue, plan, understanding.acted_intent
        )
        await self._execute(lock, turn, understanding, watch)

    async def _remember(self, turn: Turn) -> tuple[ChatControl, bool]:
        """The chat's control state, updated with the turn's language and Ozon context, and
        whether the chat was known before (False for a new chat, or after data loss).

        Written only when something changed: most turns only read it."""
        lang = turn.lang.value if turn.lang else None
        context = turn.context
        current, known = await self.d.control.chat_and_known(turn.shop.id, turn.chat_id)
        stale_lang = lang is not None and lang != current.lang
        stale_context = context is not None and context != current.context
        if not stale_lang and not stale_context:
            return current, known

        def change(control: ChatControl) -> ChatControl:
            update: dict[str, object] = {}
            if lang is not None:
                update["lang"] = lang
            if context is not None:
                update["context"] = context
            return control.model_copy(update=update)

        return await self.d.control.update_chat(turn.shop.id, turn.chat_id, change), known

    async def _lost_with_data(self, turn: Turn) -> bool:
        """After Redis lost its data, a chat the seller wrote in lately may have been taken
        over by a person: the bot must not answer it before a person looks."""
        if not await self.d.control.recovering():
            return False
        try:
            history = await self.d.clients[turn.shop.id].chat_history(
                turn.chat_id, direction=Direction.BACKWARD, limit=RECONCILE_HISTORY
            )
        except OzonError as exc:
            raise DependencyDownError("ozon", exc) from exc
        since = self.d.clock() - timedelta(minutes=self.d.settings.takeover_timeout_min)
        return any(not m.is_buyer and m.created_at >= since for m in history.messages)

    async def _understand(
        self, turn: Turn, control: ChatControl, watch: Stopwatch
    ) -> Understanding:
        with watch.stage("inbound"):
            inspection = self.d.inbound.inspect(turn.understood)
        inbound_plan = decide_inbound(inspection, turn.shop)
        if inbound_plan is not None:
            dialogue = await self._ask_quietly(turn, control, inspection, watch)
            if dialogue is not None and dialogue.intent:
                # A request the lexicons missed is still a request: not the complaint flow.
                inbound_plan = (
                    decide_inbound(inspection, turn.shop, dialogue.intent) or inbound_plan
                )
            return Understanding(inspection, dialogue, inbound_plan, _acted(inbound_plan))
        if why := turn.attachments_only:
            plan = escalate(EscalationReason.UNKNOWN, why)
            return Understanding(inspection, None, plan, None)
        try:
            dialogue = await self._ask(turn, control, inspection, watch)
        except RasaMalformedError as exc:
            # Rasa refused this very message or answered nonsense: waiting will not help.
            plan = escalate(EscalationReason.UNKNOWN, f"Rasa could not read this message: {exc}")
            return Understanding(inspection, None, plan, None)
        with watch.stage("decide"):
            plan = decide(turn.shop, dialogue, await self._situation(turn.shop), inspection)
        return Understanding(inspection, dialogue, plan, dialogue.intent)

    async def _ask(
        self, turn: Turn, control: ChatControl, inspection: Inspection, watch: Stopwatch
    ) -> DialogueResult:
        request = self._request(turn, control, inspection)
        result = await self._ask_rasa(request, watch)
        if result.paused:
            # Nobody owns the chat (a paused chat never gets here) but Rasa still has the
            # conversation paused: a resume that failed while Rasa was down. Heal it now.
            log.warning(
                "%s/%s: resuming a conversation left paused in Rasa", turn.shop.id, turn.chat_id
            )
            await self._resume(request.sender)
            result = await self._ask_rasa(request, watch)
            if result.paused:
                raise DependencyDownError("rasa", "the conversation stays paused in Rasa")
        if result.retry is not None:
            raise DependencyDownError("ozon", result.retry.error or "action could not reach Ozon")
        if not result.payloads:
            # Every action reports itself; Rasa 3.6 turns a failed action call into silence.
            raise DependencyDownError("actions", "no action answered the turn")
        return result

    async def _ask_rasa(self, request: TurnRequest, watch: Stopwatch) -> DialogueResult:
        with watch.stage("dialogue"):
            try:
                return await self.d.dialogue.understand(request)
            except RasaUnavailableError as exc:
                raise DependencyDownError("rasa", exc) from exc

    async def _resume(self, sender: str) -> None:
        try:
            await self.d.dialogue.resume(sender)
        except RasaUnavailableError as exc:
            raise DependencyDownError("rasa", exc) from exc

    async def _ask_quietly(
        self, turn: Turn, control: ChatControl, inspection: Inspection, watch: Stopwatch
    ) -> DialogueResult | None:
        """The inbound guard already decided; ask Rasa only so the record (and the tuning
        loop) knows the intent, and the conversation stays complete. Failures do not matter."""
        if not turn.text:
            return None
        try:
            return await self._ask_rasa(self._request(turn, control, inspection), watch)
        except (DependencyDownError, RasaMalformedError):
            return None

    def _request(self, turn: Turn, control: ChatControl, inspection: Inspection) -> TurnRequest:
        context = control.context or MessageContext()
        return TurnRequest(
            sender=self.sender_id(turn.shop.id, turn.chat_id),
            text=turn.understood,
            shop=turn.shop.id,
            chat_id=turn.chat_id,
            lang=Language(control.lang) if control.lang else Language.RU,
            turn=turn.ids[-1],
            order_number=context.order_number,
            sku=context.sku,
            flags=flags_for_rasa(inspection, turn.shop),
        )

    async def _situation(self, shop: ShopConfig) -> Situation:
        now = self.d.clock()
        paused, override, writes_refused = await self.d.control.shop_switches(shop.id)
        return Situation(
            working=is_working(shop.hours, now),
            shop_paused=paused or writes_refused,
            override=override.mode if override and override.active(now) else None,
        )

    async def _check_outbound(self, shop: ShopConfig, plan: Plan, watch: Stopwatch) -> Plan:
        """The one outbound check of a bot reply: the plan carries the approved text."""
        if plan.reply is None:
            return plan
        with watch.stage("outbound"):
            try:
                approved = await self.d.sender.approve(shop.id, plan.reply, origin=Origin.BOT)
            except GuardError as exc:
                return blocked(plan, exc.violations)
        return plan.approved(approved)

    # --- acting on the plan -------------------------------------------------------------

    async def _execute(
        self, lock: ChatLock, turn: Turn, understood: Understanding, watch: Stopwatch
    ) -> None:
        plan, dialogue = understood.plan, understood.dialogue
        escalation: Escalation | None = None
        opened = False
        to_send = plan.checked
        if plan.decision in (Decision.ESCALATE, Decision.DRAFT):
            already_open = await self.d.escalator.open_for_chat(turn.shop.id, turn.chat_id)
            escalation = await self.d.escalator.escalate(
                list(turn.messages),
                plan,
                intent=dialogue.intent if dialogue else understood.acted_intent,
                confidence=dialogue.confidence if dialogue else None,
                facts=dialogue.facts if dialogue else {},
                evidence=_evidence(turn, understood.inspection) if plan.complaint else (),
                auto_send_at=self._auto_send_at(turn.shop, plan),
            )
            opened = already_open is None
            if plan.decision is Decision.ESCALATE:
                to_send = await self._holding_reply(turn, plan, not opened)
        record = self._record(turn, understood, escalation, to_send, watch, opened=opened)
        if to_send is None:
            await self._commit(lock, record)
            return
        pending = PendingSend(
            message_ids=turn.ids, text=to_send.text, started_at=self.d.clock(), record=record
        )
        await self.d.chats.mark_sending(lock, pending)
        await self._send_pending(lock, pending, to_send)

    def _auto_send_at(self, shop: ShopConfig, plan: Plan) -> datetime | None:
        if plan.decision is not Decision.DRAFT or shop.draft_auto_send_min is None:
            return None
        return self.d.clock() + timedelta(minutes=shop.draft_auto_send_min)

    async def _holding_reply(self, turn: Turn, plan: Plan, already_open: bool) -> Checked | None:
        """One short acknowledgement per escalation; after hours one per chat per night.

        Abuse and spam get nothing (complaint flow)."""
        if plan.reason in COMPLAINT_REASONS or plan.reason is EscalationReason.SYSTEM:
            return None
        shop, now = turn.shop, self.d.clock()
        lang = turn.lang or shop.reply_language
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
            values = {
                **_shop_values(shop),
                "next_open": when_specialist_answers(opening, now, lang),
            }
            text = self.d.knowledge.render("escalation.after_hours", lang, values, seed=seed)
        try:
            return await self.d.sender.approve(shop.id, text, origin=Origin.BOT)
        except GuardError:
            return None

    async def _send_pending(self, lock: ChatLock, pending: PendingSend, text: Checked) -> None:
        """Send the reply recorded in `pending`; commit the turn once Ozon took it.

        A failure that Ozon says happened before the message was taken (429) keeps the decided
        text for the retry; one whose outcome is unknown keeps it for reconciliation; a refusal
        of this very message hands the turn to people with the text as a suggestion."""
        started = time.perf_counter()
        try:
            await self.d.sender.send(lock.shop, lock.chat_id, text, origin=Origin.BOT)
        except OzonSubscriptionError:
            await self._writes_refused(lock, pending)
            return
        except OzonRateLimitError as exc:
            retry = pending.model_copy(update={"unsent": True, "attempts": pending.attempts + 1})
            await self.d.chats.mark_sending(lock, retry)
            raise DependencyDownError("ozon", exc, retry_after=exc.retry_after) from exc
        except (OzonAuthError, OzonPermissionError) as exc:
            retry = pending.model_copy(update={"unsent": True, "attempts": pending.attempts + 1})
            await self.d.chats.mark_sending(lock, retry)
            raise DependencyDownError("ozon", exc, retry_after=MAX_RETRY_S) from exc
        except OzonError as exc:
            if exc.retryable or exc.outcome_unknown:
                # Kept: this try and the next look for the text in the history before any
                # second send.
                if await self._sent_already(lock, pending):
                    await self._commit(lock, pending.record)
                    await self._mark_read(lock, pending.record.last_message_id)
                    return
                raise DependencyDownError("ozon", exc) from exc
            await self._refused_by_ozon(lock, pending, exc)
            return
        if await self.d.control.writes_work(lock.shop):
            notice = self.d.notices("notice.writes_work")
            await self.d.escalator.outbox_notice(
                lock.shop, _once(f"writes-work:{lock.shop}"), notice
            )
        sent_ms = (time.perf_counter() - started) * 1000
        record = pending.record.model_copy(
            update={"timings": pending.record.timings.model_copy(update={"send": sent_ms})}
        )
        await self._commit(lock, record)
        await self._mark_read(lock, pending.record.last_message_id)

    async def _writes_refused(self, lock: ChatLock, pending: PendingSend) -> None:
        """Ozon refused the write for lack of a subscription: tell staff once, hand them the
        reply as a draft, and keep the shop in draft mode until a later write works."""
        if await self.d.control.set_writes_refused(lock.shop):
            notice = self.d.notices("notice.writes_refused")
            await self.d.escalator.outbox_notice(
                lock.shop, _once(f"writes-refused:{lock.shop}"), notice
            )
        detail = "Ozon refused the write: subscription"
        await self._hand_over(
            lock, pending, Plan(Decision.DRAFT, detail=detail, suggested=pending.text)
        )

    async def _refused_by_ozon(self, lock: ChatLock, pending: PendingSend, exc: OzonError) -> None:
        """Ozon refused this very message (400, a closed chat): people get the turn and the
        text, since sending it again cannot work."""
        log.warning("%s/%s: Ozon refused the reply: %s", *_at(lock), exc)
        detail = f"Ozon refused the reply: {exc}"
        await self._hand_over(
            lock, pending, escalate(EscalationReason.SYSTEM, detail, suggested=pending.text)
        )

    async def _refused_by_guard(
        self, lock: ChatLock, pending: PendingSend, exc: GuardError
    ) -> None:
        """A reply decided before the rules changed: people decide."""
        await self._hand_over(
            lock, pending, blocked(Plan(Decision.REPLY, reply=pending.text), exc.violations)
        )

    async def _hand_over(self, lock: ChatLock, pending: PendingSend, plan: Plan) -> None:
        """A reply that cannot be sent: its turn goes to people as `plan` says, and is done."""
        record = pending.record
        escalation = await self.d.escalator.escalate(
            self._messages_of(record),
            plan,
            intent=record.intent,
            confidence=record.confidence,
            facts={},
        )
        update = {
            "decision": plan.decision,
            "reason": plan.reason,
            "detail": plan.detail,
            "reply": None,
            "suggested": plan.suggested,
            "violations": tuple(ViolationRecord.from_violation(v) for v in plan.violations),
            "escalation_id": escalation.id,
        }
        await self._commit(lock, record.model_copy(update=update))

    def _messages_of(self, record: TurnRecord) -> list[BuyerMessage]:
        """The buyer messages of a recorded turn, as the card shows them."""
        return [
            BuyerMessage(
                shop=record.shop,
                chat_id=record.chat_id,
                message_id=message_id,
                created_at=record.seen_at or record.handled_at,
                text=record.text if i == len(record.message_ids) - 1 else "",
            )
            for i, message_id in enumerate(record.message_ids)
        ]

    async def _mark_read(self, lock: ChatLock, message_id: str) -> None:
        try:
            await self.d.clients[lock.shop].mark_read(lock.chat_id, message_id)
        except OzonError as exc:  # unread in Ozon's cabinet only; the next reply reads it
            log.warning("mark read failed for %s/%s: %s", lock.shop, lock.chat_id, exc)

    async def _commit(self, lock: ChatLock, record: TurnRecord) -> None:
        seen = record.seen_at
        visible = (
            (self.d.clock() - seen).total_seconds() * 1000
            if seen and record.decision is Decision.REPLY
            else None
        )
        timings = record.timings.model_copy(update={"visible_to_sent": visible})
        record = record.model_copy(update={"timings": timings, "handled_at": self.d.clock()})
        await self.d.chats.commit(lock, record)
        await self._count(record)
        if visible is not None:
            self.d.metrics.reply_latency.observe(visible / 1000)

    async def _count(self, record: TurnRecord) -> None:
        metrics = self.d.metrics
        intent = record.acted_intent or record.intent or "-"
        metrics.messages.labels(shop=record.shop, intent=intent, decision=record.decision).inc()
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
        understood: Understanding,
        escalation: Escalation | None,
        sent: Checked | None,
        watch: Stopwatch,
        *,
        opened: bool = False,
    ) -> TurnRecord:
        plan, dialogue, inspection = understood.plan, understood.dialogue, understood.inspection
        return TurnRecord(
            shop=turn.shop.id,
            chat_id=turn.chat_id,
            message_ids=turn.ids,
            text=turn.text,
            lang=(turn.lang or Language.RU).value,
            intent=dialogue.intent if dialogue else None,
            acted_intent=understood.acted_intent,
            confidence=dialogue.confidence if dialogue else None,
            entities=dialogue.entity_values() if dialogue else {},
            flags=tuple(sorted(inspection.flags)),
            decision=plan.decision,
            reason=plan.reason,
            detail=plan.detail,
            reply=sent.text if sent else None,
            suggested=plan.suggested,
            violations=tuple(ViolationRecord.from_violation(v) for v in plan.violations),
            escalation_id=escalation.id if escalation else None,
            new_escalation=opened,
            timings=watch.timings(),
            seen_at=min(m.seen_at for m in turn.messages),
            worker=self.d.worker_id,
        )

    async def _hold_for_people(
        self, lock: ChatLock, turn: Turn, control: ChatControl, watch: Stopwatch
    ) -> None:
        """A chat staff took over, or one in the complaint flow: the bot never answers it."""
        escalation = await self.d.escalator.open_for_chat(turn.shop.id, turn.chat_id)
        inspection = self.d.inbound.inspect(turn.understood)
        if escalation is not None:
            await self.d.escalator.forward(escalation, list(turn.messages))
        detail = "complaint flow" if control.complaint else f"taken over by {control.taken_by}"
        understood = Understanding(inspection, None, Plan(Decision.NONE, detail=detail), None)
        await self._commit(lock, self._record(turn, understood, escalation, None, watch))

    # --- crash recovery and outages -------------------------------------------------------

    async def _reconcile(self, lock: ChatLock) -> None:
        """Settle a send left in flight by a crash, a lost lock or a failed call."""
        pending = await self.d.chats.pending_send(lock.shop, lock.chat_id)
        if pending is None:
            return
        inbox = await self.d.chats.inbox(lock.shop, lock.chat_id)
        if not inbox or inbox[0].message_id != pending.message_ids[0]:
            # Its turn was handled already (by another worker that took the chat over): the
            # record must not take the messages that came since with it.
            log.warning("%s/%s: dropped a stale send record", *_at(lock))
            await self.d.chats.clear_sending(lock)
            return
        if not pending.unsent:
            if await self._sent_already(lock, pending):
                log.info("%s/%s: the reply was sent before a restart", *_at(lock))
                await self._commit(lock, pending.record)
                await self._mark_read(lock, pending.record.last_message_id)
                return
            age = (self.d.clock() - pending.started_at).total_seconds()
            if age < SEND_SETTLE_S:
                # Ozon may not show a message it took in the history at once.
                raise DependencyDownError(
                    "ozon",
                    "waiting to see whether the last reply arrived",
                    retry_after=SEND_SETTLE_S - age,
                )
        control = await self.d.control.chat(lock.shop, lock.chat_id)
        if control.complaint or control.paused(self.d.clock()):
            record = pending.record.model_copy(
                update={"decision": Decision.NONE, "reply": None, "detail": "taken over"}
            )
            await self._commit(lock, record)
            return
        try:
            text = await self.d.sender.approve(lock.shop, pending.text, origin=Origin.BOT)
        except GuardError as exc:  # the rules changed since: people decide
            await self._refused_by_guard(lock, pending, exc)
            return
        log.info("%s/%s: sending the decided reply again", *_at(lock))
        await self._send_pending(lock, pending, text)

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
        """How long a turn waiting for a dependency waits (the runner reschedules it), or
        people take it when the dependency has been down past the limit."""
        self.d.metrics.dependency_down.labels(service=exc.service).inc()
        now = self.d.clock()
        first = await self.d.control.first_outage(exc.service, lock.shop, now)
        down_for = (now - first).total_seconds()
        log.warning("%s/%s waits: %s (down %.0fs)", lock.shop, lock.chat_id, exc, down_for)
        if down_for >= self.d.settings.outage_limit_s and exc.service in OUTAGES:
            await self._escalate_system(lock, f"{exc.service} unavailable")
            return Outcome(Result.DONE)
        delay = min(MAX_RETRY_S, max(2.0, down_for / 4, exc.retry_after or 0.0))
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
        """Down past the limit, or failing for a reason waiting cannot fix: people take the
        waiting turn; the bot's part ends here."""
        messages = await self.d.chats.inbox(lock.shop, lock.chat_id)
        pending = await self.d.chats.pending_send(lock.shop, lock.chat_id)
        if not messages:
            return
        shop = self.d.shops[lock.shop]
        turn = Turn.of(shop, messages, self.d.detect_language)
        suggested = pending.text if pending else None
        plan = escalate(EscalationReason.SYSTEM, detail, suggested=suggested)
        already_open = await self.d.escalator.open_for_chat(lock.shop, lock.chat_id)
        escalation = await self.d.escalator.escalate(
            messages, plan, intent=None, confidence=None, facts={}
        )
        understood = Understanding(_nothing(), None, plan, None)
        watch = Stopwatch(self.d.metrics)
        record = self._record(
            turn, understood, escalation, None, watch, opened=already_open is None
        )
        await self._commit(lock, record)

    def sender_id(self, shop: str, chat_id: str) -> str:
        return f"{self.d.keys.prefix}:{shop}:{chat_id}"


def _at(lock: ChatLock) -> tuple[str, str]:
    return lock.shop, lock.chat_id


def _once(name: str) -> str:
    """A notice id for one event: the outbox delivers each id once."""
    return f"{name}:{int(time.time())}"


def _nothing() -> Inspection:
    return Inspection(text="")


def _acted(plan: Plan) -> str | None:
    """The intent a plan decided by the inbound detectors acts on (the simulate contract)."""
    if plan.reason is EscalationReason.SPAM:
        return Intent.SPAM.value
    if plan.reason is EscalationReason.ABUSE:
        return Intent.ABUSIVE.value
    return None


def _evidence(turn: Turn, inspection: Inspection) -> tuple[str, ...]:
    hits = ", ".join(f"{h.flag}:{h.fragment!r}" for h in inspection.hits) or "intent"
    return tuple(f"{m.message_id} {m.created_at.isoformat()} {hits}" for m in turn.messages)


def _shop_values(shop: ShopConfig) -> dict[str, object]:
    return {"shop_name": shop.name, "return_window_days": shop.return_window_days}
