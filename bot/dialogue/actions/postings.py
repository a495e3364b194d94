"""Finding a posting the buyer means, and the facts about it that go to the worker."""

from __future__ import annotations

from bot.dialogue.actions.deps import OzonReader
from bot.dialogue.actions.payload import Facts
from bot.errors import OzonNotFoundError
from bot.ozon.schemas import Posting


async def find_posting(ozon: OzonReader, posting_number: str) -> Posting | None:
    """The posting as FBS (rFBS included), else as FBO; None when Ozon knows neither.

    A seller's chat does not say which scheme an order went through, and FBS is the common
    case for the sellers this bot serves, so it is asked first.
    """
    try:
        return await ozon.fbs_posting(posting_number)
    except OzonNotFoundError:
        pass
    try:
        return await ozon.fbo_posting(posting_number)
    except OzonNotFoundError:
        return None


MAX_POSTINGS_PER_ORDER = 10
GIVE_UP_AFTER_MISSES = 3


async def resolve_posting(ozon: OzonReader, reference: str, sku: str | None) -> Posting | None:
    """The posting a buyer means by a posting number, or by an order number.

    An order's postings are numbered `<order>-1`, `-2`, ... (shared/ozon/README.md) and the
    methods this bot may call have no "postings of an order" lookup, so they are probed in
    order: the one holding the chat's product wins, else the first found.
    """
    if reference.count("-") == 2:
        return await find_posting(ozon, reference)
    found: list[Posting] = []
    misses = 0  # in a row: an order's postings are numbered without long gaps
    for n in range(1, MAX_POSTINGS_PER_ORDER + 1):
        posting = await find_posting(ozon, f"{reference}-{n}")
        if posting is None:
            misses += 1
            if misses >= GIVE_UP_AFTER_MISSES:
                break
            continue
        if sku is None or sku in posting.skus:
            return posting
        found.append(posting)
        misses = 0
    return found[0] if found else None


def posting_facts(posting: Posting) -> Facts:
    facts = {
        "posting_number": posting.posting_number,
        "order_number": posting.order_number,
        "scheme": posting.scheme,
        "status": posting.status,
        "substatus": posting.substatus,
        "delivery_date": posting.delivery_date.isoformat() if posting.delivery_date else None,
        "tracking_number": posting.tracking_number,
    }
    return {name: value for name, value in facts.items() if value}
