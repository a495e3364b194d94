"""The public-answer rules on top of the outbound check (bot/streams/policy.py)."""

from __future__ import annotations

import pytest

from bot.streams.policy import public_findings, public_problems


@pytest.mark.parametrize(
    "text",
    ["Материал: хлопок 100%.", "The card gives material: cotton 100%.", "Состав 100 % шерсть"],
)
def test_a_percentage_from_the_card_is_a_fact_not_a_promise(text: str) -> None:
    assert public_problems(text) == ()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Подойдёт на 100%", "на 100%"),
        ("100% подойдёт к iPhone 15", "100% подойдёт"),
        ("Гарантируем, что не полиняет", "Гарантируем"),
        ("It 100% fits", "100% fits"),
    ],
)
def test_a_promise_beyond_the_card_is_found_with_its_fragment(text: str, fragment: str) -> None:
    assert public_findings(text) == (("public_promise", fragment),)


def test_any_link_is_refused_even_to_ozon() -> None:
    assert public_findings("Смотрите ozon.ru/product/1") == (("public_link", "ozon.ru"),)
