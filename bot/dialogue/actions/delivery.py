"""`action_delivery_status` and `action_cancel_info`: answers that depend on a posting's status."""

from __future__ import annotations

from bot.dialogue.actions.base import OzonbotAction
from bot.dialogue.actions.context import Context
from bot.dialogue.actions.outcome import Outcome, SetSlot
from bot.dialogue.actions.payload import Reply
from bot.dialogue.actions.postings import posting_facts, resolve_posting
from bot.ozon.schemas import Posting

AWAITING = "awaiting_posting_number"
PICKUP_POINT_SUBSTATUS = "posting_in_pickup_point"
# A delivery date is an estimate only while the parcel is still coming; after these statuses
# "expected on <date>" would be wrong.
_NO_ETA = frozenset({"delivered", "cancelled", "not_accepted"})
_NO_TRACKING = frozenset({"cancelled", "not_accepted", "delivered"})
# Handed over to delivery: Ozon no longer lets the buyer cancel, only refuse or return.
_SHIPPED = frozenset({"delivering", "driver_pickup", "delivered", "sent_by_seller"})


class DeliveryStatus(OzonbotAction):
    action_name = "action_delivery_status"

    async def respond(self, context: Context) -> Outcome:
        number = context.turn.posting_reference()
        if number is None:
            return Outcome(
                Reply("ask_posting_number"),
                text=context.say("ask_posting_number"),
                events=(SetSlot(AWAITING, True),),
            )
        answered = (SetSlot(AWAITING, False),)
        posting = await resolve_posting(context.ozon, number, context.turn.sku())
        if posting is None:
            key = "delivery.not_found"
            facts = {"posting_number": number}
            return Outcome(
                Reply(key, facts), text=context.say(key, posting_number=number), events=answered
            )
        key, text = describe_posting(context, posting)
        return Outcome(Reply(key, posting_facts(posting)), text=text, events=answered)


def status_key(context: Context, posting: Posting) -> str:
    """The snippet for the posting's status; unknown statuses get a generic sentence."""
    if posting.substatus == PICKUP_POINT_SUBSTATUS and context.knows("delivery.in_pickup_point"):
        # Waiting at the pickup point says more than its status ("delivering").
        return "delivery.in_pickup_point"
    key = f"delivery.{posting.status}"
    return key if context.knows(key) else "delivery.unknown_status"


def describe_posting(context: Context, posting: Posting) -> tuple[str, str]:
    """(main snippet key, the full answer): status, then the expected date and tracking."""
    values = posting_values(context, posting)
    key = status_key(context, posting)
    sentences = [context.say(key, **values)]
    # At the pickup point the parcel has arrived: a date or a tracking number is noise.
    arrived = key == "delivery.in_pickup_point"
    if posting.delivery_date and posting.status not in _NO_ETA and not arrived:
        sentences.append(context.say("delivery.eta", **values))
    if posting.tracking_number and posting.status not in _NO_TRACKING and not arrived:
        sentences.append(context.say("delivery.tracking", **values))
    return key, " ".join(sentences)


def posting_values(context: Context, posting: Posting) -> dict[str, object]:
    """Placeholders the delivery snippets may use."""
    return {
        "posting_number": posting.posting_number,
        "order_number": posting.order_number,
        "status": posting.status,
        "delivery_date": context.date(posting.delivery_date) if posting.delivery_date else "",
        "tracking_number": posting.tracking_number or "",
    }


class CancelInfo(OzonbotAction):
    """Ozon's cancellation procedure; when the posting is known and already shipped, say so."""

    action_name = "action_cancel_info"

    async def respond(self, context: Context) -> Outcome:
        number = context.turn.posting_reference()
        posting = (
            await resolve_posting(context.ozon, number, context.turn.sku()) if number else None
        )
        if posting is None:
            return Outcome(Reply("cancel.procedure"), text=context.say("cancel.procedure"))
        values = posting_values(context, posting)
        key = "cancel.procedure"
        if posting.status == "cancelled" and context.knows("delivery.cancelled"):
            key = "delivery.cancelled"
        elif posting.status in _SHIPPED:
            key = "cancel.already_shipped"
        return Outcome(Reply(key, posting_facts(posting)), text=context.say(key, **values))
