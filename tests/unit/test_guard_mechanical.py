"""Capitals, punctuation and emoji: the decisions documented in bot/guard/mechanical.py."""

from __future__ import annotations

import random

import pytest

from bot.guard.mechanical import Mechanical


@pytest.fixture(scope="module")
def mech() -> Mechanical:
    return Mechanical.load()


def fragments(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[s:e] for s, e in spans]


@pytest.mark.parametrize(
    "text",
    [
        "USB-C, XL, OZON, LED, RU, Wi-Fi",
        "Смартфон SAMSUNG GALAXY в наличии",
        "Я проверю заказ",
        "ООО «Ромашка», ИНН указан на сайте Ozon",
        "СНИЛС не нужен",
        "Модель XIAOMI REDMI NOTE",
    ],
)
def test_caps_passes_abbreviations_brands_and_short_words(mech: Mechanical, text: str) -> None:
    assert mech.caps(text) == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("ВАШ ЗАКАЗ ОТПРАВЛЕН сегодня", "ВАШ ЗАКАЗ ОТПРАВЛЕН"),
        ("Это ВАЖНО", "ВАЖНО"),
        ("PLEASE CHECK your order", "PLEASE CHECK"),
        ("ВЫ ЧТО ТАМ?", "ВЫ ЧТО ТАМ"),
    ],
)
def test_caps_finds_shouting(mech: Mechanical, text: str, fragment: str) -> None:
    assert fragments(text, mech.caps(text)) == [fragment]


def test_single_latin_capitalised_word_passes(mech: Mechanical) -> None:
    """A brand in capitals copied from the product card is not shouting."""
    assert mech.caps("Чехол NILLKIN для телефона") == []


@pytest.mark.parametrize("text", ["Спасибо!", "Какой размер?", "Подождите...", "Готово."])
def test_single_marks_and_ellipsis_pass(text: str) -> None:
    assert Mechanical.punctuation(text) == []


@pytest.mark.parametrize("run", ["!!", "!!!", "???", "?!", "?!?!", "!!!!", "....", ",,"])
def test_repeated_marks_fire(run: str) -> None:
    text = f"Ну как же так{run} да"
    assert fragments(text, Mechanical.punctuation(text)) == [run]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Спасибо ✅", ["✅"]),
        ("Любим ❤️ вас", ["❤️"]),
        ("Ок 👍🏻", ["👍🏻"]),
        ("Семья 👨‍👩‍👧 рада", ["👨‍👩‍👧"]),
        ("Флаг 🇷🇺", ["🇷🇺"]),
        ("Шаг 1️⃣", ["1️⃣"]),
        ("Спасибо :) и :-( и ;) и :D и =)", [":)", ":-(", ";)", ":D", "=)"]),
        ("ахах xD", ["xD"]),
        ("Спасибо)", [")"]),
        ("Рады)))", [")))"]),
        ("Жаль((", ["(("]),
    ],
)
def test_emoji_and_emoticons(mech: Mechanical, text: str, found: list[str]) -> None:
    assert fragments(text, mech.emojis(text)) == found


@pytest.mark.parametrize(
    "text",
    [
        "Размер (EU 42) в наличии",
        "Вложенные скобки (размер (EU)) тоже",
        "1) откройте заказ 2) нажмите кнопку",
        "а) первый вариант; б) второй",
        "Цена 1 299 ₽, №5, знак ©, ™ и стрелка →",
        "Время: 10:00–19:00",
    ],
)
def test_brackets_numbers_and_signs_are_not_emoji(mech: Mechanical, text: str) -> None:
    assert mech.emojis(text) == []


def test_emoji_spans_are_what_the_pattern_finds(mech: Mechanical) -> None:
    """The position-jumping search finds exactly what `finditer` over the text finds."""
    rnd = random.Random(5)
    pieces = [
        "а",
        "b",
        " ",
        "1",
        "#",
        "*",
        "\ufe0f",
        "\u20e3",
        "\u200d",
        "©",
        "👍",
        "🏻",
        "😀",
        "🇷",
        "🇺",
    ]
    for _ in range(3000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 12)))
        expected = [m.span() for m in mech.emoji.pattern.finditer(text)]
        assert mech.emoji.spans(text) == expected, ascii(text)
