"""The text views: folding keeps indices, deobfuscation maps back into the original."""

from __future__ import annotations

import random
import re

import pytest

from bot.guard.normalize import (
    _STEPS,  # the mapping step is tested against its plain definition
    _map_letters,
    _map_word,
    deobfuscate,
    disguised_words,
    fold,
    masked_words,
    phrase_text,
    squeeze,
    unmix,
)


def test_fold_keeps_length_and_maps_yo() -> None:
    assert fold("Ёлка ЁЖ İstanbul") == "елка еж istanbul"
    assert len(fold("İ")) == 1


@pytest.mark.parametrize(
    ("text", "view"),
    [
        ("Х у й тебе", "хуй тебе"),
        ("х.у.й", "хуй"),
        ("пи-з-дец", "пиздец"),
        ("бляяяя", "бля"),
        ("хyй", "хуй"),
        ("3ае6ал", "заебал"),
        ("п*здец, опять", "п*здец опять"),
        ("кто-то 42-44 25.11.2026", "ктото 42 44 25 11 2026"),
        ("iPhone 13 Pro", "iphone 13 pro"),
    ],
)
def test_deobfuscated_view(text: str, view: str) -> None:
    assert deobfuscate(fold(text)).text == view


def test_masked_words_are_listed() -> None:
    view = deobfuscate(fold("ну п*здец и бл@дь, а*"))
    assert [view.text[s:e] for s, e in masked_words(view)] == ["п*здец", "бл@дь"]


def test_phrase_text_reads_commas_in_a_sentence_as_spaces() -> None:
    """Phrase rules see "пришлите, пожалуйста, фото" as one stretch; positions do not move."""
    folded = fold("Пришлите, пожалуйста, фото. Вес 1,5 кг,\nдoxoд")
    text = phrase_text(folded)
    assert text == "пришлите  пожалуйста  фото. вес 1,5 кг \nдоход"
    assert len(text) == len(folded)


def test_a_handle_or_a_hashtag_is_not_a_masked_word() -> None:
    """A leading @ or # names a handle or a tag; a leading * or $ may still hide a letter."""
    view = deobfuscate(fold("@shop_help #скидки *ука $ука #х#й"))
    assert [view.text[s:e] for s, e in masked_words(view)] == ["*ука", "$ука", "#х#й"]


@pytest.mark.parametrize(
    ("text", "word", "original"),
    [
        ("ну Х у Й и всё", "хуй", "Х у Й"),
        ("это хyйня", "хуйня", "хyйня"),
        ("ну бляяяя", "бля", "бляяяя"),
        ("ох, 3ae6aл!", "заебал", "3ae6aл"),
        ("ну пи-здец", "пиздец", "пи-здец"),
    ],
)
def test_original_span_of_a_view_word(text: str, word: str, original: str) -> None:
    view = deobfuscate(fold(text))
    start = view.text.index(word)
    first, last = view.original_span(start, start + len(word))
    assert text[first:last] == original


def test_fast_and_full_mappings_agree_on_random_text() -> None:
    """The cheap position map (only collapsing happened) equals the replayed one."""
    rnd = random.Random(7)
    alphabet = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяabcehkmoptxy0123456789*@.-_ ,!"
    for _ in range(3000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 40)))
        view = deobfuscate(fold(text))
        if not view.text:
            continue
        cheap = [view.original_span(i, i + 1) for i in range(len(view.text)) if view.text[i] != " "]
        view._simple = False  # force the replayed map
        full = [view.original_span(i, i + 1) for i in range(len(view.text)) if view.text[i] != " "]
        assert cheap == full, text


def test_squeeze_renders_a_lexicon_word_like_the_view() -> None:
    assert squeeze("ССЫКЛО") == "сыкло" == deobfuscate(fold("сссыкло")).text


def test_unmix_maps_lookalikes_only_inside_cyrillic_words() -> None:
    text = "Пpивeт, дpyг! iPhone и зαpαбοтοк"
    assert unmix(fold(text)) == "привет, друг! iphone и заработок"


def _mapped_word_by_word(folded: str) -> str:
    """The look-alike and digit mapping written plainly: every word (run of letters, digits and
    masks) with two scripts, or with a digit and a letter, goes through `squeeze`'s mapping."""
    words = re.compile(r"[0-9a-zа-я*#$%@]+")

    def mapped(match: re.Match[str]) -> str:
        word = match.group()
        cyrillic, latin = re.search("[а-я]", word), re.search("[a-z]", word)
        digit = re.search("[0-9]", word)
        if (cyrillic and latin) or (digit and (cyrillic or latin)):
            return _map_letters(word)
        return word

    return words.sub(mapped, folded)


MAPPING = next(step for step in _STEPS if step.replace is _map_word)


def test_mixed_words_are_mapped_like_the_plain_definition() -> None:
    """The gated, one-pass mapping step changes exactly the words the plain definition does."""
    rnd = random.Random(9)
    alphabet = "абвзйопхaceopxyubn0134689*@#.-_ ,"
    for _ in range(5000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 30)))
        assert MAPPING.apply(text) == _mapped_word_by_word(text), text


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Пpивeт, дpyг! Coздaй", ["пpивeт", "дpyг", "coздaй"]),
        ("Mοжeм вaм", ["mοжeм", "вaм"]),
        ("iPhoneа, USBшный кабель", []),
        ("выше?nвозможно, nnПервый", []),
        ("обычный текст", []),
    ],
)
def test_disguised_words(text: str, words: list[str]) -> None:
    """Look-alikes inside a word or several different ones; not honest mixes, not a stray
    letter stuck to a word."""
    folded = fold(text)
    assert [folded[s:e] for s, e in disguised_words(folded)] == words
