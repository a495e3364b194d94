"""`action_escalate`: hands the turn to a person; says nothing to the buyer itself.

The escalation policy sets `escalation_reason` in the same prediction; RulePolicy's core
fallback lands here without one, which is the `unknown` case. The worker decides what the buyer
hears (an acknowledgement, or nothing for abuse and spam).
"""

from __future__ import annotations

import logging

from bot.dialogue.actions.base import OzonbotAction, turn_facts
from bot.dialogue.actions.context import Context
from bot.dialogue.actions.outcome import Outcome, SetSlot
from bot.dialogue.actions.payload import Escalation
from bot.dialogue.actions.turn import Turn
from bot.models import EscalationReason

log = logging.getLogger(__name__)

REASON_SLOT = "escalation_reason"


class Escalate(OzonbotAction):
    action_name = "action_escalate"

    async def decide(self, turn: Turn) -> Outcome:
        # Needs neither the shop's Ozon client nor the knowledge: it must work even when the
        # turn's shop is unknown, so it skips the shared context.
        escalation = Escalation(escalation_reason(turn), detail=turn.intent, facts=turn_facts(turn))
        return Outcome(escalation, events=(SetSlot(REASON_SLOT, None),))

    async def respond(self, context: Context) -> Outcome:
        return await self.decide(context.turn)


def escalation_reason(turn: Turn) -> EscalationReason:
    raw = turn.slots.escalation_reason
    if raw is None:
        return EscalationReason.UNKNOWN
    try:
        return EscalationReason(raw)
    except ValueError:
        log.warning("escalation_reason slot holds %r, not a reason; using unknown", raw)
        return EscalationReason.UNKNOWN
