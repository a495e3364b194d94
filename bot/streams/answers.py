"""What the product card says about a question: the snippet to answer with, and the facts found.

Attributes are matched by meaning over the card's real category names (the client fills them
from `/v1/description-category/attribute`) with the same functions the chat actions use
(`bot.dialogue.actions.facts`); a yes/no question against a limit is compared in the card's
unit. Nothing the card does not hold is ever said: `Drafted.key` is None and the staff card
says "the card does not say".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.dialogue.actions import facts
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
    return _from_card(card, text, lang)


def _availability(item: Product) -> Drafted:
    if item.present is None:
        return Drafted(None, facts={"stock": "unknown"})
    key = "public.question.in_stock" if item.present > 0 else "public.question.out_of_stock"
    return Drafted(key, facts={"stock": str(item.present)})


def _from_card(card: ProductAttributes, text: str, lang: Language) -> Drafted:
    attribute = facts.match_attribute(card.attributes, text)
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
