"""`action_product_specs` and `action_product_availability`: facts from the product card.

A fact the card does not hold is never guessed: the turn goes to a person (reason `unknown`)
with the "we will check" sentence offered as the reply.

With no product known (no SKU entity, slot or chat context) an action asks which product and
sets `awaiting_product` to what was asked, so that the buyer's next message carrying an SKU runs
the same action again whatever its intent (stories/rules.yml); any answer clears it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.dialogue.actions import facts
from bot.dialogue.actions.base import OzonbotAction
from bot.dialogue.actions.context import Context
from bot.dialogue.actions.deps import OzonReader
from bot.dialogue.actions.outcome import Outcome, SetSlot
from bot.dialogue.actions.payload import Escalation, Facts, Reply
from bot.errors import OzonNotFoundError
from bot.models import EscalationReason, Language
from bot.ozon.schemas import Attribute, Dimensions, ProductAttributes, ProductInfo, spelling_key

# Attributes a short summary names, in this order (canonical Russian names, as the NLU's
# `attribute` entity spells them).
_SUMMARY = ("бренд", "цвет", "материал", "размер", "страна-изготовитель")
_SUMMARY_LIMIT = 4
# Asked names answered from the card's package dimensions when no attribute matches.
_DIMENSION_WORDS = frozenset(
    spelling_key(w) for w in ("габариты", "размеры", "размер", "dimensions")
)
_WEIGHT_WORDS = frozenset(spelling_key(w) for w in ("вес", "weight"))
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
    """The asked attribute of product `sku`, or its summary when nothing specific is asked."""
    card = await find_card(context.ozon, sku)
    if card is None:
        return product_unknown(context, sku)
    text, entity = context.turn.text, context.turn.attribute()
    attribute = facts.match_attribute(card.attributes, text, entity)
    if attribute is not None:
        return answer_attribute(context, card, attribute)
    concept = facts.asked_concept(text, entity)
    asked = entity or (concept.label_ru if concept else None)
    if asked is None:
        return summarise(context, card)
    package = _package_fact(card, asked, concept, context.lang)
    if package is not None:
        return say_fact(context, card, asked, package)
    label = (concept.label_en if concept and context.lang is Language.EN else asked) or asked
    return attribute_unknown(context, card, label)


def answer_attribute(context: Context, card: ProductAttributes, attribute: Attribute) -> Outcome:
    """The card's value, and for a yes/no question against a limit, where the number stands."""
    fact = Fact(_label(attribute, context.lang), ", ".join(attribute.values))
    comparison = facts.compare(context.turn.text, attribute)
    if comparison is None:
        return say_fact(context, card, fact.label, fact)
    key = f"product.limit_{comparison.verdict.value}"
    values = {"attribute": fact.label, "value": fact.value, "asked": comparison.asked.text}
    text = context.say(key, product_name=card.name, **values)
    reply_facts = {"sku": card.sku, "product_name": card.name, **values}
    return Outcome(Reply(key, reply_facts), text=text)


def say_fact(context: Context, card: ProductAttributes, asked: str, fact: Fact) -> Outcome:
    facts_out = {"sku": card.sku, "product_name": card.name, "attribute": asked}
    text = context.say(
        "product.attribute", product_name=card.name, attribute=fact.label, value=fact.value
    )
    return Outcome(Reply("product.attribute", facts_out | {"value": fact.value}), text=text)


def attribute_unknown(context: Context, card: ProductAttributes, asked: str) -> Outcome:
    """The card does not say: nothing is guessed; staff get the "we will check" sentence as
    the reply to send."""
    facts_out = {"sku": card.sku, "product_name": card.name, "attribute": asked}
    suggested = context.say("product.attribute_unknown", product_name=card.name, attribute=asked)
    return Outcome(
        Escalation(
            EscalationReason.UNKNOWN,
            detail="attribute_not_found",
            suggested=suggested,
            facts=facts_out,
        )
    )


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
    """The card's value for an attribute asked by name (the summary's names), labelled in the
    buyer's language; the package dimensions answer size and weight when no attribute does."""
    attribute = facts.match_attribute(card.attributes, asked, asked)
    if attribute is not None:
        return Fact(_label(attribute, lang), ", ".join(attribute.values))
    return _package_fact(card, asked, facts.asked_concept(asked), lang)


def _package_fact(
    card: ProductAttributes, asked: str, concept: facts.Concept | None, lang: Language
) -> Fact | None:
    if card.dimensions is None:
        return None
    if spelling_key(asked) in _DIMENSION_WORDS:
        return _dimensions_fact(card.dimensions, lang)
    if spelling_key(asked) in _WEIGHT_WORDS or (concept is not None and concept.name == "weight"):
        return _weight_fact(card.dimensions, lang)
    return None


def _label(attribute: Attribute, lang: Language) -> str:
    if lang is Language.EN and attribute.name_en:
        return attribute.name_en.lower()
    return (attribute.name or attribute.name_en or "").lower()


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


_OTHER_VARIANT = re.compile(
    r"размер|цвет|расцвет|оттен|побольше|поменьше|\bбольше\b|\bменьше\b|другого|другой|"
    r"\bsize\b|colou?r|bigger|smaller|larger|another|other|"
    r"\b(?:xxs|xs|s|m|l|xl|xxl|xxxl|[2-5]xl)\b|\bв\s+(?:черн|бел|красн|син|сер|зелен|розов|беж)|"
    r"\bin\s+(?:black|white|red|blue|grey|gray|green|pink|beige|brown|navy)\b",
    re.IGNORECASE,
)


def asks_other_variant(text: str) -> bool:
    """ "А на размер больше?", "а в чёрном есть?": another variant (its own SKU and stock)."""
    return bool(_OTHER_VARIANT.search(text))


async def stock(context: Context, sku: str) -> Outcome:
    product = await find_product(context.ozon, sku)
    if product is None:
        return product_unknown(context, sku)
    if asks_other_variant(context.turn.text):
        # The chat's SKU is one size and colour; the stock of others is theirs, not this one's.
        variant_facts = {"sku": sku, "product_name": product.name}
        text = context.say("availability.variant", product_name=product.name)
        return Outcome(Reply("availability.variant", variant_facts), text=text)
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
