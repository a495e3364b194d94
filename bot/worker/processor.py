"""Per-chat processing: the pipeline of one buyer turn (the engine).

    claim chat ─▶ lock ─▶ reconcile a send left in flight ─▶ for each turn in the inbox:
      control state (paused? complaint?) ─▶ inbound guard ─▶ dialogue (Rasa) ─▶ decide
      ─▶ outbound check (once) ─▶ escalation/draft saved ─▶ mark "sending" ─▶ send ─▶ commit
      ─▶ read

Reading a turn (guard, Rasa, decision, the outbound check) is `bot.worker.understand`; the
effects (send, commit, recovery) and their exactly-once reasoning are `bot.worker.effects`;
the decisions are pure functions in `bot.worker.decide`. What stays here is the order of the
steps: the lock, the turn, acting on the plan, and what happens when a service is down. A lock
keeper renews the chat lock while a turn runs; when it cannot confirm the lock in time it
cancels the turn, so a worker that lost its chat never reaches the send (and the fenced
"sending" mark would refuse it anyway). About 400 lines: the engine reads in one place.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.config import ShopConfig
from bot.dialogue.types import conversation_id
from bot.errors import (
    DependencyDownError,
    GuardError,
    LostLockError,
    OzonError,
    StateError,
)
from bot.guard.types import Inspection
from bot.models import COMPLAINT_REASONS, Decision, EscalationReason, Language
from bot.ozon.schemas import Direction
from bot.schedule.hours import is_working, next_opening, night_of
from bot.state.chats import ChatLock
from bot.state.escalations import ChatControl, KnownChat
from bot.state.keys import CHAT_LOCK_MS, HOLDING_S
from bot.state.models import (
    BuyerMessage,
    Escalation,
    PendingSend,
    TurnRecord,
    ViolationRecord,
)
from bot.waiting import cancel_all, cancel_and_wait
from bot.worker.decide import (
    Plan,
    escalate,
)
from bot.worker.deps import PipelineDeps
from bot.worker.effects import MAX_RETRY_S, RECONCILE_HISTORY, Effects, at
from bot.worker.holding import when_specialist_answers
from bot.worker.send import Checked, Origin
from bot.worker.turn import Stopwatch, Turn
from bot.worker.understand import Understander, Understanding

log = logging.getLogger(__name__)

OUTAGES = frozenset({"rasa", "actions", "ozon"})
"""Services whose long outage hands the waiting chats to people (reason `system`)."""
RENEW_EVERY_S = CHAT_LOCK_MS / 3000
RENEW_RETRY_S = 0.5
LOCK_MARGIN_S = 5.0
"""The keeper cancels the turn this long before a lock it could not renew may expire."""


class Result(StrEnum):
    DONE = "done"
    BUSY = "busy"
    RETRY = "retry"


@dataclass(frozen=True, slots=True)
class Outcome:
    result: Result
    delay_s: float = 0.0


class ChatProcessor:
    def __init__(self, deps: PipelineDeps) -> None:
        self.d = deps
        self.fx = Effects(deps)
        self.understand = Understander(deps, self.sender_id)

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
                with contextlib.suppress(LostLockError):
                    await cancel_and_wait(work)
                self.d.metrics.lost_locks.inc()
                return Outcome(Result.BUSY, 1.0)
            return work.result()
        finally:
            await cancel_all(work, keeper)
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
                    log.warning("%s/%s: lock not confirmed, turn cancelled: %s", *at(lock), exc)
                    return
                delay = RENEW_RETRY_S
                continue
            if not renewed:
                log.warning("%s/%s: lock lost while working, turn cancelled", *at(lock))
                return
            confirmed, delay = time.monotonic(), RENEW_EVERY_S

    async def _work(self, lock: ChatLock) -> Outcome:
        try:
            await self.fx.reconcile(lock)
            while messages := await self.d.chats.inbox(lock.shop, lock.chat_id):
                await self._handle(lock, messages)
            return Outcome(Result.DONE)
        except DependencyDownError as exc:
            return await self._postpone(lock, exc)
        except LostLockError:
            log.warning("%s/%s: lost the lock; another worker continues", *at(lock))
            self.d.metrics.lost_locks.inc()
            return Outcome(Result.BUSY, 1.0)

    # --- one turn ------------------------------------------------------------------------

    async def _handle(self, lock: ChatLock, messages: list[BuyerMessage]) -> None:
        shop = self.d.shops.get(lock.shop)
        if shop is None:  # a shop removed from the configuration: keep its work, do nothing
            raise DependencyDownError("config", f"unknown shop {lock.shop!r}")
        turn = Turn.of(shop, messages, self.d.detect_language)
        watch = Stopwatch(self.d.metrics)
        control, known, recovering = await self._remember(turn)
        if control.complaint or control.paused(self.d.clock()):
            await self._hold_for_people(lock, turn, control, watch)
            return
        if not known and recovering and await self._lost_with_data(turn):
            plan = escalate(
                EscalationReason.SYSTEM,
                "Redis lost the bot's memory of this chat while people may have been handling"
                " it; check the chat before the bot answers it again",
            )
            await self._execute(lock, turn, Understanding(_nothing(), None, plan, None), watch)
            return
        understanding = await self.understand(turn, control, known, watch)
        plan = await self.understand.check_outbound(shop, understanding.plan, watch)
        understanding = replace(understanding, plan=plan)
        await self._execute(lock, turn, understanding, watch)

    async def _remember(self, turn: Turn) -> KnownChat:
        """The chat's control state, updated with the turn's language and Ozon context, whether
        the chat was known before (False for a new chat, or after data loss), and whether Redis
        lost its data lately.

        Written only when something changed: most turns only read it."""
        lang = turn.lang.value if turn.lang else None
        context = turn.context
        state = await self.d.control.chat_and_known(turn.shop.id, turn.chat_id)
        current = state.control
        stale_lang = lang is not None and lang != current.lang
        stale_context = context is not None and context != current.context
        if not stale_lang and not stale_context:
            return state

        def change(control: ChatControl) -> ChatControl:
            update: dict[str, object] = {}
            if lang is not None:
                update["lang"] = lang
            if context is not None:
                update["context"] = context
            return control.model_copy(update=update)

        updated = await self.d.control.update_chat(turn.shop.id, turn.chat_id, change)
        return state._replace(control=updated)

    async def _lost_with_data(self, turn: Turn) -> bool:
        """After Redis lost its data, a chat the seller wrote in lately may have been taken
        over by a person: the bot must not answer it before a person looks."""
        try:
            history = await self.d.clients[turn.shop.id].chat_history(
                turn.chat_id, direction=Direction.BACKWARD, limit=RECONCILE_HISTORY
            )
        except OzonError as exc:
            raise DependencyDownError("ozon", exc) from exc
        since = self.d.clock() - timedelta(minutes=self.d.settings.takeover_timeout_min)
        return any(not m.is_buyer and m.created_at >= since for m in history.messages)

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
            await self.fx.commit(lock, record)
            return
        pending = PendingSend(
            message_ids=turn.ids,
            text=to_send.text,
            started_at=self.d.clock(),
            record=record,
            writes_probe=understood.writes_probe,
        )
        await self.d.chats.mark_sending(lock, pending)
        await self.fx.send_pending(lock, pending, to_send)

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
                "next_open": when_specialist_answers(self.d.knowledge, opening, now, lang),
            }
            text = self.d.knowledge.render("escalation.after_hours", lang, values, seed=seed)
        try:
            return await self.d.sender.approve(shop.id, text, origin=Origin.BOT)
        except GuardError:
            return None

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
        await self.fx.commit(lock, self._record(turn, understood, escalation, None, watch))

    # --- crash recovery and outages -------------------------------------------------------

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
        await self.fx.commit(lock, record)

    def sender_id(self, shop: str, chat_id: str) -> str:
        return conversation_id(self.d.keys.prefix, shop, chat_id)


def _nothing() -> Inspection:
    return Inspection(text="")


def _evidence(turn: Turn, inspection: Inspection) -> tuple[str, ...]:
    hits = ", ".join(f"{h.flag}:{h.fragment!r}" for h in inspection.hits) or "intent"
    return tuple(f"{m.message_id} {m.created_at.isoformat()} {hits}" for m in turn.messages)


def _shop_values(shop: ShopConfig) -> dict[str, object]:
    return {"shop_name": shop.name, "return_window_days": shop.return_window_days}
