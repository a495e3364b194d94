"""What the product card says about a question: the snippet to answer with, and the facts found.

Attributes are matched by meaning over the card's real category names (the client fills them
from `/v1/description-category/attribute`) with the same functions the chat actions use
(`bot.dialogue.actions.facts`); a yes/no question against a limit is compared in the card's
unit. Nothing the card does not hold is ever said: `Drafted.key` is None and the staff card
says "the card does not say".

A compatibility question ("подойдёт ли к iPhone 15?", "will it fit my Bosch drill?") is
answered only when a card attribute names the very thing asked (a value "iPhone 15", or a name
like "Можно мыть в посудомоечной машине"); otherwise it goes to people as `compatibility`, never
with a summary of the card, which would read as a yes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.dialogue.actions import facts
from bot.guard.normalize import fold
from bot.models import Intent, Language
from bot.ozon.client import OzonClient
from bot.ozon.schemas import Attribute, ProductAttributes, ProductInfo

_SUMMARY_LIMIT = 4


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    name: str
    sold: bool
    """On sale: known to Ozon for this seller and not archived."""
    present: int | None


@dataclass(frozen=True, slots=True)
class Drafted:
    key: str | None
    """The `public.question.*` snippet that answers; None: the card does not say."""
    values: dict[str, str] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)
    """Shown on a staff card: what was found (or what was asked and not found)."""
    compatibility: bool = False
    """A compatibility question (answered or not): its staff card says so."""


async def product(ozon: OzonClient, sku: str) -> Product:
    """The seller's product by SKU; `sold` False when Ozon does not list it or it is archived."""
    if not sku.isdigit():
        return Product(sku, "", sold=False, present=None)
    infos = await ozon.product_info(skus=[sku])
    info: ProductInfo | None = next((i for i in infos if i.sku == sku), None)
    if info is None:
        return Product(sku, "", sold=False, present=None)
    return Product(sku, info.name, sold=not info.archived, present=info.present)


async def draft(
    ozon: OzonClient, item: Product, text: str, intent: Intent | None, lang: Language
) -> Drafted:
    if intent is Intent.PRODUCT_AVAILABILITY:
        return _availability(item)
    if intent is Intent.DELIVERY_STATUS:
        return Drafted("public.question.delivery_general")
    cards = await ozon.product_attributes(skus=[item.sku])
    card = next((c for c in cards if c.sku == item.sku), None)
    if card is None:
        return Drafted(None, facts={"card": "no attributes"})
    return from_card(card, text, lang)


def _availability(item: Product) -> Drafted:
    if item.present is None:
        return Drafted(None, facts={"stock": "unknown"})
    key = "public.question.in_stock" if item.present > 0 else "public.question.out_of_stock"
    return Drafted(key, facts={"stock": str(item.present)})


def from_card(card: ProductAttributes, text: str, lang: Language) -> Drafted:
    """What the card says to `text`: an attribute, a limit compared, a summary when nothing
    specific is asked, or nothing (`key` None)."""
    attribute = facts.match_attribute(card.attributes, text)
    if attribute is not None and facts.compare(text, attribute) is not None:
        return _attribute_answer(attribute, text, lang)  # "will it fit a 16 inch laptop?"
    target = compatibility_target(text)
    if target is not None:
        return _compatibility(card, target, text, lang)
    if attribute is not None:
        return _attribute_answer(attribute, text, lang)
    concept = facts.asked_concept(text)
    if concept is not None:
        label = concept.label_en if lang is Language.EN else concept.label_ru
        return Drafted(None, facts={"asked": label})
    return _summary(card, lang)


def _attribute_answer(attribute: Attribute, text: str, lang: Language) -> Drafted:
    label, value = _label(attribute, lang), ", ".join(attribute.values)
    found = {label: value}
    comparison = facts.compare(text, attribute)
    if comparison is None:
        return Drafted("public.question.attribute", {"attribute": label, "value": value}, found)
    key = f"public.question.limit_{comparison.verdict.value}"
    values = {"attribute": label, "value": value, "asked": comparison.asked.text}
    return Drafted(key, values, found)


def _summary(card: ProductAttributes, lang: Language) -> Drafted:
    """Nothing specific asked ("расскажите о товаре"): the first filled attributes."""
    filled = [a for a in card.attributes if a.values and (a.name or a.name_en)]
    chosen = {_label(a, lang): ", ".join(a.values) for a in filled[:_SUMMARY_LIMIT]}
    if not chosen:
        return Drafted(None, facts={"card": "no attributes"})
    listed = "; ".join(f"{label}: {value}" for label, value in chosen.items())
    return Drafted("public.question.summary", {"facts": listed}, chosen)


def _label(attribute: Attribute, lang: Language) -> str:
    if lang is Language.EN and attribute.name_en:
        return attribute.name_en.lower()
    return (attribute.name or attribute.name_en or "").lower()


# --- compatibility ---------------------------------------------------------------------------

_COMPATIBILITY = (
    # "подойдёт ли к iPhone 15", "подойдёт ли этот чехол для ...", "совместим ли с PS5"
    re.compile(
        r"(?:подойд[её]т|подходит|совместим\w*|налез[её]т|встанет|подключ\w*)\s+"
        r"(?:[^\s?.!;]+\s+){0,3}?(?:к|ко|для|на|с|со|в|во)\s+"
        r"(?P<target>[^?.!;\n]+)"
    ),
    # "will it fit my Bosch drill", "is it compatible with the PS5", "does it work with ..."
    re.compile(
        r"\b(?:fits?|compatible\s+with|works?\s+with|suitable\s+for|go\s+with)\s+"
        r"(?:(?:in|into|on|onto|with|for)\s+)?(?P<target>[^?.!;\n]+)"
    ),
    # "适合iPhone 15吗", "兼容博世电钻吗"
    re.compile(r"(?:适合|适用于|兼容|能用于|可以用于|能用在)(?P<target>[^？?。！!；;\n]+)"),
)
_FILLER_WORDS = (
    *("ли", "мой", "моя", "мое", "мою", "моего", "моей", "моему", "мои", "моих", "наш", "наша"),
    *("нашу", "нашего", "нашей", "этот", "эта", "это", "эту", "my", "our", "the", "a", "an"),
    *("this", "that", "it", "your", "吗", "呢", "我的", "的"),
)
_GENERIC_WORDS = (
    *("телефон", "смартфон", "ноутбук", "планшет", "машина", "автомобиль", "модель", "дрель"),
    *("шуруповерт", "устройство", "phone", "smartphone", "laptop", "tablet", "car", "model"),
    *("drill", "device", "screwdriver", "手机", "电钻"),
)
"""Words that name a kind of thing, not which one: "my Bosch drill" is settled by "Bosch"."""
_TOKEN = re.compile(r"[a-zа-я0-9]+|[\u4e00-\u9fff]+")


def compatibility_target(text: str) -> str | None:
    """The thing a compatibility question asks about ("iPhone 15"), as written; None when the
    text is not such a question."""
    folded = fold(text)
    for pattern in _COMPATIBILITY:
        match = pattern.search(folded)
        if match is not None:
            start, end = match.span("target")
            target = text[start:end].strip(" ,:-—")
            if _tokens(target) - _FILLER:
                return target
    return None


def _compatibility(card: ProductAttributes, target: str, text: str, lang: Language) -> Drafted:
    label = "compatibility" if lang is Language.EN else "совместимость"
    named = _naming(card.attributes, target)
    if named is None:
        return Drafted(None, facts={"asked": f"{label}: {target}"}, compatibility=True)
    answered = _attribute_answer(named, text, lang)
    return Drafted(answered.key, answered.values, answered.facts, compatibility=True)


def _naming(attributes: tuple[Attribute, ...], target: str) -> Attribute | None:
    """The attribute that names the asked thing: one of its values is exactly that thing
    ("iPhone 15", not "iPhone 15 Pro"), or its name holds all its words ("Можно мыть в
    посудомоечной машине"; "Рост" for "на рост 180", whose value the answer quotes)."""
    asked = _tokens(target) - _FILLER
    needed = asked - _GENERIC or asked
    words = frozenset(t for t in needed if not t.isdigit())
    for attribute in attributes:
        if not attribute.values:
            continue
        items = [i for v in attribute.values for i in re.split(r"[,;/|]", v) if i.strip()]
        if any(needed <= _tokens(i) <= asked | _GENERIC for i in items):
            return attribute
        name = " ".join(n for n in (attribute.name, attribute.name_en) if n)
        if words and words <= _tokens(name):
            return attribute
    return None


def _tokens(text: str) -> frozenset[str]:
    """Words by their first five letters (Russian endings vary), numbers whole."""
    words = _TOKEN.findall(fold(text))
    return frozenset(w if w.isdigit() else w[:5] for w in words)


_FILLER = _tokens(" ".join(_FILLER_WORDS))
_GENERIC = _tokens(" ".join(_GENERIC_WORDS))
