"""Well-known Ozon product attribute ids and their names.

`/v4/product/info/attributes` returns attribute ids only; names come from
`/v1/description-category/attribute`, which needs the product's category and type. For the facts
a buyer asks about, this fixed table is enough.

Sources: ids marked "seen" appear with these names in public Ozon Seller API clients and in
`/v1/description-category/attribute` answers quoted by them (checked 2026); the others are our
best knowledge. Some names exist under several ids in different categories (brand: 85 and 31;
material: 4496 in clothing, 6548 elsewhere); the first id listed for a name is the one the
emulator uses when a scenario names that attribute.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.ozon.schemas import fold


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
    _BY_NAME.setdefault(fold(_attribute.name_ru), _attribute)
    _BY_NAME.setdefault(fold(_attribute.name_en), _attribute)
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
    _BY_NAME.setdefault(fold(_alias), _BY_ID[_id])


def by_id(attribute_id: int) -> KnownAttribute | None:
    return _BY_ID.get(attribute_id)


def by_name(name: str) -> KnownAttribute | None:
    """The known attribute called `name` (Russian, English or a common alias), ignoring case."""
    return _BY_NAME.get(fold(name))
