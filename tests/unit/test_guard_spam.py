"""The spam score: weights, group caps, counted signals and the learned signal
(lexicons/spam.yml). The classifier is replaced by one of fixed opinion, so each test sees
only the written signals it names (the real classifier: test_guard_learned.py)."""

from __future__ import annotations

import dataclasses
import math

import pytest

from bot.guard.learned import SpamClassifier
from bot.guard.mechanical import EmojiTable
from bot.guard.spam import TAG_PREFIX, Counted, SpamModel


def fixed(probability: float) -> SpamClassifier:
    """A classifier that says `probability` of every text (no terms: the intercept decides)."""
    return SpamClassifier({}, math.log(probability / (1 - probability)))


@pytest.fixture(scope="module")
def model() -> SpamModel:
    return SpamModel.load(EmojiTable.load(), fixed(0.01))


def phrases(*names: str) -> dict[str, list[tuple[int, int]]]:
    return {TAG_PREFIX + name: [(index, index + 1)] for index, name in enumerate(names)}


def test_counted_signals_weigh_only_after_the_free_items() -> None:
    counted = Counted(free=1, per_item=0.25, cap=0.5)
    assert [counted.weight(n) for n in range(5)] == [0.0, 0.0, 0.25, 0.5, 0.5]


def test_everyday_signals_add_up_to_their_group_cap_at_most(model: SpamModel) -> None:
    everyday = [name for name, signal in model.signals.items() if signal.group == "everyday"]
    assert len(everyday) >= 4
    assert model.score(everyday) == model.group_caps["everyday"] < model.threshold


def test_two_half_signals_make_spam(model: SpamModel) -> None:
    text = "x" * 20
    assert model.spans(text, text, phrases("handle", "short_link")) == [(0, 1), (1, 2)]
    assert model.spans(text, text, phrases("handle")) == []


def test_one_strong_signal_makes_spam(model: SpamModel) -> None:
    text = "x" * 20
    assert model.spans(text, text, phrases("money_promise")) == [(0, 1)]


def test_talk_of_crypto_or_of_writing_in_private_is_no_offer_alone(model: SpamModel) -> None:
    """ "Можно оплатить криптой?", "напишите в личку": a buyer writes those too."""
    text = "x" * 20
    assert model.spans(text, text, phrases("crypto")) == []
    assert model.spans(text, text, phrases("dm_call", "private_place")) == []
    assert model.spans(text, text, phrases("crypto", "private_place")) != []


def test_a_confident_classifier_makes_spam_alone_and_points_at_the_whole_text(
    model: SpamModel,
) -> None:
    sure = dataclasses.replace(model, classifier=fixed((model.learned.full + 1) / 2))
    text = "one two three four"
    assert sure.spans(text, text, {}) == [(0, len(text))]
    assert sure.spans(text, text, phrases("freebies")) == [(0, 1)]


def test_a_likely_verdict_needs_one_more_half_signal(model: SpamModel) -> None:
    likely = dataclasses.replace(
        model, classifier=fixed((model.learned.half + model.learned.full) / 2)
    )
    text = "one two three four"
    assert likely.spans(text, text, {}) == []
    assert likely.spans(text, text, phrases("handle")) == [(0, 1)]
    unsure = dataclasses.replace(model, classifier=fixed(model.learned.half - 0.01))
    assert unsure.spans(text, text, phrases("handle")) == []


def test_the_classifier_is_not_asked_about_two_words(model: SpamModel) -> None:
    """ "Спасибо, пишите": too little to offer anything, and the classifier would read the
    call "пишите" as spam's."""
    sure = dataclasses.replace(model, classifier=fixed(0.99))
    assert sure.spans("спасибо, пишите", "спасибо, пишите", {}) == []
    assert sure.spans("спасибо, пишите скорее", "спасибо, пишите скорее", {}) != []


def test_a_wall_of_emoji_tips_an_offer_into_spam(model: SpamModel) -> None:
    """Half a signal and a wall of emoji (more than free + 0.5 / per_item of them) make spam."""
    offer = "Новый проект 💎🚀🔷🎯💎🚀🔷🎯"
    assert model.spans(offer, offer, phrases("handle"))
    assert not model.spans(offer[:12], offer[:12], phrases("handle"))


def test_tags_of_other_rules_are_ignored(model: SpamModel) -> None:
    text = "x" * 20
    assert model.spans(text, text, {"contacts": [(0, 5)], "insult": [(6, 9)]}) == []


def test_disguised_words_count_with_the_phrase_signals(model: SpamModel) -> None:
    """Half a signal (a handle) and two disguised words (half) make spam; the spans of both."""
    text = "пpивeт дpyг @shop_news"
    spans = model.spans(text, text, {TAG_PREFIX + "handle": [(12, 22)]})
    assert [text[s:e] for s, e in spans] == ["@shop_news", "пpивeт", "дpyг"]


def test_every_signal_weighs_at_most_the_threshold(model: SpamModel) -> None:
    """No signal is worth more than spam itself: the weights stay readable."""
    assert all(0 < s.weight <= model.threshold for s in model.signals.values())


def keyword(word: str) -> SpamClassifier:
    """A classifier sure of spam when it sees `word`, sure of the opposite otherwise."""
    return SpamClassifier({f"w:{word}": (1.0, 60.0)}, -30.0)


def test_the_classifier_judges_the_offer_not_the_contacts(model: SpamModel) -> None:
    """The handle the contacts detector found is hidden from the classifier: it was trained on
    offers whose call to action is a handle, so a handle alone must not read as an offer."""
    sure_of_handles = dataclasses.replace(model, classifier=keyword("@shop_news"))
    text = "новые поступления каждую неделю @shop_news"
    handle = (text.index("@"), len(text))
    assert sure_of_handles.spans(text, text, {}) == [(0, len(text))]
    assert sure_of_handles.spans(text, text, {}, contacts=[handle]) == []


def test_a_bare_request_for_contacts_is_not_shown_to_the_classifier(model: SpamModel) -> None:
    """ "пишите в телеграм @olga": two words are left beside the contacts, too few to offer
    anything, so the classifier (which reads "пишите" as spam's call to action) is not asked."""
    sure_of_calls = dataclasses.replace(model, classifier=keyword("пишите"))
    text = "пишите в телеграм @olga_shop"
    contacts = [(9, 17), (18, len(text))]
    assert sure_of_calls.spans(text, text, {}, contacts=contacts) == []
    offer = "оптом дешевле рынка пишите в телеграм @olga_shop"
    shifted = [(start + 20, end + 20) for start, end in contacts]
    assert sure_of_calls.spans(offer, offer, {}, contacts=shifted) == [(0, len(offer))]
