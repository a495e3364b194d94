"""Handing chats to people: one open escalation (one card) per chat, notifications via the outbox.

A second reason in the same chat updates the open card instead of posting another one; abuse
and spam put the chat into the complaint flow, where the bot stays silent and only collects
evidence until staff resolve it.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timedelta

from bot.models import COMPLAINT_REASONS, EscalationReason
from bot.state.escalations import ControlStore, EscalationStore, Outbox
from bot.state.models import (
    BuyerMessage,
    Escalation,
    EscalationStatus,
    Notification,
    ViolationRecord,
)
from bot.worker.decide import Plan, stronger

KEEP_MESSAGES = 10
REPLY_WINDOW = timedelta(hours=48)
"""Ozon lets a seller answer within 48 hours of the buyer's last message (FBO, and FBS after
delivery); the shorter, always-applicable bound is the one the card counts down."""


class Escalator:
    def __init__(self, store: EscalationStore, control: ControlStore, outbox: Outbox) -> None:
        self._store = store
        self._control = control
        self._outbox = outbox

    async def open_for_chat(self, shop: str, chat_id: str) -> Escalation | None:
        return await self._store.open_for_chat(shop, chat_id)

    async def escalate(
        self,
        messages: list[BuyerMessage],
        plan: Plan,
        *,
        intent: str | None,
        confidence: float | None,
        facts: dict[str, str],
        evidence: tuple[str, ...] = (),
        auto_send_at: datetime | None = None,
    ) -> Escalation:
        """Open an escalation or draft for the chat, or fold this turn into the open one.

        `auto_send_at`: a draft is sent by itself at that time if nobody acts on it."""
        first = messages[0]
        existing = await self._store.open_for_chat(first.shop, first.chat_id)
        if existing is None:
            escalation = _new(messages, plan, intent, confidence, facts, evidence)
            escalation = escalation.model_copy(update={"auto_send_at": auto_send_at})
            await self._store.save(escalation)
        else:

            def merge(current: Escalation) -> Escalation:
                merged = _merge(current, messages, plan, intent, confidence, facts, evidence)
                due = auto_send_at if merged.draft else None
                return merged.model_copy(update={"auto_send_at": due})

            merged = await self._store.mutate(existing.id, merge)
            escalation = merged or existing
        if plan.complaint:
            await self._control.update_chat(
                first.shop, first.chat_id, lambda c: c.model_copy(update={"complaint": True})
            )
        await self.notify(escalation, "draft" if escalation.draft else "escalation", messages[-1])
        return escalation

    async def forward(self, escalation: Escalation, messages: list[BuyerMessage]) -> Escalation:
        """New buyer messages in a taken-over or complaint chat: into the card and its thread."""
        merged = await self._store.mutate(
            escalation.id, lambda e: _with_messages(e, messages, evidence=())
        )
        escalation = merged or escalation
        for message in messages:
            await self._outbox.add(
                Notification(
                    id=f"fwd:{escalation.id}:{message.message_id}",
                    kind="forward",
                    shop=message.shop,
                    escalation_id=escalation.id,
                    chat_id=message.chat_id,
                    text=message.text,
                )
            )
        return escalation

    async def escalate_unreadable(self, shop: str, chat_id: str, detail: str) -> Escalation:
        """A chat whose messages cannot be read: people get a card without the buyer's words
        (they read them in Ozon's cabinet), with the cause."""
        existing = await self._store.open_for_chat(shop, chat_id)
        if existing is not None:
            return existing
        escalation = Escalation(
            id=f"{shop}-{secrets.token_hex(5)}",
            shop=shop,
            chat_id=chat_id,
            reason=EscalationReason.SYSTEM,
            detail=detail,
        )
        await self._store.save(escalation)
        await self._outbox.add(
            Notification(
                id=f"escalation:{escalation.id}:unreadable",
                kind="escalation",
                shop=shop,
                escalation_id=escalation.id,
                chat_id=chat_id,
            )
        )
        return escalation

    async def outbox_notice(self, shop: str, notice_id: str, text: str) -> None:
        """A plain message to the staff chat (Premium missing, API key expiring...)."""
        await self._outbox.add(Notification(id=notice_id, kind="notice", shop=shop, text=text))

    async def notify(self, escalation: Escalation, kind: str, last: BuyerMessage) -> None:
        # The id names the escalation and the turn: a retried turn re-adds the same
        # notification and the outbox delivers it once.
        await self._outbox.add(
            Notification(
                id=f"{kind}:{escalation.id}:{last.message_id}",
                kind="draft" if kind == "draft" else "escalation",
                shop=escalation.shop,
                escalation_id=escalation.id,
                chat_id=escalation.chat_id,
            )
        )


def notice_id(name: str) -> str:
    """A notice id for one event (`name` and the second): the outbox delivers each id once."""
    return f"{name}:{int(time.time())}"


def _new(
    messages: list[BuyerMessage],
    plan: Plan,
    intent: str | None,
    confidence: float | None,
    facts: dict[str, str],
    evidence: tuple[str, ...],
) -> Escalation:
    first, last = messages[0], messages[-1]
    is_draft = plan.reason is None
    status = (
        EscalationStatus.COMPLAINT if plan.reason in COMPLAINT_REASONS else EscalationStatus.OPEN
    )
    return Escalation(
        id=f"{first.shop}-{secrets.token_hex(5)}",
        shop=first.shop,
        chat_id=first.chat_id,
        reason=plan.reason,
        draft=is_draft,
        detail=plan.detail,
        intent=intent,
        confidence=confidence,
        status=status,
        last_buyer_at=last.created_at,
        buyer_messages=tuple(messages[-KEEP_MESSAGES:]),
        facts=facts,
        suggested=plan.suggested,
        violations=_violations(plan),
        order_number=_order_number(messages, facts),
        reply_deadline=last.created_at + REPLY_WINDOW,
        evidence=evidence,
    )


def _merge(
    current: Escalation,
    messages: list[BuyerMessage],
    plan: Plan,
    intent: str | None,
    confidence: float | None,
    facts: dict[str, str],
    evidence: tuple[str, ...],
) -> Escalation:
    updated = _with_messages(current, messages, evidence)
    reason = stronger(current.reason, plan.reason)
    status = updated.status
    if plan.reason in COMPLAINT_REASONS:
        status = EscalationStatus.COMPLAINT
    return updated.model_copy(
        update={
            "reason": reason,
            "draft": current.draft and plan.reason is None,
            "detail": plan.detail or current.detail,
            "intent": intent or current.intent,
            "confidence": confidence if intent else current.confidence,
            "status": status,
            "facts": {**current.facts, **facts},
            "suggested": plan.suggested or current.suggested,
            "violations": _violations(plan) or current.violations,
            "order_number": current.order_number or _order_number(messages, facts),
        }
    )


def _with_messages(
    current: Escalation, messages: list[BuyerMessage], evidence: tuple[str, ...]
) -> Escalation:
    known = {m.message_id for m in current.buyer_messages}
    fresh = [m for m in messages if m.message_id not in known]
    if not fresh and not evidence:
        return current
    last = fresh[-1].created_at if fresh else current.last_buyer_at
    return current.model_copy(
        update={
            "buyer_messages": (*current.buyer_messages, *fresh)[-KEEP_MESSAGES:],
            "last_buyer_at": last,
            "reply_deadline": last + REPLY_WINDOW,
            "evidence": (*current.evidence, *(e for e in evidence if e not in current.evidence)),
        }
    )


def _violations(plan: Plan) -> tuple[ViolationRecord, ...]:
    return tuple(ViolationRecord.from_violation(v) for v in plan.violations)


def _order_number(messages: list[BuyerMessage], facts: dict[str, str]) -> str | None:
    for message in reversed(messages):
        if message.context and message.context.order_number:
            return message.context.order_number
    return facts.get("order_number") or _order_of(facts.get("posting_number"))


def _order_of(posting_number: str | None) -> str | None:
    if not posting_number or posting_number.count("-") != 2:
        return None
    return posting_number.rsplit("-", 1)[0]
