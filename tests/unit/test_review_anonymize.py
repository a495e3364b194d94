"""Anonymisation of buyer text for review files: personal data becomes placeholders, the rest of
the text (order numbers, SKUs, prices, sizes, dates) stays as written."""

from __future__ import annotations

import pytest

from bot.review.anonymize import Anonymizer, PersonalKind


@pytest.fixture(scope="module")
def anonymizer() -> Anonymizer:
    return Anonymizer.load()


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("мой номер +7 999 123-45-67 звоните", "мой номер <phone> звоните"),
        ("перезвоните 8 (999) 123 45 67", "перезвоните <phone>"),
        ("89991234567", "<phone>"),
    ],
)
def test_phones_are_masked(anonymizer: Anonymizer, text: str, masked: str) -> None:
    assert anonymizer.mask(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("пишите на ivan.petrov@mail.ru", "пишите на <email>"),
        ("почта ivan собака mail точка ru", "почта <email>"),
    ],
)
def test_emails_are_masked_plain_or_disguised(
    anonymizer: Anonymizer, text: str, masked: str
) -> None:
    assert anonymizer.mask(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("напишите мне в телегу @ivan_petrov", "напишите мне в телегу <handle>"),
        ("мой профиль t.me/ivanpetrov", "мой профиль <handle>"),
        ("https://vk.com/id12345 вот я", "<handle> вот я"),
    ],
)
def test_messenger_handles_and_profile_links_are_masked(
    anonymizer: Anonymizer, text: str, masked: str
) -> None:
    assert anonymizer.mask(text) == masked


@pytest.mark.parametrize("card", ["4276 1234 5678 9012", "4276-1234-5678-9012", "4276123456789012"])
def test_card_numbers_are_masked(anonymizer: Anonymizer, card: str) -> None:
    assert anonymizer.mask(f"верните на карту {card} пожалуйста") == (
        "верните на карту <card> пожалуйста"
    )


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Здравствуйте, меня зовут Ольга", "Здравствуйте, меня зовут <name>"),
        ("меня зовут Иван Петров, где заказ", "меня зовут <name>, где заказ"),
        ("меня зовут иван петров где заказ", "меня зовут <name> где заказ"),
        ("my name is John Smith, where is my order", "my name is <name>, where is my order"),
        ("С уважением, Анна", "С уважением, <name>"),
    ],
)
def test_names_after_an_introduction_are_masked(
    anonymizer: Anonymizer, text: str, masked: str
) -> None:
    assert anonymizer.mask(text) == masked


def test_a_lower_case_word_after_a_signature_opener_is_not_a_name(anonymizer: Anonymizer) -> None:
    assert anonymizer.mask("получатель не я") == "получатель не я"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("доставьте на ул. Ленина, д. 5, кв. 12 пожалуйста", "доставьте на <address> пожалуйста"),
        ("адрес: проспект Мира 10к2", "адрес: <address>"),
        ("г. Москва, улица Тверская 7, кв 3", "г. Москва, <address>"),
        ("дом 5 кв 12", "<address>"),
        ("индекс 123456", "<address>"),
    ],
)
def test_street_addresses_are_masked(anonymizer: Anonymizer, text: str, masked: str) -> None:
    assert anonymizer.mask(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "заказ 57195475-0050-3 где он",
        "по заказу 0148372915-0117 когда доставка",
        "артикул 1234567890 есть в наличии?",
        "размер 42-44, цена 1 299 ₽, доставка 25.11.2026 с 10:00 до 19:00",
        "когда привезут в Новосибирск",
        "мой адрес изменился",
    ],
)
def test_shop_language_is_left_alone(anonymizer: Anonymizer, text: str) -> None:
    assert anonymizer.mask(text) == text


def test_placeholders_themselves_are_not_personal_data(anonymizer: Anonymizer) -> None:
    masked = "меня зовут <name>, телефон <phone>, почта <email>, <handle>, <card>, <address>"
    assert anonymizer.find(masked) == ()


def test_find_reports_each_kind_once_per_span_in_order(anonymizer: Anonymizer) -> None:
    found = anonymizer.find("меня зовут Ольга, +7 999 123-45-67, olga@mail.ru")
    assert [span.kind for span in found] == [
        PersonalKind.NAME,
        PersonalKind.PHONE,
        PersonalKind.EMAIL,
    ]
