"""Finding the posting a buyer means, and the facts about it that go to the worker.

An Ozon order may be split into several postings (`<order>-1`, `-2`, ...), each with its own
status. The chat's context names the order (sometimes a posting); the buyer's words say which
part they mean: "одну коробку получила, где вторая?" means the one not yet delivered, "а где
наушники?" the one holding the headphones. `meant_postings` reads both.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from bot.dialogue.actions.deps import OzonReader
from bot.dialogue.actions.payload import Facts
from bot.errors import OzonNotFoundError
from bot.ozon.schemas import Posting

ORDER_LOOKBACK = timedelta(days=364)
"""`/v4/posting/fbs/list` needs a period of at most a year; chats are about recent orders."""

_DONE = frozenset({"delivered", "cancelled", "not_accepted"})
"""Statuses after which nothing more will arrive."""

# "I got one part" and "where is the other one": together they point at what is still coming.
_GOT_SOME = re.compile(
    r"получил|получила|получили|пришл[аои]?|пришел|пришёл|забрал|привезли|доставили|"
    r"\breceived\b|\bgot\b|\barrived\b|\bcame\b|\bdelivered\b"
)
_THE_OTHER = re.compile(
    r"втор(?:ая|ой|ое|ую|ого)|друг(?:ая|ой|ое|ую|ого|ие|их)|остальн|оставш|ещ[её] одн|"
    r"не (?:всё|все|хватает|весь)|только (?:одн|част|половин)|част[ьи] заказа|"
    r"\bother\b|\bsecond\b|\brest\b|\bremaining\b|\bmissing\b|\bonly (?:one|part|half)\b"
)
_WORD = re.compile(r"[a-zа-яё0-9]+")


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


async def order_postings(ozon: OzonReader, order_number: str, today: date) -> tuple[Posting, ...]:
    """Every posting of the order, FBS and FBO, by posting number: two list calls, where
    probing `<order>-1`, `-2`, ... with single-posting lookups took up to twenty."""
    since = datetime.combine(today - ORDER_LOOKBACK, time(0, 0), tzinfo=UTC)
    to = datetime.combine(today + timedelta(days=1), time(0, 0), tzinfo=UTC)
    found: list[Posting] = []
    with contextlib.suppress(OzonNotFoundError):
        found += (await ozon.fbs_postings_of_orders([order_number], since=since, to=to)).postings
    with contextlib.suppress(OzonNotFoundError):
        found += (await ozon.fbo_postings_of_orders([order_number])).postings
    mine = {p.posting_number: p for p in found if p.order_number == order_number}
    return tuple(mine[number] for number in sorted(mine))


async def meant_postings(
    ozon: OzonReader, reference: str, today: date, text: str = ""
) -> tuple[Posting, ...]:
    """The postings the buyer means: one when clear, all of the order when not; () if none."""
    if reference.count("-") == 2:
        posting = await find_posting(ozon, reference)
        return (posting,) if posting is not None else ()
    return choose(await order_postings(ozon, reference, today), text)


async def resolve_posting(
    ozon: OzonReader, reference: str, sku: str | None, today: date, text: str = ""
) -> Posting | None:
    """One posting for answers that need exactly one (cancel, return): the one the buyer's
    words point at, else the one holding the chat's product, else the first."""
    postings = await meant_postings(ozon, reference, today, text)
    holding = [p for p in postings if sku is not None and sku in p.skus]
    candidates = holding or list(postings)
    return candidates[0] if candidates else None


def choose(postings: Sequence[Posting], text: str) -> tuple[Posting, ...]:
    """Which of an order's postings the buyer's words mean; all of them when they do not say."""
    if len(postings) <= 1:
        return tuple(postings)
    named = by_product_named(postings, text)
    if len(named) == 1:
        return named
    lowered = text.lower()
    if _THE_OTHER.search(lowered) or _GOT_SOME.search(lowered):
        coming = tuple(p for p in postings if p.status not in _DONE)
        if coming and len(coming) < len(postings):
            return coming
    return tuple(postings)


def by_product_named(postings: Sequence[Posting], text: str) -> tuple[Posting, ...]:
    """The postings holding the product the text names. A product's first word says what it is
    ("Чехол для наушников" is a case): a match there beats a match further on."""
    asked = {_stem(w) for w in _WORD.findall(text.lower()) if len(w) >= 4}
    scores = [
        max((_named_score(p.name, asked) for p in posting.products), default=0)
        for posting in postings
    ]
    best = max(scores, default=0)
    return tuple(p for p, score in zip(postings, scores, strict=True) if best and score == best)


def _named_score(name: str, asked: set[str]) -> int:
    words = [_stem(w) for w in _WORD.findall(name.lower()) if len(w) >= 4]
    if words and words[0] in asked:
        return 2
    return 1 if any(w in asked for w in words) else 0


def _stem(word: str) -> str:
    # Russian endings change with case and number ("наушники", "наушников"): five letters
    # are enough to tell product words apart and short enough to ignore the ending.
    return word.replace("ё", "е")[:5]


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
