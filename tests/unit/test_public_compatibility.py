"""Compatibility questions the product card cannot settle go to people with "the card does not
say", never a summary of the card; a card attribute that names the asked thing answers."""

from __future__ import annotations

import pytest

from bot.models import Intent, Language, Mode
from bot.ozon.schemas import Attribute, ProductAttributes
from bot.streams.answers import compatibility_target, from_card
from bot.streams.policy import Route, question_route


def card(*attributes: tuple[str, str]) -> ProductAttributes:
    return ProductAttributes.model_validate(
        {
            "id": "1",
            "sku": "1000",
            "attributes": [
                Attribute(id=n, name=name, values=(value,))
                for n, (name, value) in enumerate(attributes, start=1)
            ],
        }
    )


CASE = card(
    ("Бренд", "Deppa"),
    ("Цвет", "чёрный"),
    ("Материал", "силикон"),
    ("Совместимые модели", "iPhone 14, iPhone 15 Pro"),
)
BITS = card(
    ("Материал", "сталь HSS"),
    ("Тип хвостовика", "шестигранный 1/4"),
    ("Совместимые бренды", "Bosch; Makita"),
)
PAN = card(
    ("Материал", "нержавеющая сталь"),
    ("Можно мыть в посудомоечной машине", "да"),
    ("Диаметр, см", "26"),
)


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("Подойдёт ли к iPhone 15?", "iPhone 15"),
        ("подойдет ли этот чехол для айфона 13 мини", "айфона 13 мини"),
        ("Совместим ли с PS5?", "PS5"),
        ("Will it fit my Bosch drill?", "my Bosch drill"),
        ("Is it compatible with Samsung S22?", "Samsung S22"),
        ("适合iPhone 15吗？", "iPhone 15吗"),
    ],
)
def test_the_asked_thing_is_found_in_a_compatibility_question(text: str, target: str) -> None:
    assert compatibility_target(text) == target


@pytest.mark.parametrize(
    "text",
    ["Из какого материала чехол?", "Какой цвет?", "Расскажите о товаре", "Подойдёт ли?"],
)
def test_other_questions_are_not_compatibility_questions(text: str) -> None:
    assert compatibility_target(text) is None


@pytest.mark.parametrize(
    ("product", "text"),
    [
        (CASE, "Подойдёт ли к iPhone 15?"),  # the card lists 15 Pro, not 15
        (CASE, "Подойдёт к Samsung Galaxy S23?"),
        (BITS, "Will it fit my DeWalt drill?"),
        (PAN, "Подойдёт ли для индукционной плиты?"),
        (card(("Бренд", "Deppa"), ("Цвет", "чёрный")), "is it compatible with the Pixel 8?"),
    ],
)
def test_a_compatibility_question_the_card_cannot_settle_gets_no_answer(
    product: ProductAttributes, text: str
) -> None:
    drafted = from_card(product, text, Language.RU)
    assert drafted.key is None  # never "public.question.summary"
    assert drafted.compatibility
    assert "совместимость" in drafted.facts["asked"]


def test_the_staff_card_says_what_was_asked_in_the_buyers_words() -> None:
    drafted = from_card(CASE, "Подойдёт ли к iPhone 15?", Language.RU)
    assert drafted.facts == {"asked": "совместимость: iPhone 15"}


@pytest.mark.parametrize(
    ("product", "text", "value"),
    [
        (CASE, "Подойдёт ли к iPhone 15 Pro?", "iPhone 14, iPhone 15 Pro"),
        (BITS, "Will it fit my Bosch drill?", "Bosch; Makita"),
        (PAN, "Подойдёт ли для посудомоечной машины?", "да"),
        (card(("Рост, см", "176-182"), ("Цвет", "синий")), "Подойдёт на рост 180?", "176-182"),
    ],
)
def test_an_attribute_naming_the_asked_thing_answers(
    product: ProductAttributes, text: str, value: str
) -> None:
    drafted = from_card(product, text, Language.RU)
    assert drafted.key == "public.question.attribute"
    assert drafted.values["value"] == value


def test_a_size_limit_is_still_compared_not_sent_to_people() -> None:
    laptop_bag = card(("Максимальная диагональ ноутбука, дюймы", "15.6"))
    drafted = from_card(laptop_bag, "Will it fit a 16 inch laptop?", Language.EN)
    assert drafted.key == "public.question.limit_beyond"


def test_an_unsettled_compatibility_question_is_routed_as_compatibility() -> None:
    drafted = from_card(CASE, "Подойдёт ли к iPhone 15?", Language.RU)
    routed = question_route(
        text="Подойдёт ли к iPhone 15?",
        flags=frozenset(),
        intent=Intent.PRODUCT_SPECS,
        answerable=drafted.key is not None,
        mode=Mode.AUTO,
        sku_sold=True,
        compatibility=drafted.compatibility,
    )
    assert (routed.route, routed.why) == (Route.CARD, "compatibility")
