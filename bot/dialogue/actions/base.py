"""The one bridge between rasa_sdk and our actions.

`OzonbotAction.run` parses the tracker into a `Turn`, asks the subclass for an `Outcome`, and
writes it back the way Rasa expects: the text, then one `{"ozonbot": ...}` custom payload, then
the events. Ozon failures are handled here once for every action:
- retryable (429, 5xx, timeout, malformed — after the client's own retries): a `retry` payload
  and `UserUtteranceReverted`, so Rasa forgets the turn and the worker replays it later;
- anything else (auth, permission, ...): an escalation with reason `system`.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from bot.dialogue.actions.context import Context, buyer_language
from bot.dialogue.actions.deps import ActionDeps
from bot.dialogue.actions.outcome import Event, Outcome, RevertTurn
from bot.dialogue.actions.payload import Escalation, Facts, Reply, Retry
from bot.dialogue.actions.turn import Turn, parse_turn
from bot.errors import OzonError
from bot.models import EscalationReason

log = logging.getLogger(__name__)


class OzonbotAction(Action, ABC):  # type: ignore[misc]  # rasa_sdk ships without type hints
    action_name: ClassVar[str]

    def __init__(self, deps: ActionDeps) -> None:
        self._deps = deps

    def name(self) -> str:
        return self.action_name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any] | None
    ) -> list[dict[str, Any]]:
        turn = parse_turn(str(tracker.sender_id), tracker.latest_message or {}, tracker.slots)
        outcome = await self.decide(turn)
        _log_outcome(self.action_name, turn, outcome)
        if outcome.text:
            dispatcher.utter_message(text=outcome.text)
        dispatcher.utter_message(json_message=outcome.payload.as_json())
        return [_rasa_event(event) for event in outcome.events]

    async def decide(self, turn: Turn) -> Outcome:
        """The outcome for `turn`, Ozon failures included (never raises `OzonError`)."""
        shop = self._deps.shop(turn.shop_id)
        ozon = self._deps.ozon.get(shop.id) if shop is not None else None
        if shop is None or ozon is None:
            return Outcome(
                Escalation(EscalationReason.SYSTEM, detail="unknown_shop", facts=turn_facts(turn))
            )
        context = Context(
            turn=turn,
            shop=shop,
            ozon=ozon,
            knowledge=self._deps.knowledge,
            lang=buyer_language(turn),
            today=self._deps.today(shop),
        )
        try:
            return await self.respond(context)
        except OzonError as exc:
            return ozon_failure(exc, turn)

    @abstractmethod
    async def respond(self, context: Context) -> Outcome:
        """This action's answer; may raise `OzonError` (handled by `decide`)."""


def ozon_failure(exc: OzonError, turn: Turn) -> Outcome:
    error = type(exc).__name__
    if exc.retryable:
        log.warning("Ozon unavailable (%s in %s): turn reverted for a retry", error, exc.method)
        return Outcome(Retry(error), events=(RevertTurn(),))
    log.error("Ozon refused %s: %s", exc.method, error)
    return Outcome(Escalation(EscalationReason.SYSTEM, detail=error, facts=turn_facts(turn)))


def turn_facts(turn: Turn) -> Facts:
    """What is known about the order and product without asking Ozon."""
    facts: dict[str, str] = {}
    if (posting := turn.posting_number()) is not None:
        facts["posting_number"] = posting
    if turn.context_order_number is not None:
        facts["order_number"] = turn.context_order_number
    if (sku := turn.sku()) is not None:
        facts["sku"] = sku
    if (attribute := turn.attribute()) is not None:
        facts["attribute"] = attribute
    return facts


def _rasa_event(event: Event) -> dict[str, Any]:
    if isinstance(event, RevertTurn):
        return dict(UserUtteranceReverted())
    return dict(SlotSet(event.name, event.value))


def _log_outcome(action: str, turn: Turn, outcome: Outcome) -> None:
    match outcome.payload:
        case Reply(key=key):
            what = f"reply {key}"
        case Escalation(reason=reason):
            what = f"escalate {reason}"
        case Retry(error=error):
            what = f"retry {error}"
    # Shop and chat ids only: the buyer's text stays out of INFO logs (STYLE.md 10).
    log.info("%s shop=%s chat=%s -> %s", action, turn.shop_id, turn.chat_id, what)
