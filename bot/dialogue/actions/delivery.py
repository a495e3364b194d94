"""`action_delivery_status` and `action_cancel_info`: answers that depend on a posting's status."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from bot.dialogue.actions.base import OzonbotAction
from bot.dialogue.actions.context import Context
from bot.dialogue.actions.outcome import Outcome, SetSlot
from bot.dialogue.actions.payload import Reply
from bot.dialogue.actions.postings import meant_postings, posting_facts, resolve_posting
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
        postings = await meant_postings(context.ozon, number, context.today, context.turn.text)
        if not postings:
            key = "delivery.not_found"
            facts = {"posting_number": number}
            return Outcome(
                Reply(key, facts), text=context.say(key, posting_number=number), events=answered
            )
        if len(postings) > 1:
            return replace(overview(context, postings), events=answered)
        key, text = describe_posting(context, postings[0])
        return Outcome(Reply(key, posting_facts(postings[0])), text=text, events=answered)


MAX_LISTED = 4
"""Postings described in one overview; Ozon's 1000-character message limit leaves room for
about four."""


def overview(context: Context, postings: Sequence[Posting]) -> Outcome:
    """The order is split and the buyer did not say which part: each posting in a sentence or
    two (its products, status and date), so they see which is which."""
    order = postings[0].order_number
    parts = [context.say("delivery.several_postings", order_number=order)]
    for posting in postings[:MAX_LISTED]:
        names = ", ".join(f"«{p.name}»" for p in posting.products if p.name)
        _, text = describe_posting(context, posting, brief=True)
        parts.append(f"{names}: {text}" if names else text)
    statuses = ", ".join(f"{p.posting_number}:{p.status}" for p in postings)
    facts = {"order_number": order, "postings": statuses}
    return Outcome(Reply("delivery.several_postings", facts), text=" ".join(parts))


def status_key(context: Context, posting: Posting) -> str:
    """The snippet for the posting's status; unknown statuses get a generic sentence."""
    if posting.substatus == PICKUP_POINT_SUBSTATUS and context.knows("delivery.in_pickup_point"):
        # Waiting at the pickup point says more than its status ("delivering").
        return "delivery.in_pickup_point"
    key = f"delivery.{posting.status}"
    return key if context.knows(key) else "delivery.unknown_status"


def describe_posting(context: Context, posting: Posting, *, brief: bool = False) -> tuple[str, str]:
    """(main snippet key, the full answer): status, then the expected date and tracking.

    `brief` (one posting of several): no tracking sentence, to keep the list short."""
    values = posting_values(context, posting)
    key = status_key(context, posting)
    sentences = [context.say(key, **values)]
    # At the pickup point the parcel has arrived: a date or a tracking number is noise.
    arrived = key == "delivery.in_pickup_point"
    if posting.delivery_date and posting.status not in _NO_ETA and not arrived:
        sentences.append(context.say(eta_key(posting), **values))
    if brief or arrived or posting.status in _NO_TRACKING:
        return key, " ".join(sentences)
    if posting.tracking_number:
        sentences.append(context.say("delivery.tracking", **values))
    elif asks_for_tracking(context.turn.text):
        sentences.append(context.say("delivery.no_tracking", **values))
    return key, " ".join(sentences)


def eta_key(posting: Posting) -> str:
    """FBS has a delivery window (its end is the date); FBO only Ozon's "expected to be
    delivered by" (`client_delivery_date_end`), said as such."""
    return "delivery.eta_by" if posting.scheme == "fbo" else "delivery.eta"


_TRACKING_WORDS = re.compile(r"трек|отслеж|отслед|track", re.IGNORECASE)


def asks_for_tracking(text: str) -> bool:
    return bool(_TRACKING_WORDS.search(text))


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
            await resolve_posting(
                context.ozon, number, context.turn.sku(), context.today, context.turn.text
            )
            if number
            else None
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
