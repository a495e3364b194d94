"""Attribute names: where they come from, how they are cached, and the fallback table.

`/v4/product/info/attributes` returns attribute ids only; names come from
`/v1/description-category/attribute` for the product's `description_category_id` and `type_id`,
in Russian and English (`language` RU / EN). `OzonClient.product_attributes` fetches them through
a `NameCache` (in memory by default; `bot.state.attribute_names.RedisNameCache` shares them
between workers with a TTL) and fills `Attribute.name`/`name_en`.

The fixed table below is only the fallback: when Ozon's names cannot be fetched, or a category
does not name an id.

Sources: ids marked "seen" appear with these names in public Ozon Seller API clients and in
`/v1/description-category/attribute` answers quoted by them (checked 2026); the others are our
best knowledge. Some names exist under several ids in different categories (brand: 85 and 31;
material: 4496 in clothing, 6548 elsewhere); the first id listed for a name is the one the
emulator uses when a scenario names that attribute.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.ozon.schemas import spelling_key


class Language(StrEnum):
    """`languageLanguage` values the bot asks for."""

    RU = "RU"
    EN = "EN"


class NameCache(Protocol):
    """Attribute names of one category and type in one language (id → name)."""

    async def get(
        self, category_id: str, type_id: str, language: Language
    ) -> dict[int, str] | None:
        """The cached names, or None when they must be fetched."""

    async def put(
        self, category_id: str, type_id: str, language: Language, names: Mapping[int, str]
    ) -> None: ...


class MemoryNameCache:
    """A `NameCache` for one process (tests, the stand-alone action server)."""

    def __init__(self, ttl_s: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_s
        self._clock = clock
        self._entries: dict[tuple[str, str, Language], tuple[float, dict[int, str]]] = {}

    async def get(
        self, category_id: str, type_id: str, language: Language
    ) -> dict[int, str] | None:
        entry = self._entries.get((category_id, type_id, language))
        if entry is None or entry[0] < self._clock():
            return None
        return dict(entry[1])

    async def put(
        self, category_id: str, type_id: str, language: Language, names: Mapping[int, str]
    ) -> None:
        expires = self._clock() + self._ttl
        self._entries[(category_id, type_id, language)] = (expires, dict(names))


@dataclass(frozen=True, slots=True)
class KnownAttribute:
    id: int
    name_ru: str
    name_en: str


KNOWN_ATTRIBUTES: tuple[KnownAttribute, ...] = (
    KnownAttribute(85, "Бренд", "Brand"),  # seen
    KnownAttribute(31, "Бренд", "Brand"),  # seen (clothing and shoes)
    KnownAttribute(4180, "Название", "Name"),  # seen
    KnownAttribute(4191, "Аннотация", "Description"),  # seen
    KnownAttribute(8229, "Тип", "Type"),  # seen
    KnownAttribute(9048, "Название модели", "Model"),  # seen
    KnownAttribute(9024, "Артикул", "Seller code"),  # seen
    KnownAttribute(10096, "Цвет товара", "Colour"),  # seen
    KnownAttribute(10097, "Название цвета", "Colour name"),  # seen
    KnownAttribute(4496, "Материал", "Material"),  # seen (clothing)
    KnownAttribute(6548, "Материал", "Material"),  # seen (other categories)
    KnownAttribute(4604, "Состав материала", "Material composition"),  # seen
    KnownAttribute(4295, "Российский размер", "Russian size"),  # seen
    KnownAttribute(9533, "Размер производителя", "Manufacturer size"),  # best knowledge
    KnownAttribute(4389, "Страна-изготовитель", "Country of manufacture"),  # seen
    KnownAttribute(4385, "Гарантийный срок", "Warranty period"),  # seen
    KnownAttribute(4383, "Вес товара, г", "Weight, g"),  # seen
    KnownAttribute(4497, "Вес с упаковкой, г", "Weight with packaging, g"),  # seen
    KnownAttribute(9163, "Пол", "Gender"),  # seen
    KnownAttribute(9390, "Целевая аудитория", "Target audience"),  # seen
    KnownAttribute(4655, "Инструкция по уходу", "Care instructions"),  # seen
    KnownAttribute(4382, "Размеры, мм", "Dimensions, mm"),  # best knowledge
    KnownAttribute(4384, "Комплектация", "Package contents"),  # best knowledge
)

SYNTHETIC_ID_START = 9_000_000_000
"""Ids from here up are never real Ozon attributes: the emulator gives them to names it does not
know, so a scenario may use any attribute name."""

_BY_ID = {attribute.id: attribute for attribute in KNOWN_ATTRIBUTES}
_BY_NAME: dict[str, KnownAttribute] = {}
for _attribute in KNOWN_ATTRIBUTES:
    _BY_NAME.setdefault(spelling_key(_attribute.name_ru), _attribute)
    _BY_NAME.setdefault(spelling_key(_attribute.name_en), _attribute)
# Common alternative spellings a scenario or a seller may use.
for _alias, _id in (
    ("Цвет", 10096),
    ("Color", 10096),
    ("Размер", 4295),
    ("Size", 4295),
    ("Модель", 9048),
    ("Страна производства", 4389),
    ("Country", 4389),
    ("Гарантия", 4385),
    ("Warranty", 4385),
    ("Вес", 4383),
    ("Weight", 4383),
):
    _BY_NAME.setdefault(spelling_key(_alias), _BY_ID[_id])


def by_id(attribute_id: int) -> KnownAttribute | None:
    return _BY_ID.get(attribute_id)


def by_name(name: str) -> KnownAttribute | None:
    """The known attribute called `name` (Russian, English or a common alias), ignoring case."""
    return _BY_NAME.get(spelling_key(name))
