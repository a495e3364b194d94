"""Understanding a buyer turn: the inbound guard, Rasa, and the pure decision.

    inbound guard ─▶ (complaint flow? ask Rasa only for the record) ─▶ Rasa ─▶ shop switches
    ─▶ decide ─▶ the one outbound check of the reply

Everything here reads; nothing is sent or recorded (the engine, `bot.worker.processor`, acts
on the `Understanding`). Rasa's failures become `DependencyDownError` (the turn waits) or a
plan for people (Rasa refused this very message, or has the conversation paused while the
worker's state does not know why).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import ShopConfig
from bot.dialogue.types import DialogueResult, TurnRequest
from bot.errors import (
    DependencyDownError,
    GuardError,
    PausedByPeople,
    RasaMalformedError,
    RasaUnavailableError,
)
from bot.guard.types import Inspection
from bot.models import EscalationReason, Intent, Language
from bot.schedule.hours import is_working
from bot.state.escalations import ChatControl
from bot.state.models import MessageContext
from bot.worker.decide import (
    Plan,
    Situation,
    blocked,
    decide,
    decide_inbound,
    escalate,
    flags_for_rasa,
)
from bot.worker.deps import PipelineDeps
from bot.worker.send import Origin
from bot.worker.turn import Stopwatch, Turn

log = logging.getLogger(__name__)

LOST_TAKEOVER = (
    "a person had this chat (it is paused in Rasa), but Redis lost the bot's record of that;"
    " the bot will not answer it until people return it"
)


@dataclass(frozen=True, slots=True)
class Understanding:
    """What the pipeline learnt about a turn before acting on it."""

    inspection: Inspection
    dialogue: DialogueResult | None
    plan: Plan
    acted_intent: str | None
    writes_probe: bool = False
    """The reply is the first write since Ozon refused them (`Situation.writes_probe`)."""


class Understander:
    """The reading half of a turn (see the module docstring)."""

    def __init__(self, deps: PipelineDeps, sender_id: Callable[[str, str], str]) -> None:
        self.d = deps
        self._sender_id = sender_id

    async def __call__(
        self, turn: Turn, control: ChatControl, known: bool, watch: Stopwatch
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
            dialogue = await self._ask(turn, control, inspection, watch, known=known)
        except PausedByPeople:
            plan = escalate(EscalationReason.SYSTEM, LOST_TAKEOVER)
            return Understanding(inspection, None, plan, None)
        except RasaMalformedError as exc:
            # Rasa refused this very message or answered nonsense: waiting will not help.
            plan = escalate(EscalationReason.UNKNOWN, f"Rasa could not read this message: {exc}")
            return Understanding(inspection, None, plan, None)
        with watch.stage("decide"):
            situation = await self._situation(turn.shop)
            plan = decide(turn.shop, dialogue, situation, inspection)
        return Understanding(inspection, dialogue, plan, dialogue.intent, situation.writes_probe)

    async def _ask(
        self,
        turn: Turn,
        control: ChatControl,
        inspection: Inspection,
        watch: Stopwatch,
        *,
        known: bool,
    ) -> DialogueResult:
        request = self._request(turn, control, inspection)
        result = await self._ask_rasa(request, watch)
        if result.paused and not known:
            # Rasa has the conversation paused, but Redis knows nothing of the chat: the bot's
            # own record of a takeover was lost (Redis data loss). People decide, not the bot.
            raise PausedByPeople
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
            sender=self._sender_id(turn.shop.id, turn.chat_id),
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
        switches = await self.d.control.shop_switches(shop.id)
        override = switches.override
        return Situation(
            working=is_working(shop.hours, now),
            shop_paused=switches.paused or switches.writes_refused,
            override=override.mode if override and override.active(now) else None,
            writes_probe=switches.writes_lacking and not switches.writes_refused,
        )

    async def check_outbound(self, shop: ShopConfig, plan: Plan, watch: Stopwatch) -> Plan:
        """The one outbound check of a bot reply: the plan carries the approved text."""
        if plan.reply is None:
            return plan
        with watch.stage("outbound"):
            try:
                approved = await self.d.sender.approve(shop.id, plan.reply, origin=Origin.BOT)
            except GuardError as exc:
                return blocked(plan, exc.violations)
        return plan.approved(approved)


def _acted(plan: Plan) -> str | None:
    """The intent a plan decided by the inbound detectors acts on (the simulate contract)."""
    if plan.reason is EscalationReason.SPAM:
        return Intent.SPAM.value
    if plan.reason is EscalationReason.ABUSE:
        return Intent.ABUSIVE.value
    return None
