"""Bad input through the outbound check and the inbound detectors: no crash, linear time,
sensible flags (issue 13 item 10, issue 16 "Bad input")."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from bot.guard.inbound import InboundGuard
from bot.guard.normalize import GUARDED_CHARS
from bot.guard.outbound import OutboundGuard
from bot.models import InboundFlag as F
from bot.models import Rule

MEGABYTE = 1_000_000
# Generous against a loaded machine: the cases take tens of milliseconds; the quadratic
# regexes these tests were written against took seconds.
SECONDS = 1.0


@pytest.fixture(scope="module")
def outbound() -> OutboundGuard:
    return OutboundGuard.load()


@pytest.fixture(scope="module")
def inbound() -> InboundGuard:
    return InboundGuard.load()


def cpu_seconds(work: Callable[[], object]) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


HUGE = {
    "twenty thousand digits": "7" * 20_000,
    "a megabyte of words": "привет как дела " * (MEGABYTE // 16),
    "a megabyte of one letter": "а" * MEGABYTE,
    "a megabyte without spaces, dots between letters": "х.у.й." * (MEGABYTE // 6),
    "a megabyte of e-mails and phones": "info@shop.ru +7 999 123-45-67 " * (MEGABYTE // 30),
    "a megabyte of masked words": "п*здец бл@ть " * (MEGABYTE // 13),
    "a long word with a Latin letter at its end": "а" * (GUARDED_CHARS - 1) + "x",
    "a long word of digits with a letter at its end": "1" * (GUARDED_CHARS - 1) + "а",
    "a long word of letters and a mask at the end": "а" * (GUARDED_CHARS - 2) + " *",
    "a long word before a lone at sign": "a" * (GUARDED_CHARS - 1) + "@",
    "a text full of disguised addresses": "ivan собака mail точка ru " * 2000,
}


@pytest.mark.parametrize("text", HUGE.values(), ids=HUGE.keys())
def test_huge_texts_take_well_under_a_second(
    outbound: OutboundGuard, inbound: InboundGuard, text: str
) -> None:
    spent = cpu_seconds(lambda: (outbound.check(text), inbound.inspect(text)))
    assert spent < SECONDS


def test_a_huge_text_is_reported_with_spans_into_the_original(
    outbound: OutboundGuard, inbound: InboundGuard
) -> None:
    text = "Вы идиот. " + "а" * MEGABYTE
    result = outbound.check(text)
    assert result.text == text
    assert (Rule.INSULT, "идиот") in [(v.rule, v.fragment) for v in result.violations]
    inspection = inbound.inspect(text)
    assert inspection.text == text
    assert F.INSULT in inspection.flags


def test_digits_are_not_abuse(outbound: OutboundGuard, inbound: InboundGuard) -> None:
    assert not outbound.check("7" * 20_000).rules & {Rule.PROFANITY, Rule.INSULT}
    assert not inbound.inspect("7" * 20_000).flags & {F.PROFANITY, F.INSULT}


def test_emoji_only_is_an_emoji_violation_and_no_inbound_flag(
    outbound: OutboundGuard, inbound: InboundGuard
) -> None:
    assert outbound.check("😀😀😀😀").rules == {Rule.EMOJI}
    assert outbound.check("🙂").rules == {Rule.EMOJI}
    assert inbound.inspect("🙂").flags == frozenset()


def test_five_thousand_of_one_letter_is_nothing(
    outbound: OutboundGuard, inbound: InboundGuard
) -> None:
    assert outbound.check("а" * 5000).ok
    assert inbound.inspect("а" * 5000).flags == frozenset()


@pytest.mark.parametrize(
    "text",
    [
        "и\u200bд\u200bи\u200bо\u200bт",  # zero-width spaces inside the word
        "Вы ид\u200dиот",  # a zero-width joiner
        "вы \u202eидиот\u202c",  # a right-to-left override around it
        "\u200f\u200eидиот\u200f",  # direction marks
        "ид\u00adиот",  # a soft hyphen
        "идиoт",  # a Latin o
    ],
)
def test_invisible_characters_and_look_alikes_do_not_hide_an_insult(
    outbound: OutboundGuard, inbound: InboundGuard, text: str
) -> None:
    assert Rule.INSULT in outbound.check(text).rules
    hit = next(h for h in inbound.inspect(text).hits if h.flag is F.INSULT)
    assert text[hit.start : hit.end] == hit.fragment
    assert "д" in hit.fragment


def test_look_alike_letters_in_a_rude_reply_are_seen_through(outbound: OutboundGuard) -> None:
    assert Rule.INSULT in outbound.check("Вы сaми виноваты, не наша пpoблема").rules


def test_an_ordinary_word_with_look_alikes_is_not_abuse(
    outbound: OutboundGuard, inbound: InboundGuard
) -> None:
    assert outbound.check("пpивeт").ok
    assert not inbound.inspect("пpивeт").flags & {F.PROFANITY, F.INSULT}
