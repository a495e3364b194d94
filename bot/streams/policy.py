"""Pure decisions of the question and review streams: no I/O, unit-tested on their own.

- `question_route`: answer publicly, put on a staff card (and why), or leave alone;
- `review_route`: by rating and text, with the shop's `PublicPolicy`;
- `public_problems`: the public-answer rules on top of the outbound check (no links at all, not
  even to other Ozon products; no promises beyond the card);
- `praise_in`: what a positive review praises, to name it in the thank-you.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from bot.config import PublicPolicy
from bot.models import DISPUTE_INTENTS, InboundFlag, Intent, Language, Mode

MAX_QUESTION = 1000
"""A longer "question" is pasted text, a list or spam: people read it, the bot does not try."""
ROUTINE_QUESTION_INTENTS = frozenset({Intent.PRODUCT_SPECS, Intent.PRODUCT_AVAILABILITY})
"""What the card (or Ozon's general delivery rule) can answer publicly."""
_DELIVERY_INTENTS = frozenset({Intent.DELIVERY_STATUS})


class Route(StrEnum):
    ANSWER = "answer"
    CARD = "card"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Routed:
    route: Route
    why: str
    """For a card: why people get it (shown on the card, a metric label)."""


def question_route(
    *,
    text: str,
    flags: frozenset[InboundFlag],
    intent: Intent | None,
    answerable: bool,
    mode: Mode,
    sku_sold: bool,
    compatibility: bool = False,
) -> Routed:
    """Where a question goes. `answerable`: the card (or the delivery snippet) settles it;
    `compatibility`: it asks whether the product fits something named."""
    if InboundFlag.SPAM in flags:
        return Routed(Route.CARD, "spam")
    if flags & {InboundFlag.PROFANITY, InboundFlag.INSULT} or intent in (Intent.ABUSIVE,):
        return Routed(Route.CARD, "abuse")
    if flags & {InboundFlag.CONTACTS, InboundFlag.EXTERNAL_LINK, InboundFlag.LEGAL_THREAT}:
        return Routed(Route.CARD, "flagged")
    if len(text.strip()) < 2 or len(text) > MAX_QUESTION:
        return Routed(Route.CARD, "unreadable")
    if not sku_sold:
        return Routed(Route.CARD, "sku_not_sold")
    if intent in DISPUTE_INTENTS:
        return Routed(Route.CARD, "complaint")
    if intent is None or intent not in ROUTINE_QUESTION_INTENTS | _DELIVERY_INTENTS:
        return Routed(Route.CARD, "not_routine")
    if not answerable:
        return Routed(Route.CARD, "compatibility" if compatibility else "card_silent")
    if mode is not Mode.AUTO:
        return Routed(Route.CARD, "draft")
    return Routed(Route.ANSWER, "routine")


def review_route(
    *, rating: int | None, text: str, photos: int, policy: PublicPolicy, working_mode: Mode
) -> Routed:
    """Where a review goes. 1-3 stars (and any rating outside 1..5) never get an automatic
    comment; 4-5 stars follow the policy, with the working-hours mode as a ceiling."""
    if rating is None or not 1 <= rating <= 5:
        return Routed(Route.CARD, "bad_rating")
    has_text = bool(text.strip())
    mode = policy.review_mode(rating, has_text=has_text)
    if rating <= 3:
        return (
            Routed(Route.CARD, "low_rating") if mode is not Mode.OFF else Routed(Route.SKIP, "off")
        )
    if mode is Mode.OFF:
        return Routed(Route.SKIP, "photos_only" if photos and not has_text else "no_text")
    if mode is Mode.DRAFT or working_mode is not Mode.AUTO:
        return Routed(Route.CARD, "draft")
    return Routed(Route.ANSWER, "thanks")


def ceiling(*modes: Mode) -> Mode:
    """The strictest of several modes (off > draft > auto)."""
    order = (Mode.AUTO, Mode.DRAFT, Mode.OFF)
    return max(modes, key=order.index)


# --- public-answer rules -------------------------------------------------------------------

_LINK = re.compile(
    r"(https?://|www\.|\b[a-z0-9-]+\.(ru|com|net|org|рф|su|io|me|shop|store)\b|ozon\.ru/)",
    re.IGNORECASE,
)
# "100%" alone is often a fact from the card ("хлопок 100%"); it promises only as "на 100%"
# or before a claim ("100% подойдёт").
_PROMISE = re.compile(
    r"\b(гарантир\w*|обязательно подойд\w*|точно подойд\w*|навсегда|пожизненн\w*|"
    r"guarantee\w*|will definitely|100 percent)|"
    r"(на\s+100\s?%|100\s?%\s+(?:подойд\w*|совмест\w*|уверен\w*|fits?\b|compatible|sure))",
    re.IGNORECASE,
)


def public_problems(text: str) -> tuple[str, ...]:
    """Public-answer rules the chat check does not cover: any link (ozon.ru too: a public
    answer must not send buyers to other products) and promises beyond the card."""
    return tuple(rule for rule, _ in public_findings(text))


def public_findings(text: str) -> tuple[tuple[str, str], ...]:
    """`public_problems` with the first fragment that broke each rule (shown to staff)."""
    found = []
    for rule, pattern in (("public_link", _LINK), ("public_promise", _PROMISE)):
        match = pattern.search(text)
        if match is not None:
            found.append((rule, match.group(0)))
    return tuple(found)


# --- what a positive review praises --------------------------------------------------------

_PRAISE: tuple[tuple[str, str, str], ...] = (
    # (stem pattern, Russian noun, English noun)
    (r"качеств|качествен", "качество", "quality"),
    (r"по размеру|размер подош|размер подход|села идеально|сидит", "размер", "fit"),
    (
        r"быстр\w* доставк|доставили быстро|пришл\w* быстро|привезли быстро|fast delivery|"
        r"arrived quickly",
        "быстрая доставка",
        "fast delivery",
    ),
    (r"упаков|packag", "упаковка", "packaging"),
    (r"цен[ауы]|недорог|price", "цена", "price"),
    (r"красив|дизайн|внешн\w* вид|beautiful|design|looks", "внешний вид", "look"),
    (r"материал|ткан|material|fabric", "материал", "material"),
    (r"удобн|мягк|comfort", "удобство", "comfort"),
    (r"мощн|тянет|всасыва|powerful", "мощность", "power"),
)
_NEGATED = re.compile(r"\b(не|нет|no|not)\s+(\w+\s+)?$", re.IGNORECASE)
_MAX_PRAISE = 2


def praise_in(text: str, lang: Language) -> tuple[str, ...]:
    """Up to two things the review praises, in the language of the answer; a mention right
    after a negation ("не очень удобный") does not count."""
    found: list[str] = []
    for pattern, ru, en in _PRAISE:
        match = re.search(pattern, text, re.IGNORECASE)
        if match is None or _NEGATED.search(text[max(0, match.start() - 20) : match.start()]):
            continue
        found.append(en if lang is Language.EN else ru)
        if len(found) == _MAX_PRAISE:
            break
    return tuple(found)


def joined(items: Collection[str], lang: Language) -> str:
    """ "качество, упаковка" / "quality and packaging"."""
    listed = list(items)
    if lang is Language.EN and len(listed) > 1:
        return ", ".join(listed[:-1]) + " and " + listed[-1]
    return ", ".join(listed)


_DISPUTE_KEYS = {
    Intent.DEFECTIVE_ITEM: "public.review.sorry_defect",
    Intent.WRONG_ITEM: "public.review.sorry_wrong_item",
    Intent.NOT_RECEIVED: "public.review.sorry_not_received",
}


def sorry_key(intent: Intent | None) -> str:
    """The snippet of the suggested reply to a critical review, by what went wrong."""
    return _DISPUTE_KEYS.get(intent, "public.review.sorry") if intent else "public.review.sorry"
