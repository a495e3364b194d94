"""The literal pre-check never hides a match: gated sets find what plain regexes find."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from typing import Any

import pytest

from bot.guard.gate import (
    GatedSet,
    required_literal_sets,
    required_literals,
    requirements,
    trie_regex,
    within_words,
)
from bot.guard.inbound import InboundGuard
from bot.guard.outbound import OutboundGuard


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"\bлучш(?:ая|ее)\b", {"лучшая", "лучшее"}),
        (r"п(?:идор|едик)", {"пидор", "педик"}),
        (r"(?:ab)?cd", {"cd"}),
        (r"\w*зд\w*", {"зд"}),
        (r"[аб]", {"а", "б"}),
    ],
)
def test_required_literals(pattern: str, literals: set[str]) -> None:
    assert required_literals(pattern) == frozenset(literals)


def test_no_literals_when_nothing_is_required() -> None:
    assert required_literals(r"\w+") is None
    assert required_literal_sets(r"(?:x)?\d+") == ()


def test_two_independent_conditions() -> None:
    sets = required_literal_sets(r"\bozon\b.{0,40}?\b(?:плохо|ужасно)")
    assert set(map(frozenset, sets)) == {frozenset({"ozon"}), frozenset({"плохо", "ужасно"})}


@pytest.mark.parametrize(
    ("pattern", "anchored"),
    [
        (r"\bговн\w*|\bгамн\w*", {"говн", "гамн"}),
        (r"\bпрошу\s+(?:\w+\s+)?отменить", {"прошу"}),
        (r"\bozon\b.{0,40}?\bплохо", {"ozon", "плохо"}),
        (r"(?:ab|cd)\s+ef", {"ef"}),
    ],
)
def test_literals_after_a_word_boundary_are_anchored(pattern: str, anchored: set[str]) -> None:
    """A literal right after `\\b`, or a word character right after a space, starts a word:
    the gate looks for it at word starts only."""
    found = {text for keys in requirements(pattern) for is_anchored, text in keys if is_anchored}
    assert anchored <= found


@pytest.mark.parametrize(
    "pattern",
    [r"\w*пизд\w*", r"\b(?:на|по)?хуй", r"x\bab", r"(?:\s|x)ab", r"[,.z]ab\b", r"\s[.,]"],
)
def test_literals_that_may_start_inside_a_word_are_not_anchored(pattern: str) -> None:
    assert not any(anchored for keys in requirements(pattern) for anchored, _ in keys)


def test_trie_regex_matches_exactly_the_words() -> None:
    words = ["кот", "кошка", "кол", "дом"]
    pattern = re.compile(f"^{trie_regex(words)}$")
    assert all(pattern.match(w) for w in words)
    assert not any(pattern.match(w) for w in ["ко", "кошк", "домa", "к"])


PATTERNS = [
    r"\bху[йяе]\w*",
    r"(?:ab|cd)e+f",
    r"\bozon\b[^.]{0,20}?\b(?:bad|slow)\b",
    r"x(?:yz|y)?w",
    r"\d+\s*(?:руб|₽)",
    r"(?<!ски)пид[оа]р",
    r"(?:на|по)?хер(?:ня|ов)?\b",
    r"\bху(?:й|ня)|\bна\s+хер",
    r"\bозон\s+(?:\w+\s+)?(?:bad|slow)",
    r"(?:\bab|cd)\s*ef",
    r"[ ,.](?:yz|ozon)\b",
    # Run only over the words that hold their literals (`within_words`): a look-behind before
    # the word, a look-ahead at its end, a word that is the whole text.
    r"\b\w*(?:пидор|хер)\w*",
    r"\bху(?:й|ня)(?!ня)\w*",
    r"(?<!ски\W)\bcd[ef]",
    r"\bozon(?=\w)\w+",
]


def test_gated_set_finds_what_every_pattern_finds() -> None:
    compiled = [re.compile(p) for p in PATTERNS]
    gated = GatedSet.of([(i, p) for i, p in enumerate(compiled)])
    rnd = random.Random(3)
    pieces = [
        "ху",
        "й",
        "я",
        "ozon",
        " bad",
        " slow",
        "ab",
        "cd",
        "e",
        "f",
        "x",
        "yz",
        "w",
        "12",
        " руб",
        "₽",
        "ски",
        "пидор",
        "на",
        "хер",
        "ня",
        " ",
        ".",
        "о",
        "озон",
        ",",
        "\n",
        "_",
    ]
    for _ in range(3000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 12)))
        expected = sorted((i, m.span()) for i, p in enumerate(compiled) for m in p.finditer(text))
        found = sorted((i, m.span()) for i, m in gated.finditer(text))
        assert found == expected, text


@pytest.mark.parametrize(
    ("pattern", "within"),
    [
        (r"\b\w*жоп\w*", True),
        (r"\bпедик(?!юр)\w*", True),
        (r"(?<!ски)пид[оа]р", True),
        (r"\bсук(?:а|и)\b", True),
        (r"[a-zа-я_0-9]+", True),
        (r"\bеб\s+твою", False),  # two words
        (r"ху\W", False),  # a non-word character may be a space
        (r"x.y", False),
        (r"a[^b]", False),
        (r"хер(?!\s)", False),  # looks at what follows the word
        (r"хер$", False),  # the end of the window is not the end of the text
        (r"[ -z]", False),
    ],
)
def test_within_words(pattern: str, within: bool) -> None:
    assert within_words(re.compile(pattern)) is within


@pytest.fixture(scope="module")
def lexicon_sets() -> list[GatedSet[Any]]:
    outbound, inbound = OutboundGuard.load(), InboundGuard.load()
    return [outbound.obscene.roots, outbound.phrases.gated, inbound.phrases.gated]


def test_lexicon_gates_hide_no_match(lexicon_sets: list[GatedSet[Any]]) -> None:
    """On texts built from the lexicons' own literals, every gated set finds exactly what
    running each of its patterns finds."""
    rnd = random.Random(11)
    for gated in lexicon_sets:
        literals = sorted(
            {
                text
                for e in gated.entries
                for keys in requirements(e.pattern.pattern)
                for _, text in keys
            }
        )
        pieces = [*literals, " ", " ", ", ", ".", "-", "ы", "на", "1", "\n", "ски"]
        for _ in range(300):
            text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 14)))
            expected = sorted(
                (str(e.tag), e.pattern.pattern, m.span())
                for e in gated.entries
                for m in e.pattern.finditer(text)
            )
            found = sorted((str(tag), m.re.pattern, m.span()) for tag, m in gated.finditer(text))
            assert found == expected, text


def test_the_literals_chosen_do_not_depend_on_string_hashing() -> None:
    """Equally good literal sets used to be told apart by float sums taken in set order, so a
    process's hash seed decided, e.g., whether the domain gate looked for ".ru" or for "ru"
    (which English words start with), and the check's speed with it."""
    script = (
        "from bot.guard.contacts import LinkFinder\n"
        "from bot.guard.gate import required_literals\n"
        "print(sorted(required_literals(LinkFinder.load().bare_domain.pattern)))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(1, 7)
    }
    assert len(outputs) == 1, outputs
    assert "'.ru'" in outputs.pop()
