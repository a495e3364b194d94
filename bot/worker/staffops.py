"""What staff can do to a chat, independent of Telegram: the console's buttons call these.

Every operation updates the escalation (who did what, when), changes the chat's control state
where needed (takeover pauses the bot in the worker *and* in Rasa), and queues a card update so
the card in the staff chat changes in place. Replies typed by staff go through the same
`Sender.send` as the bot's: a violating text is refused with the rule and fragment, and for
mechanical problems a corrected text is offered — never sent without a person confirming it.

Long (~370 lines): one method per staff action on a chat, with the exactly-once claim of staff
sends they share.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.dialogue.types import Dialogue
from bot.errors import GuardError, OzonError, RasaError, UnknownEscalationError
from bot.guard.types import CheckResult, Violation
from bot.models import Intent
from bot.ozon.client import OzonClient
from bot.state.chats import ChatStore
from bot.state.control import ControlOp, ControlQueue
from bot.state.escalations import ChatControl, ControlStore, EscalationStore, Outbox
from bot.state.keys import SEND_SETTLE_S
from bot.state.models import (
    Escalation,
    EscalationStatus,
    Notification,
    SendClaim,
    StaffAction,
)
from bot.worker.effects import sent_after
from bot.worker.send import Origin, Sender

log = logging.getLogger(__name__)

CONTROL_RETRY_MS = 10_000


class Fixer(Protocol):
    def check(self, text: str) -> CheckResult: ...

    def suggest_fix(self, text: str, result: CheckResult) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Staff:
    user_id: int
    name: str


@dataclass(frozen=True, slots=True)
class SendResult:
    sent: bool
    violations: tuple[Violation, ...] = ()
    fix: str | None = None
    """A corrected text for mechanical problems (caps, punctuation, emoji), to confirm."""
    error: str | None = None
    unknown_outcome: bool = False
    """Ozon did not say whether it took the message: check the chat before sending again."""


class StaffOps:
    def __init__(
        self,
        *,
        escalations: EscalationStore,
        control: ControlStore,
        chats: ChatStore,
        outbox: Outbox,
        queue: ControlQueue,
        sender: Sender,
        fixer: Fixer,
        dialogue: Dialogue,
        clients: dict[str, OzonClient],
        sender_id: Callable[[str, str], str],
        takeover_timeout: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._esc = escalations
        self._control = control
        self._chats = chats
        self._outbox = outbox
        self._queue = queue
        self._sender = sender
        self._fixer = fixer
        self._dialogue = dialogue
        self._clients = clients
        self._sender_id = sender_id
        self._takeover = takeover_timeout
        self._clock = clock

    async def get(self, escalation_id: str) -> Escalation:
        escalation = await self._esc.get(escalation_id)
        if escalation is None:
            raise UnknownEscalationError(escalation_id)
        return escalation

    async def take_over(self, escalation_id: str, staff: Staff) -> Escalation:
        """Pause the bot for the chat until staff return it or the takeover times out."""
        escalation = await self.get(escalation_id)
        until = self._clock() + self._takeover
        await self._control.update_chat(
            escalation.shop,
            escalation.chat_id,
            lambda c: c.model_copy(update={"paused_until": until, "taken_by": staff.name}),
        )
        await self._rasa(ControlOp.PAUSE, escalation)
        return await self._change(escalation_id, staff, "take_over", EscalationStatus.TAKEN)

    async def return_to_bot(self, escalation_id: str, staff: Staff | None) -> Escalation:
        escalation = await self.get(escalation_id)
        await self._release_chat(escalation)
        return await self._change(escalation_id, staff, "return_to_bot", EscalationStatus.RETURNED)

    async def resolve(self, escalation_id: str, staff: Staff) -> Escalation:
        escalation = await self.get(escalation_id)
        if escalation.status is not EscalationStatus.COMPLAINT:
            await self._release_chat(escalation)
        status = (
            EscalationStatus.COMPLAINT_FILED
            if escalation.status is EscalationStatus.COMPLAINT
            else EscalationStatus.RESOLVED
        )
        return await self._change(escalation_id, staff, "resolve", status)

    async def complaint(self, escalation_id: str, staff: Staff) -> Escalation:
        """Send the chat to the complaint flow: the bot stays silent in it from now on."""
        escalation = await self.get(escalation_id)
        await self._control.update_chat(
            escalation.shop, escalation.chat_id, lambda c: c.model_copy(update={"complaint": True})
        )
        return await self._change(escalation_id, staff, "complaint", EscalationStatus.COMPLAINT)

    async def complaint_filed(self, escalation_id: str, staff: Staff) -> Escalation:
        return await self._change(
            escalation_id, staff, "complaint_filed", EscalationStatus.COMPLAINT_FILED
        )

    async def send_suggested(self, escalation_id: str, staff: Staff | None) -> SendResult:
        """One tap (or the draft timer): send the bot's suggested reply, exactly once.

        The escalation is claimed before the send, atomically: a staff tap and the auto-send
        timer of any worker cannot both send it. A claim whose send ended in an unknown outcome
        (or a crash) stays until `reconcile_sends` looks for the text in the chat history."""
        escalation = await self.get(escalation_id)
        if not escalation.suggested:
            return SendResult(sent=False, error="no suggested reply")
        origin = Origin.DRAFT if staff is None else Origin.STAFF
        claim = await self._claim(escalation_id, escalation.suggested, staff)
        if claim is None:
            return SendResult(sent=False, error="already sent or being sent")
        result = await self._send(escalation, claim.text, origin)
        if result.sent:
            status = EscalationStatus.RESOLVED if escalation.draft else escalation.status
            await self._change(escalation_id, staff, "sent_suggested", status, release=True)
        elif not result.unknown_outcome:
            await self._release_claim(escalation_id, claim)
        return result

    async def _claim(self, escalation_id: str, text: str, staff: Staff | None) -> SendClaim | None:
        claim = SendClaim(
            token=secrets.token_hex(8),
            at=self._clock(),
            by=staff.name if staff else "bot",
            text=text,
        )

        def take(current: Escalation) -> Escalation:
            if current.sending is not None or not current.is_open:
                return current
            return current.model_copy(update={"sending": claim})

        changed = await self._esc.mutate(escalation_id, take)
        return claim if changed is not None and changed.sending == claim else None

    async def _release_claim(self, escalation_id: str, claim: SendClaim) -> None:
        def release(current: Escalation) -> Escalation:
            if current.sending != claim:
                return current
            return current.model_copy(update={"sending": None})

        await self._esc.mutate(escalation_id, release)

    async def reconcile_sends(self) -> int:
        """Settle claims left by a crash or an unknown outcome: the text in the chat history
        after the buyer's last message means it was sent; otherwise the claim is released and
        a person (or the draft timer) may send it again. Returns how many were settled."""
        now, settled = self._clock(), 0
        for escalation in await self._esc.list_open():
            claim = escalation.sending
            if claim is None or (now - claim.at).total_seconds() < SEND_SETTLE_S:
                continue
            if await self._in_history(escalation, claim.text):
                status = EscalationStatus.RESOLVED if escalation.draft else escalation.status
                await self._change(escalation.id, None, "sent_suggested", status, release=True)
            else:
                await self._release_claim(escalation.id, claim)
            settled += 1
        return settled

    async def _in_history(self, escalation: Escalation, text: str) -> bool:
        after = max((int(m.message_id) for m in escalation.buyer_messages), default=0)
        client = self._clients[escalation.shop]
        return await sent_after(client, escalation.chat_id, str(after), text)

    async def relay(
        self, escalation_id: str, text: str, staff: Staff, *, action: str = "replied"
    ) -> SendResult:
        """A reply typed by staff: checked against Ozon's rules, then sent to the buyer.
        `action` names it in the card's history (`replied_translated`: a machine translation
        of what staff wrote)."""
        escalation = await self.get(escalation_id)
        result = await self._send(escalation, text.strip(), Origin.STAFF)
        if result.sent:
            await self._change(escalation_id, staff, action, escalation.status)
        return result

    async def review(self, escalation_id: str, text: str) -> SendResult:
        """The outbound check of a text staff may send, without sending it (`sent` False;
        no violations: it passes). A machine-translated reply is shown to staff with this
        verdict before anyone confirms it; the confirmed send goes through `relay`, i.e. the
        check again, because the tap may come later and only a `Checked` text is sent."""
        escalation = await self.get(escalation_id)
        text = text.strip()
        if not text:
            return SendResult(sent=False, error="empty message")
        result = await self._sender.check(escalation.shop, text, origin=Origin.STAFF)
        if result.ok:
            return SendResult(sent=False)
        fix = self._fixer.suggest_fix(text, result)
        return SendResult(sent=False, violations=result.violations, fix=fix)

    async def mark_wrong_intent(self, escalation_id: str, intent: str, staff: Staff) -> Escalation:
        if Intent.parse(intent) is None:
            raise ValueError(f"unknown intent {intent!r}")
        escalation = await self.get(escalation_id)
        marks = {m.message_id: intent for m in escalation.buyer_messages}
        changed = await self._esc.mutate(
            escalation_id,
            lambda e: e.model_copy(
                update={
                    "wrong_intent_marks": {**e.wrong_intent_marks, **marks},
                    "history": (*e.history, _action(staff, "wrong_intent", intent)),
                }
            ),
        )
        return changed or escalation

    async def chat_closed(self, shop: str, chat_id: str) -> None:
        """Ozon closed the chat (push `TYPE_CHAT_CLOSED`): the bot stops working on it and its
        card is closed with a note; nothing waiting there can be answered any more."""
        await self._chats.drop(shop, chat_id)
        escalation = await self._esc.open_for_chat(shop, chat_id)
        if escalation is not None:
            await self._change(escalation.id, None, "chat_closed", EscalationStatus.RESOLVED)

    async def expire_takeovers(self) -> int:
        """Return chats whose takeover timed out to the bot (a scheduler job)."""
        now, returned = self._clock(), 0
        for escalation in await self._esc.list_open():
            if escalation.status is not EscalationStatus.TAKEN:
                continue
            control = await self._control.chat(escalation.shop, escalation.chat_id)
            if control.paused_until is not None and control.paused_until <= now:
                await self.return_to_bot(escalation.id, None)
                returned += 1
        return returned

    # --- helpers ------------------------------------------------------------------------

    async def _send(self, escalation: Escalation, text: str, origin: Origin) -> SendResult:
        if not text:
            return SendResult(sent=False, error="empty message")
        try:
            approved = await self._sender.approve(escalation.shop, text, origin=origin)
        except GuardError as exc:
            result = CheckResult(text=text, violations=exc.violations)
            fix = self._fixer.suggest_fix(text, result)
            return SendResult(sent=False, violations=exc.violations, fix=fix)
        try:
            await self._sender.send(escalation.shop, escalation.chat_id, approved, origin=origin)
        except OzonError as exc:
            if exc.outcome_unknown:
                return SendResult(sent=False, error=str(exc), unknown_outcome=True)
            return SendResult(sent=False, error=f"{type(exc).__name__}: {exc.message}")
        await self._mark_read(escalation)
        return SendResult(sent=True)

    async def _mark_read(self, escalation: Escalation) -> None:
        if not escalation.buyer_messages:
            return
        try:
            last = escalation.buyer_messages[-1].message_id
            await self._clients[escalation.shop].mark_read(escalation.chat_id, last)
        except OzonError as exc:
            log.warning("mark read after a staff reply failed: %s", exc)

    async def _release_chat(self, escalation: Escalation) -> None:
        def release(control: ChatControl) -> ChatControl:
            return control.model_copy(
                update={"paused_until": None, "taken_by": None, "complaint": False}
            )

        await self._control.update_chat(escalation.shop, escalation.chat_id, release)
        await self._rasa(ControlOp.RESUME, escalation)

    async def _rasa(self, op: ControlOp, escalation: Escalation) -> None:
        """Pause or resume the conversation in Rasa: recorded first, so a step that fails
        now (Rasa down) is retried by `run_control_once` until it is applied."""
        sender = self._sender_id(escalation.shop, escalation.chat_id)
        await self._queue.want(sender, op)
        await self._apply(sender, op)

    async def _apply(self, sender: str, op: ControlOp) -> bool:
        call = self._dialogue.pause if op is ControlOp.PAUSE else self._dialogue.resume
        try:
            await call(sender)
        except RasaError as exc:
            log.warning("Rasa %s failed for %s, queued for a retry: %s", op, sender, exc)
            await self._queue.retry(sender, CONTROL_RETRY_MS)
            return False
        await self._queue.done(sender, op)
        return True

    async def run_control_once(self) -> int:
        """Apply the control steps that are due (a scheduler job); returns how many worked."""
        return sum([await self._apply(sender, op) for sender, op in await self._queue.due()])

    async def _change(
        self,
        escalation_id: str,
        staff: Staff | None,
        action: str,
        status: EscalationStatus,
        *,
        release: bool = False,
    ) -> Escalation:
        def apply(e: Escalation) -> Escalation:
            update: dict[str, object] = {
                "status": status,
                "history": (*e.history, _action(staff, action)),
            }
            if release:
                update["sending"] = None
            return e.model_copy(update=update)

        changed = await self._esc.mutate(escalation_id, apply)
        if changed is None:
            raise UnknownEscalationError(escalation_id)
        await self._outbox.add(
            Notification(
                id=f"upd:{escalation_id}:{secrets.token_hex(4)}",
                kind="escalation",
                shop=changed.shop,
                escalation_id=escalation_id,
                chat_id=changed.chat_id,
            )
        )
        return changed


def _action(staff: Staff | None, action: str, note: str | None = None) -> StaffAction:
    if staff is None:
        return StaffAction(action=action, user_name="bot", note=note)
    return StaffAction(user_id=staff.user_id, user_name=staff.name, action=action, note=note)
