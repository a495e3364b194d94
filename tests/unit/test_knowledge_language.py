"""Which language a buyer writes in."""

from __future__ import annotations

import pytest

from bot.knowledge import detect_language
from bot.models import Language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Здравствуйте, где мой заказ?", Language.RU),
        ("gde moi zakaz", Language.RU),
        ("privet, kogda dostavka", Language.RU),
        ("iPhone 13 Pro", Language.RU),
        ("Чехол для iPhone 13 Pro Max подойдёт?", Language.RU),
        ("", Language.RU),
        ("57195475-0050-3", Language.RU),
        ("ok", Language.RU),
        ("Where is my order?", Language.EN),
        ("Hello, I want to return the item", Language.EN),
        ("Can you check order 57195475-0050-3 please", Language.EN),
    ],
)
def test_detect_language(text: str, lang: Language) -> None:
    assert detect_language(text) is lang
