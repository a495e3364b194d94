"""What staff can do to a chat, independent of Telegram: the console's buttons call these.

Every operation updates the escalation (who did what, when), changes the chat's control state
where needed (takeover pauses the bot in the worker *and* in Rasa), and queues a card update so
the card in the staff chat changes in place. Replies typed by staff go through the same
`Sender.send` as the bot's: a violating text is refused with the rule and fragment, and for
mechanical problems a corrected text is offered — never sent without a person confirming it.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.dialogue.types import Dialogue
from bot.errors import GuardError, OzonError, OzonUnknownOutcomeError, RasaError
from bot.guard.types import CheckResult, Violation
from bot.models import Intent
from bot.ozon.client import OzonClient
from bot.state.chats import ChatStore
from bot.state.escalations import ChatControl, ControlStore, EscalationStore, Outbox
from bot.state.models import Escalation, EscalationStatus, Notification, StaffAction
from bot.worker.send import Origin, Sender

log = logging.getLogger(__name__)


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


class UnknownEscalationError(LookupError):
    pass


class StaffOps:
    def __init__(
        self,
        *,
        escalations: EscalationStore,
        control: ControlStore,
        chats: ChatStore,
        outbox: Outbox,
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
        await self._rasa(self._dialogue.pause, escalation)
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
        """One tap: send the bot's suggested reply (drafts, and escalations that have one)."""
        escalation = await self.get(escalation_id)
        if not escalation.suggested:
            return SendResult(sent=False, error="no suggested reply")
        origin = Origin.DRAFT if staff is None else Origin.STAFF
        result = await self._send(escalation, escalation.suggested, origin)
        if result.sent:
            status = EscalationStatus.RESOLVED if escalation.draft else escalation.status
            await self._change(escalation_id, staff, "sent_suggested", status)
        return result

    async def relay(self, escalation_id: str, text: str, staff: Staff) -> SendResult:
        """A reply typed by staff: checked against Ozon's rules, then sent to the buyer."""
        escalation = await self.get(escalation_id)
        result = await self._send(escalation, text.strip(), Origin.STAFF)
        if result.sent:
            await self._change(escalation_id, staff, "replied", escalation.status)
        return result

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
            await self._sender.send(escalation.shop, escalation.chat_id, text, origin=origin)
        except GuardError as exc:
            result = CheckResult(text=text, violations=exc.violations)
            fix = self._fixer.suggest_fix(text, result)
            return SendResult(sent=False, violations=exc.violations, fix=fix)
        except OzonUnknownOutcomeError as exc:
            return SendResult(sent=False, error=str(exc), unknown_outcome=True)
        except OzonError as exc:
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
        await self._rasa(self._dialogue.resume, escalation)

    async def _rasa(self, call: Callable[[str], Awaitable[None]], escalation: Escalation) -> None:
        # Rasa's pause is a second lock: the worker already stops answering a paused chat,
        # so a Rasa outage here is logged, not fatal.
        try:
            await call(self._sender_id(escalation.shop, escalation.chat_id))
        except RasaError as exc:
            log.warning("Rasa pause/resume failed for %s: %s", escalation.id, exc)

    async def _change(
        self, escalation_id: str, staff: Staff | None, action: str, status: EscalationStatus
    ) -> Escalation:
        changed = await self._esc.mutate(
            escalation_id,
            lambda e: e.model_copy(
                update={"status": status, "history": (*e.history, _action(staff, action))}
            ),
        )
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
