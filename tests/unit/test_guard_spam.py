"""The spam score: weights, group caps and counted signals (lexicons/spam.yml)."""

from __future__ import annotations

import pytest

from bot.guard.mechanical import EmojiTable
from bot.guard.spam import TAG_PREFIX, Counted, SpamModel


@pytest.fixture(scope="module")
def model() -> SpamModel:
    return SpamModel.load(EmojiTable.load())


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
    assert model.spans(text, text, phrases("crypto")) == [(0, 1)]


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
