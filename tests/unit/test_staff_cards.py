"""Rendering of cards and console messages: pure functions, no Telegram."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.guard.types import Violation
from bot.models import EscalationReason, InboundFlag, Language, Rule
from bot.staff.buttons import Act, CardButton
from bot.staff.cards import (
    TELEGRAM_LIMIT,
    QueueItem,
    View,
    allowed_acts,
    render_card,
    render_forward,
    render_queue,
    render_send_result,
    render_stats,
)
from bot.staff.texts import CATALOGUES, Texts
from bot.staff.wording import (
    CABINET_CHATS,
    chat_link,
    detail_label,
    duration,
    flag_label,
    mask_contacts,
    message_link,
    rule_label,
    shown,
)
from bot.state.models import (
    BuyerMessage,
    Escalation,
    EscalationStatus,
    StaffAction,
    ViolationRecord,
)
from bot.worker.staffops import SendResult

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=MSK)
T = Texts()


def view(now: datetime = NOW, language: Language = Language.EN) -> View:
    return View(
        texts=Texts(language),
        now=now,
        zone=MSK,
        shop_name="Shop & <Co>",
        warn_window=timedelta(hours=2),
    )


def message(text: str, minutes_ago: int = 5, message_id: str = "1") -> BuyerMessage:
    at = NOW - timedelta(minutes=minutes_ago)
    return BuyerMessage(shop="main", chat_id="c-1", message_id=message_id, created_at=at, text=text)


def escalation(**changes: object) -> Escalation:
    values: dict[str, object] = {
        "id": "main-0123456789",
        "shop": "main",
        "chat_id": "c-1",
        "reason": EscalationReason.DISPUTE,
        "intent": "defective_item",
        "confidence": 0.87,
        "created_at": NOW - timedelta(minutes=20),
        "buyer_messages": (message("Товар сломан"),),
        "reply_deadline": NOW + timedelta(hours=40),
        **changes,
    }
    return Escalation.model_validate(values)


def labels(e: Escalation) -> list[str]:
    return [b.label for row in render_card(e, view()).rows for b in row]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("звоните +7 (912) 345-67-89", "звоните [phone]"),
        ("или 89123456789.", "или [phone]."),
        ("моб 912 345-67-89", "моб [phone]"),
        ("пишите a.b@mail.ru", "пишите [e-mail]"),
        ("заказ 57195475-0050-3 89991234567", "заказ 57195475-0050-3 [phone]"),
        ("номер 57195475-0050", "номер 57195475-0050"),
        ("sku 9123456789 за 1 299", "sku 9123456789 за 1 299"),
        ("привезли 25.11.2026 в 10:00", "привезли 25.11.2026 в 10:00"),
    ],
)
def test_contacts_are_masked_and_order_numbers_are_not(text: str, expected: str) -> None:
    assert mask_contacts(text, T) == expected


def test_buyer_text_cannot_inject_markup() -> None:
    card = render_card(escalation(buyer_messages=(message('<a href="x">click</a> & co'),)), view())
    assert '&lt;a href="x"&gt;click&lt;/a&gt; &amp; co' in card.text
    assert '<a href="x">' not in card.text


def test_the_card_shows_reason_intent_order_facts_and_link() -> None:
    card = render_card(
        escalation(order_number="57195475-0050", facts={"status": "delivering"}), view()
    )
    assert "<b>\U0001f198 Escalation: dispute</b>" in card.text
    assert "Intent: defective_item (0.87)" in card.text
    assert "<code>57195475-0050</code>" in card.text
    assert "status: delivering" in card.text
    assert "Shop: <b>Shop &amp; &lt;Co&gt;</b>" in card.text
    assert f'href="{CABINET_CHATS}&amp;id=c-1"' in card.text
    assert "\u203a 11:55 Товар сломан" in card.text


def test_the_reply_window_is_counted_down() -> None:
    assert "Reply window: 1 d 16 h left" in render_card(escalation(), view()).text


def test_a_closing_window_is_urgent() -> None:
    card = render_card(escalation(reply_deadline=NOW + timedelta(minutes=90)), view())
    assert "URGENT: Ozon's reply window closes in 1 h 30 min (at 13:30)" in card.text


def test_a_closed_window_is_said_plainly() -> None:
    card = render_card(escalation(reply_deadline=NOW - timedelta(minutes=1)), view())
    assert "Ozon's reply window has closed (11:59)" in card.text


def test_an_open_escalation_offers_take_over_reply_return_complaint_resolve() -> None:
    assert labels(escalation()) == [
        "Take over",
        "Reply",
        "Return to bot",
        "Spam / complaint",
        "Resolved",
    ]


def test_a_suggestion_adds_its_button_until_it_was_sent() -> None:
    assert "Send suggested" in labels(escalation(suggested="Здравствуйте."))
    sent = StaffAction(user_id=1, user_name="A", action="sent_suggested")
    assert "Send suggested" not in labels(escalation(suggested="Здравствуйте.", history=(sent,)))


def test_a_taken_escalation_shows_who_took_it() -> None:
    took = StaffAction(at=NOW, user_id=7, user_name="Anna <3", action="take_over")
    e = escalation(status=EscalationStatus.TAKEN, history=(took,))
    card = render_card(e, view())
    assert "Status: taken over by Anna &lt;3" in card.text
    assert "12:00 Anna &lt;3: took over" in card.text
    assert labels(e)[0] == "Reply"


def test_a_draft_card_offers_send_edit_dismiss() -> None:
    e = escalation(reason=None, draft=True, suggested="Размер M.", auto_send_at=NOW)
    card = render_card(e, view())
    assert "Draft reply waiting for approval" in card.text
    assert "<blockquote>Размер M.</blockquote>" in card.text
    assert "Sent automatically at 12:00" in card.text
    assert labels(e) == ["Send", "Edit (reply)", "Dismiss"]


def test_a_complaint_card_has_evidence_steps_and_complaint_filed() -> None:
    e = escalation(
        reason=EscalationReason.ABUSE,
        status=EscalationStatus.COMPLAINT,
        evidence=("12:01 insult:'<дурак>' +79123456789",),
    )
    card = render_card(e, view())
    assert "Complaint flow: abuse" in card.text
    assert "&lt;дурак&gt;" in card.text
    assert "[phone]" in card.text
    assert "How to complain in Ozon" in card.text
    assert labels(e) == ["Complaint filed", "Not abuse: back to bot"]


def test_a_closed_card_has_no_buttons_and_no_countdown() -> None:
    e = escalation(status=EscalationStatus.RESOLVED)
    card = render_card(e, view())
    assert card.rows == ()
    assert "Reply window" not in card.text
    assert allowed_acts(e) == frozenset()


def test_allowed_acts_follow_the_buttons() -> None:
    assert allowed_acts(escalation()) == {
        Act.TAKE,
        Act.REPLY,
        Act.RETURN,
        Act.COMPLAINT,
        Act.RESOLVE,
    }


def test_the_blocked_reply_is_shown_with_its_rule() -> None:
    bad = ViolationRecord(rule=Rule.CONTACTS, start=0, end=5, fragment="@shop")
    card = render_card(escalation(violations=(bad,)), view())
    assert (
        "Stopped by the rules check: contact details or talk outside Ozon \u201c@shop\u201d"
        in card.text
    )


def test_a_huge_card_is_cut_to_telegrams_limit() -> None:
    facts = {f"fact{i}": "x" * 100 for i in range(60)}
    card = render_card(escalation(facts=facts), view())
    assert len(card.text) <= TELEGRAM_LIMIT


def test_the_card_speaks_the_staff_language_and_keeps_buyer_text() -> None:
    card = render_card(escalation(), view(language=Language.ZH))
    assert "转人工：纠纷" in card.text
    assert "Товар сломан" in card.text
    ru = render_card(escalation(), view(language=Language.RU))
    assert "Эскалация: спор" in ru.text


def test_callback_data_fits_telegrams_64_bytes() -> None:
    longest = "a" * 32 + "-0123456789"
    for act in Act:
        assert len(CardButton(act=act, eid=longest).pack().encode()) <= 64


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=59), "0 min"),
        (timedelta(minutes=59), "59 min"),
        (timedelta(hours=3, minutes=5), "3 h 5 min"),
        (timedelta(days=2, hours=1), "2 d 1 h"),
        (timedelta(minutes=-5), "0 min"),
    ],
)
def test_durations_read_naturally(delta: timedelta, expected: str) -> None:
    assert duration(delta, T) == expected


def test_links_to_messages_exist_for_supergroups_only() -> None:
    assert message_link(-1001234567890, 42) == "https://t.me/c/1234567890/42"
    assert message_link(-4567, 42) is None
    assert chat_link("a b/c") == f"{CABINET_CHATS}&id=a%20b%2Fc"


def test_a_forward_is_masked_and_escaped() -> None:
    text = render_forward("<i>mail me: x@y.ru</i>", NOW, view())
    assert text == "\U0001f4ac <b>Buyer wrote (12:00):</b>\n&lt;i&gt;mail me: [e-mail]&lt;/i&gt;"


def test_a_refused_text_lists_rules_fragments_and_the_fix() -> None:
    result = SendResult(
        sent=False,
        violations=(Violation(Rule.PUNCTUATION, 5, 8, "!!!"),),
        fix="Fixed <text>!",
    )
    text = render_send_result(result, T)
    assert "\u2022 !!! or ???: \u201c!!!\u201d" in text
    assert "<blockquote>Fixed &lt;text&gt;!</blockquote>" in text


def test_an_unknown_outcome_warns_to_look_first() -> None:
    text = render_send_result(SendResult(sent=False, unknown_outcome=True), T)
    assert "Look at the chat in the cabinet" in text


def test_the_queue_is_oldest_first_with_age_and_reason() -> None:
    old = escalation(id="main-old", created_at=NOW - timedelta(hours=2))
    new = escalation(id="main-new", reason=EscalationReason.SPAM, created_at=NOW)
    items = [QueueItem(new, "S", None), QueueItem(old, "S", "https://t.me/c/1/2")]
    lines = render_queue(items, T, NOW).splitlines()
    assert lines[1] == (
        "2 h 0 min \u00b7 S \u00b7 dispute \u00b7 waiting for a person \u00b7 "
        '<a href="https://t.me/c/1/2">card</a>'
    )
    assert lines[2] == "0 min \u00b7 S \u00b7 spam \u00b7 waiting for a person"


def test_stats_group_reasons_rules_and_flags() -> None:
    counters = {
        "handled": 9,
        "decision:reply": 5,
        "escalated:legal_threat": 2,
        "escalated:dispute": 3,
        "blocked:caps": 1,
    }
    text = render_stats(counters, "2026-11-23", "S", T)
    assert "Buyer turns handled: 9" in text
    assert "Answered automatically: 5" in text
    assert text.index("dispute: 3") < text.index("legal threat: 2")
    assert "shouting in capitals: 1" in text
    assert text.endswith("Inbound flags:\n  nothing yet")


def test_times_on_another_day_carry_the_date() -> None:
    e = escalation(buyer_messages=(message("hi", minutes_ago=60 * 24),))
    assert "\u203a 22.11 12:00 hi" in render_card(e, view()).text


def test_history_of_the_bot_is_attributed_to_the_bot() -> None:
    urgent = StaffAction(at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC), action="urgent")
    assert (
        "12:00 bot: reply window closing" in render_card(escalation(history=(urgent,)), view()).text
    )


def test_a_view_can_be_built_from_the_settings() -> None:
    from pydantic import SecretStr

    from bot.config import (
        GeneralSettings,
        OzonSettings,
        RasaSettings,
        RedisSettings,
        Settings,
        ShopConfig,
        TelegramSettings,
        WorkerSettings,
    )

    shops = tuple(
        ShopConfig(id=i, name=f"Shop {i}", client_id="1", api_key=SecretStr("k")) for i in "ab"
    )
    settings = Settings(
        ozon=OzonSettings(),
        redis=RedisSettings(),
        rasa=RasaSettings(),
        telegram=TelegramSettings(language=Language.RU),
        worker=WorkerSettings(reply_window_warn_min=30),
        general=GeneralSettings(),
        shops=shops,
    )
    built = View.for_settings(settings, NOW, "b")
    assert built.shop_name == "Shop b"
    assert built.warn_window == timedelta(minutes=30)
    assert built.texts.language is Language.RU
    assert View.for_settings(settings, NOW).shop_name == "Shop a"


# --- reasons, rules and flags in the staff's words --------------------------------------------


def test_an_inbound_detail_is_worded_for_people() -> None:
    """Not `inbound:insult,legal_threat`: what the buyer did, asked for and said."""
    detail = "inbound:insult,legal_threat requests:money abuse:мошенники"
    assert detail_label(detail, T) == (
        "buyer's message: insults or threats, threatens court or a complaint; "
        "also asks about: money back or a payment; abusive words: мошенники"
    )
    assert detail_label(detail, Texts(Language.RU)).startswith(
        "в сообщении покупателя: оскорбления или угрозы, угроза судом или жалобой"
    )


def test_other_details_are_worded_too_and_unknown_ones_kept() -> None:
    assert detail_label("intent spam; rasa:spam without the inbound spam signal", T) == (
        "intent spam; the language model took it for spam, the spam detector did not: look at it"
    )
    assert detail_label("blocked:caps,insult", T) == (
        "rules broken: shouting in capitals, rude or insulting"
    )
    assert detail_label("intent:defective_item", T) == "understood as: defective_item"


def test_a_dispute_card_shows_the_abuse_evidence() -> None:
    e = escalation(detail="inbound:insult requests:money abuse:уроды")
    text = render_card(e, view()).text
    assert "also asks about: money back or a payment; abusive words: уроды" in text


@pytest.mark.parametrize("language", list(Language))
def test_every_rule_and_flag_has_words_in_every_language(language: Language) -> None:
    catalogue = CATALOGUES[language]
    for rule in Rule:
        assert rule_label(rule.value, Texts(language)) == catalogue[f"rule.{rule.value}"]
    for flag in InboundFlag:
        assert flag_label(flag.value, Texts(language)) == catalogue[f"flag.{flag.value}"]
    assert rule_label("no_such_rule", Texts(language)) == "no_such_rule"


def test_a_phone_crossing_the_cut_is_masked_whole() -> None:
    text = "x" * 95 + " +7 999 123-45-67"
    assert "999" not in shown(text, T, 100)


def test_masking_a_huge_text_costs_what_the_card_shows() -> None:
    started = time.process_time()
    shown("a" * 1_000_000 + "@", T, 200)
    shown("7" * 20_000, T, 200)
    assert time.process_time() - started < 0.5
