"""Rendering of product question and review cards: pure functions, no Telegram."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from bot.models import Language
from bot.staff.buttons import PublicAct, PublicButton
from bot.staff.cards import (
    TELEGRAM_LIMIT,
    View,
    render_public_card,
    render_public_result,
    why_label,
)
from bot.staff.texts import Texts
from bot.staff.translated import CardTranslations, TranslationState
from bot.state.models import PublicCard, PublicCardStatus, PublicStream, StaffAction
from bot.streams.common import Finding
from bot.streams.desk import DeskResult

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=MSK)


def view(language: Language = Language.EN) -> View:
    return View(
        texts=Texts(language),
        now=NOW,
        zone=MSK,
        shop_name="Shop & <Co>",
        warn_window=timedelta(hours=2),
    )


def question(**changes: object) -> PublicCard:
    card = PublicCard(
        id="main-q-0123456789",
        shop="main",
        stream=PublicStream.QUESTIONS,
        item_id="q-1",
        sku="1234567890",
        product_name="Полка <настенная>",
        text="Какой материал? Мой телефон +7 999 123-45-67",
        why="draft",
        intent="product_specs",
        facts={"Материал": "массив сосны"},
        suggested="Полка из массива сосны.",
        created_at=NOW - timedelta(minutes=3),
    )
    return card.model_copy(update=changes)


def labels(card: PublicCard) -> list[tuple[str, PublicAct]]:
    rendered = render_public_card(card, view())
    return [(b.label, PublicButton.unpack(b.data).act) for row in rendered.rows for b in row]


def test_an_open_question_card_offers_send_edit_and_dismiss() -> None:
    assert labels(question()) == [
        ("Send", PublicAct.SEND),
        ("Edit (reply)", PublicAct.EDIT),
        ("Dismiss", PublicAct.DISMISS),
    ]


def test_without_a_suggestion_the_card_says_so_and_offers_no_send() -> None:
    card = question(suggested=None, why="card_silent")
    text = render_public_card(card, view()).text
    assert "the product card does not say" in text
    assert "Reply to this card with the answer" in text
    assert [act for _, act in labels(card)] == [PublicAct.EDIT, PublicAct.DISMISS]


def test_buyer_text_is_masked_and_everything_outside_escaped() -> None:
    text = render_public_card(question(), view()).text
    assert "[phone]" in text
    assert "123-45-67" not in text
    assert "Полка &lt;настенная&gt;" in text
    assert "Shop &amp; &lt;Co&gt;" in text


def test_a_closed_card_has_no_buttons_and_tells_who_did_what() -> None:
    action = StaffAction(at=NOW, user_id=7, user_name="Anna", action="sent")
    card = question(status=PublicCardStatus.SENT, history=(action,))
    rendered = render_public_card(card, view())
    assert rendered.rows == ()
    assert "Answered publicly" in rendered.text
    assert "Anna: published the answer" in rendered.text
    assert "Suggested public answer" not in rendered.text


def test_a_review_card_shows_stars_and_an_empty_text_as_such() -> None:
    card = question(
        id="main-r-0123456789",
        stream=PublicStream.REVIEWS,
        rating=2,
        text="",
        why="low_rating",
        facts={"rating": "2", "order_status": "DELIVERED"},
    )
    text = render_public_card(card, view()).text
    assert "Review \u2605\u2605\u2606\u2606\u2606: low rating" in text
    assert "[no text: a rating only]" in text
    assert "order status: DELIVERED" in text


def test_an_odd_rating_and_a_moderation_refusal_read_in_words() -> None:
    odd = render_public_card(question(stream=PublicStream.REVIEWS, rating=7), view()).text
    assert "Review ? (7)" in odd
    assert why_label("moderation_moderation_failed", Texts()) == (
        "Ozon's moderation refused the answer (moderation_failed)"
    )
    assert why_label("something_new", Texts()) == "something_new"


def test_a_huge_question_fits_one_telegram_message() -> None:
    text = render_public_card(question(text="Какой материал? " * 400), view()).text
    assert len(text) < TELEGRAM_LIMIT


def test_the_translation_is_shown_below_the_original() -> None:
    translated = CardTranslations(TranslationState.DONE, MappingProxyType({"q-1": "什么材料？"}))
    text = render_public_card(question(), view(Language.ZH), translated).text
    assert text.index("Какой материал?") < text.index("什么材料？")
    assert "商品问题" in text


def test_a_refusal_names_each_rule_with_its_fragment() -> None:
    result = DeskResult(
        False,
        "blocked",
        ("public_link", "caps"),
        (Finding("public_link", "shop.ru"), Finding("caps", "СРОЧНО")),
    )
    text = render_public_result(result, Texts())
    assert "a link (public answers may have none): \u201cshop.ru\u201d" in text
    assert "shouting in capitals: \u201cСРОЧНО\u201d" in text
    assert render_public_result(DeskResult(True, "sent"), Texts()) == "\u2705 Published on Ozon."
