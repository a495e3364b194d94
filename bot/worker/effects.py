"""The effects of a decided turn, each exactly once: the send, the commit, and the recovery of
a send left in flight.

Exactly-once effect: a turn's messages leave the inbox only in the commit that records its
outcome. A reply is written to a "sending" mark before the Ozon call; a worker that dies after
sending and before committing leaves that mark, and whoever owns the chat next looks for the
text in the chat history: found → commit without sending; not found (and old enough that Ozon
would show it) → send the stored text (the turn is not run through Rasa twice).

Fencing: the chat lock's token is checked in the same atomic step as every effect that Redis
records — the "sending" mark (the last step before Ozon is called), the commit and the inbox
trim (`bot.state.chats`).
"""

from __future__ import annotations

import logging
import time

from bot.errors import (
    DependencyDownError,
    GuardError,
    OzonAuthError,
    OzonError,
    OzonPermissionError,
    OzonRateLimitError,
    OzonSubscriptionError,
)
from bot.models import Decision, EscalationReason
from bot.ozon.client import OzonClient
from bot.ozon.schemas import Direction
from bot.state.chats import ChatLock
from bot.state.keys import SEND_SETTLE_S
from bot.state.models import BuyerMessage, PendingSend, TurnRecord, ViolationRecord
from bot.worker.decide import Plan, blocked, escalate
from bot.worker.deps import PipelineDeps
from bot.worker.escalate import notice_id
from bot.worker.send import Checked, Origin

log = logging.getLogger(__name__)

RECONCILE_HISTORY = 50
MAX_RETRY_S = 60.0


class Effects:
    """Sending, committing and reconciling for `ChatProcessor` (one per processor)."""

    def __init__(self, deps: PipelineDeps) -> None:
        self.d = deps

    async def send_pending(self, lock: ChatLock, pending: PendingSend, text: Checked) -> None:
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
                    await self.commit(lock, pending.record)
                    await self.mark_read(lock, pending.record.last_message_id)
                    return
                raise DependencyDownError("ozon", exc) from exc
            await self._refused_by_ozon(lock, pending, exc)
            return
        if pending.writes_probe and await self.d.control.writes_work(lock.shop):
            notice = self.d.notices("notice.writes_work")
            await self.d.escalator.outbox_notice(
                lock.shop, notice_id(f"writes-work:{lock.shop}"), notice
            )
        sent_ms = (time.perf_counter() - started) * 1000
        record = pending.record.model_copy(
            update={"timings": pending.record.timings.model_copy(update={"send": sent_ms})}
        )
        await self.commit(lock, record)
        await self.mark_read(lock, pending.record.last_message_id)

    async def _writes_refused(self, lock: ChatLock, pending: PendingSend) -> None:
        """Ozon refused the write for lack of a subscription: tell staff once, hand them the
        reply as a draft, and keep the shop in draft mode until a later write works."""
        if await self.d.control.set_writes_refused(lock.shop):
            notice = self.d.notices("notice.writes_refused")
            await self.d.escalator.outbox_notice(
                lock.shop, notice_id(f"writes-refused:{lock.shop}"), notice
            )
        detail = "Ozon refused the write: subscription"
        await self._hand_over(
            lock, pending, Plan(Decision.DRAFT, detail=detail, suggested=pending.text)
        )

    async def _refused_by_ozon(self, lock: ChatLock, pending: PendingSend, exc: OzonError) -> None:
        """Ozon refused this very message (400, a closed chat): people get the turn and the
        text, since sending it again cannot work."""
        log.warning("%s/%s: Ozon refused the reply: %s", *at(lock), exc)
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
        await self.commit(lock, record.model_copy(update=update))

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

    async def mark_read(self, lock: ChatLock, message_id: str) -> None:
        try:
            await self.d.clients[lock.shop].mark_read(lock.chat_id, message_id)
        except OzonError as exc:  # unread in Ozon's cabinet only; the next reply reads it
            log.warning("mark read failed for %s/%s: %s", lock.shop, lock.chat_id, exc)

    async def commit(self, lock: ChatLock, record: TurnRecord) -> None:
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

    async def reconcile(self, lock: ChatLock) -> None:
        """Settle a send left in flight by a crash, a lost lock or a failed call."""
        pending = await self.d.chats.pending_send(lock.shop, lock.chat_id)
        if pending is None:
            return
        inbox = await self.d.chats.inbox(lock.shop, lock.chat_id)
        if not inbox or inbox[0].message_id != pending.message_ids[0]:
            # Its turn was handled already (by another worker that took the chat over): the
            # record must not take the messages that came since with it.
            log.warning("%s/%s: dropped a stale send record", *at(lock))
            await self.d.chats.clear_sending(lock)
            return
        if not pending.unsent:
            if await self._sent_already(lock, pending):
                log.info("%s/%s: the reply was sent before a restart", *at(lock))
                await self.commit(lock, pending.record)
                await self.mark_read(lock, pending.record.last_message_id)
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
            await self.commit(lock, record)
            return
        try:
            text = await self.d.sender.approve(lock.shop, pending.text, origin=Origin.BOT)
        except GuardError as exc:  # the rules changed since: people decide
            await self._refused_by_guard(lock, pending, exc)
            return
        log.info("%s/%s: sending the decided reply again", *at(lock))
        await self.send_pending(lock, pending, text)

    async def _sent_already(self, lock: ChatLock, pending: PendingSend) -> bool:
        """Does the chat history show our text, sent by the seller after the buyer's turn?

        Message ids grow within a chat, so "after the turn" is decided by id, not by clocks
        that may disagree."""
        try:
            client = self.d.clients[lock.shop]
            return await sent_after(client, lock.chat_id, pending.message_ids[-1], pending.text)
        except OzonError as exc:
            raise DependencyDownError("ozon", exc) from exc


async def sent_after(client: OzonClient, chat_id: str, after_id: str, text: str) -> bool:
    """Does the chat's recent history hold `text` from the seller after message `after_id`
    (white space aside)? Message ids grow within a chat: "after" is by id, not by clocks."""
    history = await client.chat_history(
        chat_id, direction=Direction.BACKWARD, limit=RECONCILE_HISTORY
    )
    wanted = " ".join(text.split())
    return any(
        not m.is_buyer and int(m.message_id) > int(after_id) and " ".join(m.text.split()) == wanted
        for m in history.messages
    )


def at(lock: ChatLock) -> tuple[str, str]:
    """shop, chat: for log lines."""
    return lock.shop, lock.chat_id
