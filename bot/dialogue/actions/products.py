"""`action_product_specs` and `action_product_availability`: facts from the product card.

A fact the card does not hold is never guessed: the turn goes to a person (reason `unknown`)
with the "we will check" sentence offered as the reply.

With no product known (no SKU entity, slot or chat context) an action asks which product and
sets `awaiting_product` to what was asked, so that the buyer's next message carrying an SKU runs
the same action again whatever its intent (stories/rules.yml); any answer clears it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from bot.dialogue.actions.base import OzonbotAction
from bot.dialogue.actions.context import Context
from bot.dialogue.actions.deps import OzonReader
from bot.dialogue.actions.outcome import Outcome, SetSlot
from bot.dialogue.actions.payload import Escalation, Facts, Reply
from bot.errors import OzonNotFoundError
from bot.models import EscalationReason, Language
from bot.ozon import attributes
from bot.ozon.schemas import Attribute, Dimensions, ProductAttributes, ProductInfo, fold

# Attributes a short summary names, in this order (canonical Russian names, as the NLU's
# `attribute` entity spells them).
_SUMMARY = ("бренд", "цвет", "материал", "размер", "страна-изготовитель")
_SUMMARY_LIMIT = 4
# Asked names answered from the card's package dimensions when no attribute matches.
_DIMENSION_WORDS = frozenset(fold(w) for w in ("габариты", "размеры", "размер", "dimensions"))
_WEIGHT_WORDS = frozenset(fold(w) for w in ("вес", "weight"))
_UNITS = {
    Language.RU: {"mm": "мм", "cm": "см", "in": "дюйм.", "g": "г", "kg": "кг", "lb": "фунт."},
    Language.EN: {"mm": "mm", "cm": "cm", "in": "in", "g": "g", "kg": "kg", "lb": "lb"},
}


AWAITING_PRODUCT = "awaiting_product"


class Asked(StrEnum):
    """The values of the `awaiting_product` slot (domain.yml): which action asked."""

    SPECS = "specs"
    AVAILABILITY = "availability"


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    value: str


def ask_which_product(context: Context, asked: Asked) -> Outcome:
    return Outcome(
        Reply("ask_which_product"),
        text=context.say("ask_which_product"),
        events=(SetSlot(AWAITING_PRODUCT, asked.value),),
    )


def answered(outcome: Outcome) -> Outcome:
    """The product question is settled (answered or handed to a person): stop waiting for it."""
    return replace(outcome, events=(*outcome.events, SetSlot(AWAITING_PRODUCT, None)))


def product_unknown(context: Context, sku: str) -> Outcome:
    facts = {"sku": sku} | ({"attribute": a} if (a := context.turn.attribute()) else {})
    return Outcome(Escalation(EscalationReason.UNKNOWN, detail="product_not_found", facts=facts))


class ProductSpecs(OzonbotAction):
    action_name = "action_product_specs"

    async def respond(self, context: Context) -> Outcome:
        sku = context.turn.sku()
        if sku is None:
            return ask_which_product(context, Asked.SPECS)
        return answered(await describe(context, sku))


async def describe(context: Context, sku: str) -> Outcome:
    """The asked attribute of product `sku`, or its summary."""
    card = await find_card(context.ozon, sku)
    if card is None:
        return product_unknown(context, sku)
    asked = context.turn.attribute()
    if asked is None:
        return summarise(context, card)
    return answer_attribute(context, card, asked)


def answer_attribute(context: Context, card: ProductAttributes, asked: str) -> Outcome:
    facts = {"sku": card.sku, "product_name": card.name, "attribute": asked}
    fact = card_fact(card, asked, context.lang)
    if fact is None:
        suggested = context.say(
            "product.attribute_unknown", product_name=card.name, attribute=asked
        )
        escalation = Escalation(
            EscalationReason.UNKNOWN, detail="attribute_not_found", suggested=suggested, facts=facts
        )
        return Outcome(escalation)
    label = asked if context.lang is Language.RU else fact.label
    text = context.say(
        "product.attribute", product_name=card.name, attribute=label, value=fact.value
    )
    return Outcome(Reply("product.attribute", facts | {"value": fact.value}), text=text)


def summarise(context: Context, card: ProductAttributes) -> Outcome:
    found = [card_fact(card, name, context.lang) for name in _SUMMARY]
    facts = [f for f in found if f is not None][:_SUMMARY_LIMIT]
    base: Facts = {"sku": card.sku, "product_name": card.name}
    if not facts:
        return Outcome(Escalation(EscalationReason.UNKNOWN, detail="no_card_facts", facts=base))
    listed = "; ".join(f"{f.label}: {f.value}" for f in facts)
    text = context.say("product.summary", product_name=card.name, facts=listed)
    return Outcome(Reply("product.summary", base), text=text)


async def find_card(ozon: OzonReader, sku: str) -> ProductAttributes | None:
    try:
        cards = await ozon.product_attributes(skus=[sku])
    except OzonNotFoundError:
        return None
    return next((card for card in cards if card.sku == sku), None)


# --- reading the card ----------------------------------------------------------------------


def card_fact(card: ProductAttributes, asked: str, lang: Language) -> Fact | None:
    """The card's value for the asked attribute, labelled in the buyer's language."""
    attribute = find_attribute(card, asked)
    if attribute is not None and attribute.values:
        return Fact(_label(attribute, asked, lang), ", ".join(attribute.values))
    if card.dimensions is None:
        return None
    if fold(asked) in _DIMENSION_WORDS:
        return _dimensions_fact(card.dimensions, lang)
    if fold(asked) in _WEIGHT_WORDS:
        return _weight_fact(card.dimensions, lang)
    return None


def find_attribute(card: ProductAttributes, asked: str) -> Attribute | None:
    """By exact name, then by the known-attributes table, then by a word of the name."""
    if (exact := card.find(asked)) is not None:
        return exact
    known = attributes.by_name(asked)
    if known is not None:
        for attribute in card.attributes:
            if attribute.id == known.id or attribute.name == known.name_ru:
                return attribute
    word = fold(asked)
    for attribute in card.attributes:
        names = (attribute.name or "", attribute.name_en or "")
        if any(word in fold(name).replace(",", " ").split() for name in names):
            return attribute
    return None


def _label(attribute: Attribute, asked: str, lang: Language) -> str:
    if lang is Language.EN:
        known = attributes.by_id(attribute.id)
        english = attribute.name_en or (known.name_en if known else None)
        return (english or asked).lower()
    return (attribute.name or asked).lower()


def _unit(unit: str | None, lang: Language) -> str:
    if unit is None:
        return ""
    return _UNITS.get(lang, _UNITS[Language.RU]).get(unit.lower(), unit)


def _dimensions_fact(dims: Dimensions, lang: Language) -> Fact | None:
    sides = (dims.depth, dims.width, dims.height)
    if any(side is None for side in sides):
        return None
    value = " × ".join(str(side) for side in sides) + f" {_unit(dims.dimension_unit, lang)}"
    return Fact("dimensions" if lang is Language.EN else "габариты", value.strip())


def _weight_fact(dims: Dimensions, lang: Language) -> Fact | None:
    if dims.weight is None:
        return None
    value = f"{dims.weight} {_unit(dims.weight_unit, lang)}".strip()
    return Fact("weight" if lang is Language.EN else "вес", value)


# --- availability --------------------------------------------------------------------------


class ProductAvailability(OzonbotAction):
    action_name = "action_product_availability"

    async def respond(self, context: Context) -> Outcome:
        sku = context.turn.sku()
        if sku is None:
            return ask_which_product(context, Asked.AVAILABILITY)
        return answered(await stock(context, sku))


async def stock(context: Context, sku: str) -> Outcome:
    product = await find_product(context.ozon, sku)
    if product is None:
        return product_unknown(context, sku)
    key = availability_key(product.present)
    facts = {"sku": sku, "product_name": product.name}
    if product.present is not None:
        facts["present"] = str(product.present)
    return Outcome(Reply(key, facts), text=context.say(key, product_name=product.name))


def availability_key(present: int | None) -> str:
    if present is None:
        return "availability.unknown"
    return "availability.in_stock" if present > 0 else "availability.out_of_stock"


async def find_product(ozon: OzonReader, sku: str) -> ProductInfo | None:
    try:
        products = await ozon.product_info(skus=[sku])
    except OzonNotFoundError:
        return None
    return next((product for product in products if product.sku == sku), None)
