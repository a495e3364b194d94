"""Matching a buyer's question to a product card's attributes by meaning, and reading limits.

Card attributes carry Ozon's category names as strings ("Максимальная диагональ ноутбука,
дюймы", "Мощность всасывания, Вт", "Диаметр колес, мм"; names come from
`/v1/description-category/attribute`, ids alone say nothing). Buyers ask in their own words:
"влезет ли ноутбук 16 дюймов?", "how powerful is the suction?". A question is matched to an
attribute name through shared *concepts* (a small lexicon of what buyers ask about, each with
the words buyers use and the words Ozon's names use) and shared word stems.

A yes/no question with a number ("влезет ли 16 дюймов", "выдержит 120 кг?") against an attribute
that is a limit ("Максимальная …", "… до", "Max …") is compared in the card's unit; the answer
quotes the card and says whether the number is within it, never more than the card says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.guard.normalize import fold
from bot.ozon.schemas import Attribute


@dataclass(frozen=True, slots=True)
class Concept:
    name: str
    asked: re.Pattern[str]
    """Words a buyer uses for it (lower-cased text, ё folded into е)."""
    named: re.Pattern[str]
    """Words of Ozon attribute names that mean it."""
    label_ru: str
    label_en: str


def _concept(name: str, asked: str, named: str, label_ru: str, label_en: str) -> Concept:
    return Concept(name, re.compile(asked), re.compile(named), label_ru, label_en)


CONCEPTS: tuple[Concept, ...] = (
    _concept(
        "diagonal",
        r"диагонал|дюйм|ноутбук|макбук|laptop|notebook|macbook|inch|diagonal",
        r"диагонал|дюйм|inch|diagonal",
        "диагональ",
        "diagonal",
    ),
    _concept(
        "suction",
        r"всасыв|тяг[аиу]|засасыв|suction|suck",
        r"всасыв|suction",
        "мощность всасывания",
        "suction power",
    ),
    _concept(
        "power",
        r"мощн|ватт|\d\s*вт\b|\bвт\b|\bквт|watt|power|\d\s*w\b",
        r"мощност|power",
        "мощность",
        "power",
    ),
    _concept(
        "wheels",
        r"колес|колесик|wheel",
        r"колес|wheel",
        "колёса",
        "wheels",
    ),
    _concept(
        "load",
        (
            r"нагрузк|выдерж|выдюж|вес\s+до|сколько\s+кг|max(?:imum)?\s+load|weight\s+limit|"
            r"\bhold|\bsupport|\bcarry"
        ),
        r"нагрузк|load",
        "максимальная нагрузка",
        "maximum load",
    ),
    _concept(
        "weight",
        r"\bвес\b|\bвеса\b|весит|тяжел|легк|weigh|heavy|light",
        r"\bвес\b|weight",
        "вес",
        "weight",
    ),
    _concept(
        "volume",
        r"объем|литр|\d\s*л\b|\bмл\b|вместим|volume|liter|litre|capacity|\d\s*ml\b",
        r"объем|вместим|volume|capacity",
        "объём",
        "volume",
    ),
    _concept(
        "battery",
        r"аккумулятор|батаре|заряд|мач|mah|battery|charge",
        r"аккумулятор|батаре|емкост|battery",
        "аккумулятор",
        "battery",
    ),
    _concept(
        "material",
        r"материал|из\s+чего|ткан|натуральн|кож[аи]|пластик|material|made\s+of|fabric|leather",
        r"материал|ткань|material",
        "материал",
        "material",
    ),
    _concept(
        "composition",
        r"состав|хлопок|шерст|синтетик|composition|cotton|wool",
        r"состав|composition",
        "состав",
        "composition",
    ),
    _concept("colour", r"цвет|оттен|colou?r|shade", r"цвет|colou?r", "цвет", "colour"),
    _concept(
        "size",
        r"размер|\bsize\b|маломер|большемер|ростовк",
        r"размер|size",
        "размер",
        "size",
    ),
    _concept(
        "country",
        r"стран[аыу]|производ(?:ств|ит)|made\s+in|country|origin",
        r"стран|country",
        "страна производства",
        "country of origin",
    ),
    _concept("warranty", r"гаранти|warrant|guarantee", r"гаранти|warrant", "гарантия", "warranty"),
    _concept("brand", r"бренд|марк[аи]|фирм|brand|manufacturer", r"бренд|brand", "бренд", "brand"),
    _concept(
        "water",
        r"водонепрониц|влаг|промока|под\s+дожд|water|waterproof|rain",
        r"влаг|водонепрониц|water",
        "влагозащита",
        "water resistance",
    ),
    _concept("length", r"длин|length|long", r"длина|length", "длина", "length"),
    _concept("width", r"ширин|width|wide", r"ширина|width", "ширина", "width"),
    _concept("height", r"высот|height|tall|high", r"высота|height", "высота", "height"),
    _concept(
        "compatibility",
        r"совмест|подойдет\s+(?:к|для)|подходит\s+(?:к|для)|compatib|work\s+with|fit\s+(?:my|the)",
        r"совмест|compatib|модел",
        "совместимость",
        "compatibility",
    ),
    _concept(
        "contents",
        r"комплект|что\s+в\s+коробк|в\s+наборе|included|in\s+the\s+box",
        r"комплект|contents",
        "комплектация",
        "package contents",
    ),
)


def concepts_in(text: str, *, name: bool = False) -> frozenset[str]:
    folded = fold(text)
    return frozenset(
        c.name for c in CONCEPTS if (c.named if name else c.asked).search(folded) is not None
    )


def concept(name: str) -> Concept:
    return next(c for c in CONCEPTS if c.name == name)


# Stems too common in names to say anything on their own ("Максимальная …", "… товара").
_WEAK_STEMS = frozenset({"макси", "миним", "товар", "издел", "общий", "общая", "maxim", "minim"})
_WORD = re.compile(r"[a-zа-я]+")


def stems(text: str) -> frozenset[str]:
    return frozenset(
        w[:5] for w in _WORD.findall(fold(text)) if len(w) >= 4 and w[:5] not in _WEAK_STEMS
    )


def match_attribute(
    attributes: Sequence[Attribute], question: str, entity: str | None = None
) -> Attribute | None:
    """The card attribute the question is about, by name, concept or shared word; None if none
    fits. A concept the question names must be one the attribute's name has."""
    asked_concepts = concepts_in(question) | (concepts_in(entity) if entity else frozenset())
    asked_stems = stems(question) | (stems(entity) if entity else frozenset())
    best: tuple[int, Attribute] | None = None
    for attribute in attributes:
        if not attribute.values:
            continue
        names = " ".join(n for n in (attribute.name, attribute.name_en) if n)
        if entity and fold(entity) in (fold(attribute.name or ""), fold(attribute.name_en or "")):
            return attribute
        shared = asked_concepts & concepts_in(names, name=True)
        score = 3 * len(shared) + len(asked_stems & stems(names))
        # "Выдержит 120 кг?": a limit the question can be compared with beats a plain fact.
        score += 1 if score and compare(question, attribute) is not None else 0
        if asked_concepts and not shared:
            continue
        if score > 0 and (best is None or score > best[0]):
            best = (score, attribute)
    return best[1] if best else None


def asked_concept(question: str, entity: str | None = None) -> Concept | None:
    """What the buyer asks about when no attribute holds it (for "the card does not say")."""
    found = concepts_in(entity or "") or concepts_in(question)
    # The more specific concept first: "мощность всасывания" over "мощность".
    for candidate in CONCEPTS:
        if candidate.name in found:
            return candidate
    return None


# --- numbers, units and limits ---------------------------------------------------------------


class Unit(StrEnum):
    MM = "mm"
    CM = "cm"
    M = "m"
    INCH = "in"
    G = "g"
    KG = "kg"
    W = "w"
    KW = "kw"
    ML = "ml"
    L = "l"
    MAH = "mah"


# (unit, dimension, factor to the dimension's base unit)
_UNITS: tuple[tuple[Unit, str, float, str], ...] = (
    (Unit.MM, "length", 1.0, r"мм|mm|миллиметр\w*"),
    (Unit.CM, "length", 10.0, r"см|cm|сантиметр\w*"),
    (Unit.M, "length", 1000.0, r"м|m|метр\w*"),
    (Unit.INCH, "length", 25.4, r"дюйм\w*|inch\w*|in|\"|''|”"),
    (Unit.G, "mass", 1.0, r"г|гр|g|грамм\w*|gram\w*"),
    (Unit.KG, "mass", 1000.0, r"кг|kg|килограмм\w*|kilo\w*"),
    (Unit.W, "power", 1.0, r"вт|w|ватт\w*|watt\w*"),
    (Unit.KW, "power", 1000.0, r"квт|kw"),
    (Unit.ML, "volume", 1.0, r"мл|ml"),
    (Unit.L, "volume", 1000.0, r"л|l|литр\w*|lit(?:er|re)s?"),
    (Unit.MAH, "charge", 1.0, r"мач|mah|ма·ч"),
)
_UNIT_RE = "|".join(f"(?P<{u.name}>{pattern})" for u, _, _, pattern in _UNITS)
_QUANTITY = re.compile(
    rf"(?P<number>\d+(?:[.,]\d+)?)\s*(?:(?:{_UNIT_RE})(?![a-zа-я]))?", re.IGNORECASE
)
_NAME_UNIT = re.compile(rf",\s*(?:{_UNIT_RE})\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Quantity:
    value: float
    unit: Unit | None
    text: str
    """As written ("16 дюймов"), for the answer."""

    def in_base(self, unit: Unit) -> float | None:
        """The value in `unit`'s dimension base; None across dimensions."""
        own = self.unit or unit
        mine, theirs = _dimension(own), _dimension(unit)
        return self.value * mine[1] if mine[0] == theirs[0] else None


def _dimension(unit: Unit) -> tuple[str, float]:
    return next((dim, factor) for u, dim, factor, _ in _UNITS if u is unit)


def _unit_of(match: re.Match[str]) -> Unit | None:
    return next((u for u, *_ in _UNITS if match.group(u.name)), None)


def quantity_in(text: str) -> Quantity | None:
    """The first number of the text, with its unit if one follows."""
    for match in _QUANTITY.finditer(fold(text)):
        number = float(match.group("number").replace(",", "."))
        return Quantity(number, _unit_of(match), match.group(0).strip())
    return None


class Limit(StrEnum):
    MAX = "max"
    MIN = "min"


_MAX_WORDS = re.compile(r"максим|\bмакс\b|\bдо\b|не\s+более|\bmax|\bup\s+to\b")
_MIN_WORDS = re.compile(r"миним|\bмин\b|\bот\b|не\s+менее|\bmin")
_YES_NO = re.compile(
    r"\bли\b|влез|влаз|поместит|помещает|войдет|подойдет|подходит|выдерж|хватит|"
    r"\bwill\b|\bwould\b|\bcan\b|\bdoes\b|\bfit|\bhold\b|\benough\b"
)


def limit_of(attribute: Attribute) -> tuple[Limit, Quantity] | None:
    """(kind, value in the card's unit) when the attribute is a limit with a number."""
    name = fold(attribute.name or attribute.name_en or "")
    value_text = fold(", ".join(attribute.values))
    kind = (
        Limit.MAX
        if _MAX_WORDS.search(name) or _MAX_WORDS.search(value_text)
        else Limit.MIN
        if _MIN_WORDS.search(name)
        else None
    )
    value = quantity_in(value_text)
    if kind is None or value is None:
        return None
    unit_in_name = _NAME_UNIT.search(name)
    unit = value.unit or (_unit_of(unit_in_name) if unit_in_name else None)
    return kind, Quantity(value.value, unit, value.text)


class Verdict(StrEnum):
    WITHIN = "within"
    BEYOND = "beyond"


@dataclass(frozen=True, slots=True)
class Comparison:
    verdict: Verdict
    asked: Quantity


def compare(question: str, attribute: Attribute) -> Comparison | None:
    """A yes/no question with a number against a limit of the card, in the card's unit; None
    when it is not such a question or the units cannot be compared."""
    if not _YES_NO.search(fold(question)):
        return None
    limit, asked = limit_of(attribute), quantity_in(question)
    if limit is None or asked is None:
        return None
    kind, card = limit
    base_unit = card.unit or asked.unit
    if base_unit is None:
        mine, theirs = asked.value, card.value
    else:
        mine_or_none, theirs_or_none = asked.in_base(base_unit), card.in_base(base_unit)
        if mine_or_none is None or theirs_or_none is None:
            return None
        mine, theirs = mine_or_none, theirs_or_none
    within = mine <= theirs if kind is Limit.MAX else mine >= theirs
    return Comparison(Verdict.WITHIN if within else Verdict.BEYOND, asked)
