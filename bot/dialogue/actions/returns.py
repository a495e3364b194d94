"""`action_return_info`: how to return (the seller's window), or how an existing return stands."""

from __future__ import annotations

import re

from bot.dialogue.actions.base import OzonbotAction
from bot.dialogue.actions.context import Context
from bot.dialogue.actions.deps import OzonReader
from bot.dialogue.actions.outcome import Outcome
from bot.dialogue.actions.payload import Reply
from bot.dialogue.actions.postings import resolve_posting
from bot.errors import OzonNotFoundError
from bot.ozon.schemas import ReturnItem


class ReturnInfo(OzonbotAction):
    action_name = "action_return_info"

    async def respond(self, context: Context) -> Outcome:
        window = str(context.shop.return_window_days)
        number = await self._posting_number(context)
        existing = await find_return(context.ozon, number) if number else None
        if existing is None:
            facts = {"return_window_days": window} | ({"posting_number": number} if number else {})
            # "Куда отправлять?" after the steps is its own question, with its own answer.
            key = "return.where" if asks_where_to_send(context.turn.text) else "return.procedure"
            return Outcome(Reply(key, facts), text=context.say(key))
        facts = {
            "posting_number": existing.posting_number,
            "return_id": existing.id,
            "return_status": existing.status,
            "return_status_name": existing.status_name,
            "return_window_days": window,
        }
        # A return already filed: its status is the answer, the procedure would be noise.
        text = context.say("return.status", status_name=existing.status_name)
        return Outcome(Reply("return.status", facts), text=text)

    @staticmethod
    async def _posting_number(context: Context) -> str | None:
        """The posting a return would be for: given directly, or found from the order."""
        reference = context.turn.posting_reference()
        if reference is None or context.turn.posting_number() is not None:
            return reference
        posting = await resolve_posting(
            context.ozon, reference, context.turn.sku(), context.today, context.turn.text
        )
        return posting.posting_number if posting else None


_WHERE = re.compile(
    r"\bкуда\b|адрес|\bгде\s+(?:сда|отда|отправ)|пункт\w*\s+(?:приема|приёма|возврат)|"
    r"\bwhere\b|\baddress\b|\bdrop\s+(?:it\s+)?off\b",
    re.IGNORECASE,
)


def asks_where_to_send(text: str) -> bool:
    return bool(_WHERE.search(text))


async def find_return(ozon: OzonReader, posting_number: str) -> ReturnItem | None:
    """The return Ozon lists for the posting (the first one if there are several), if any."""
    try:
        page = await ozon.returns(posting_numbers=[posting_number])
    except OzonNotFoundError:
        return None
    matching = [item for item in page.returns if item.posting_number == posting_number]
    return matching[0] if matching else None
