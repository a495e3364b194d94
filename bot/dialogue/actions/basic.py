"""Actions that answer with one snippet and need no live data."""

from __future__ import annotations

from typing import ClassVar

from bot.dialogue.actions.base import OzonbotAction
from bot.dialogue.actions.context import Context
from bot.dialogue.actions.outcome import Outcome
from bot.dialogue.actions.payload import Reply
from bot.models import Intent


class SnippetAction(OzonbotAction):
    """Says snippet `key` and reports it."""

    key: ClassVar[str]

    async def respond(self, context: Context) -> Outcome:
        return Outcome(Reply(self.key), text=context.say(self.key))


class Greet(SnippetAction):
    action_name = "action_greet"
    key = "greet"


class Thank(SnippetAction):
    action_name = "action_thank"
    key = "thank"


class RefundInfo(SnippetAction):
    action_name = "action_refund_info"
    key = "refund.procedure"


class ChangeInfo(SnippetAction):
    action_name = "action_change_info"
    key = "change.procedure"


class DeclineContacts(SnippetAction):
    action_name = "action_decline_contacts"
    key = "contacts.decline"


class Clarify(SnippetAction):
    """The first fallback: ask the buyer to put it differently (the second one escalates)."""

    action_name = "action_clarify"
    key = "clarify"


class Acknowledge(OzonbotAction):
    """Answers a buyer's "yes" or "no" to what the bot said last."""

    action_name = "action_acknowledge"

    async def respond(self, context: Context) -> Outcome:
        key = "deny" if context.turn.intent == Intent.DENY else "affirm"
        return Outcome(Reply(key), text=context.say(key))
