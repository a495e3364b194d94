"""Local language detection decides whether a text goes to the translation engine at all."""

from __future__ import annotations

import pytest

from bot.models import Language
from bot.translate import detect


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("您好，我们会为您更换商品。", Language.ZH),
        ("好的 OK", Language.ZH),
        ("iPhone 13 的颜色是黑色", Language.ZH),
        ("Товар пришёл разбитый", Language.RU),
        ("gde moi zakaz", Language.RU),
        ("Hello, we will replace the item for you.", Language.EN),
        ("Здравствуйте! Размер XL подойдёт?", Language.RU),
    ],
)
def test_the_language_of_a_text(text: str, language: Language) -> None:
    assert detect(text) is language


@pytest.mark.parametrize("text", ["", "57195475-0050-3", "???", "\U0001f44d"])
def test_a_text_without_letters_has_no_language(text: str) -> None:
    assert detect(text) is None
