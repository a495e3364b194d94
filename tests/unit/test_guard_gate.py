"""The literal gates never hide a match: gated sets find what plain regexes find.

The gates are written by hand next to the patterns (lexicons/*.yml), so the safety net is
empirical: every lexicon pattern runs gated and ungated over all the project's own texts (the
guard corpus, the tests' example sentences, nlu/ and knowledge/, the examples quoted in the
lexicons' comments) and over texts glued from the gates' own literals, and both must find the
same matches.
"""

from __future__ import annotations

import ast
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.errors import ConfigError
from bot.guard.gate import Entry, GatedSet, parse_gate, trie_regex, within_words
from bot.guard.inbound import InboundGuard
from bot.guard.lexicon import LEXICON_DIR
from bot.guard.normalize import deobfuscate, fold, phrase_text, squeeze
from bot.guard.outbound import OutboundGuard
from bot.guard.training import CORPUS_DIR, corpus_lines, snippet_replies

ROOT = Path(__file__).resolve().parents[2]
_QUOTED = re.compile(r"[\"«]([^\"«»\n]{3,})[\"»]")


def gate(*groups: str) -> tuple[frozenset[tuple[bool, str]], ...]:
    """`gate("^ab cd", "ef")`: a gate of space-separated literals per group."""
    return parse_gate([g.split() for g in groups], fold, "test")


def test_a_gate_is_a_list_or_a_list_of_lists() -> None:
    assert parse_gate(["^отмен", "cancel"], fold, "t") == (
        frozenset({(True, "отмен"), (False, "cancel")}),
    )
    assert parse_gate([["^ozon"], ["плох", 18]], fold, "t") == (
        frozenset({(True, "ozon")}),
        frozenset({(False, "плох"), (False, "18")}),
    )
    assert parse_gate(None, fold, "t") == ()


@pytest.mark.parametrize(
    ("value", "normal"),
    [
        ([], fold),  # an empty gate would hide every match
        (["^"], fold),
        ([""], fold),
        (["Отмен"], fold),  # the text is folded: a capital is never found
        (["ёлка"], fold),
        ([" вк"], fold),
        (["^-да"], fold),  # only a word character starts a word
        (["ссыкло"], squeeze),  # the deobfuscated view collapses repeated letters
        ("отмен", fold),
        ([["a"], "b"], fold),
        ([None], fold),
    ],
)
def test_an_implausible_literal_fails_at_load(value: Any, normal: Any) -> None:
    with pytest.raises(ConfigError):
        parse_gate(value, normal, "test")


def test_trie_regex_matches_exactly_the_words() -> None:
    words = ["кот", "кошка", "кол", "дом"]
    pattern = re.compile(f"^{trie_regex(words)}$")
    assert all(pattern.match(w) for w in words)
    assert not any(pattern.match(w) for w in ["ко", "кошк", "домa", "к"])


GATED = [
    (r"\bху[йяе]\w*", gate("^хуй ^хуя ^хуе")),
    (r"(?:ab|cd)e+f", gate("abe cde")),
    (r"\bozon\b[^.]{0,20}?\b(?:bad|slow)\b", gate("^ozon", "^bad ^slow")),
    (r"x(?:yz|y)?w", gate("x")),
    (r"\d+\s*(?:руб|₽)", gate("руб ₽")),
    (r"(?<!ски)пид[оа]р", gate("пидор пидар")),
    (r"(?:на|по)?хер(?:ня|ов)?\b", gate("хер")),
    (r"\bху(?:й|ня)|\bна\s+хер", gate("^хуй ^хуня ^хер")),
    (r"\bозон\s+(?:\w+\s+)?(?:bad|slow)", gate("^озон", "^bad ^slow")),
    (r"(?:\bab|cd)\s*ef", gate("ef")),
    (r"[ ,.](?:yz|ozon)\b", gate("yz ozon")),
    # Run only over the words that hold their literals (`within_words`): a look-behind before
    # the word, a look-ahead at its end, a word that is the whole text.
    (r"\b\w*(?:пидор|хер)\w*", gate("пидор хер")),
    (r"\bху(?:й|ня)(?!ня)\w*", gate("^ху")),
    (r"(?<!ски\W)\bcd[ef]", gate("^cd")),
    (r"\bozon(?=\w)\w+", gate("^ozon")),
    (r"\bна\w*", ()),  # no gate: runs on every text
]
PIECES = [
    *["ху", "й", "я", "ozon", "bad", "slow", "ab", "cd", "e", "f", "x", "yz", "w", "12"],
    *["руб", "₽", "ски", "пидор", "на", "хер", "ня", "о", "озон"],
    *[" bad", " slow", " руб", " ", ".", ",", "\n", "_"],
]


def test_gated_set_finds_what_every_pattern_finds() -> None:
    compiled = [(re.compile(p), g) for p, g in GATED]
    gated = GatedSet.of([(i, p, g) for i, (p, g) in enumerate(compiled)])
    rnd = random.Random(3)
    for _ in range(3000):
        text = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 12)))
        expected = sorted(
            (i, m.span()) for i, (p, _) in enumerate(compiled) for m in p.finditer(text)
        )
        found = sorted((i, m.span()) for i, m in gated.finditer(text))
        assert found == expected, text


def test_a_gate_that_is_not_met_skips_the_pattern() -> None:
    """The test that a gate can fail: a wrong gate hides a match."""
    gated = GatedSet.of([("x", re.compile(r"\bкот\w*"), gate("^собак"))])
    assert list(gated.finditer("кот")) == []
    anchored = GatedSet.of([("x", re.compile(r"кот"), gate("^кот"))])
    assert [m.span() for _, m in anchored.finditer("скот кот")] == [(5, 8)]


@pytest.mark.parametrize(
    ("pattern", "within"),
    [
        (r"\b\w*жоп\w*", True),
        (r"\bпедик(?!юр)\w*", True),
        (r"(?<!ски)пид[оа]р", True),
        (r"\bсук(?:а|и)\b", True),
        (r"[a-zа-я_0-9]+", True),
        (r"\bхохл(?:ы|ятск\w*)\b|\bf\*ck", True),
        (r"\bд[ао]лб[ао](?!еб)[а-я]{3,}", True),
        (r"\bеб\s+твою", False),  # two words
        (r"ху\W", False),  # a non-word character may be a space
        (r"x.y", False),
        (r"a[^b]", False),
        (r"хер(?!\s)", False),  # looks at what follows the word
        (r"хер$", False),  # the end of the window is not the end of the text
        (r"[ -z]", False),
        (r"[!-я]", False),  # U+00A0 and U+0085 lie between
        (r"a b", False),
        (r"(?P<x>a)", False),  # not known to the check: no
    ],
)
def test_within_words(pattern: str, within: bool) -> None:
    assert within_words(re.compile(pattern)) is within


# --- the lexicons' gates ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def lexicon_sets() -> list[tuple[str, GatedSet[Any]]]:
    """Each lexicon set with the view it runs on: "phrases" or "obscene" (deobfuscated)."""
    outbound, inbound = OutboundGuard.load(), InboundGuard.load()
    return [
        ("obscene", outbound.obscene.roots),
        ("phrases", outbound.phrases.gated),
        ("phrases", inbound.phrases.gated),
    ]


def project_texts() -> list[str]:
    """Every text the project holds: the guard corpus, the string literals of the tests, the
    examples of nlu/, the shop's snippets and the examples quoted in the lexicons' comments."""
    texts = [line for path in sorted(CORPUS_DIR.rglob("*.txt")) for line in corpus_lines(path)]
    for path in sorted((ROOT / "tests").rglob("*.py")):
        texts += _string_literals(path.read_text(encoding="utf-8"))
    for path in sorted((ROOT / "nlu").glob("*.yml")):
        texts += _nlu_examples(yaml.safe_load(path.read_text(encoding="utf-8")))
    texts += [reply.text for reply in snippet_replies(ROOT / "knowledge")]
    for path in sorted(LEXICON_DIR.glob("*.yml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.lstrip().startswith("#"):
                texts += _QUOTED.findall(line)
    return sorted({t for t in texts if re.search(r"[^\W\d_]", t)})


EXAMPLES = (
    # Sentences for the patterns no other text of the project matches, so that the net above
    # holds every gated pattern (test_the_project_texts_reach_every_gated_pattern).
    "ибать не переибать, йобаный стыд",
    "блядина, выблядок, мудень и мудохался",
    "манда, дрочить, пердеть и бздун, отсосут",
    "хохлы, тупобыдло, козломордый, гнида, сволота, гопота, нелюдь",
    "харя, рыло, хлебало, мурло",
    "откажитесь от заказа, пожалуйста",
    "наиболее качественный товар, не имеет аналогов",
    "the most amazing offer, number one",
    "наш склад находится по адресу ленина 5",
    "приезжайте к нам в офис, самовывоз с нашего склада",
    "убить бы таких уродов, посадить на кол",
    "набить морду, в рожу дам, видеть твою рожу не могу",
    "оторву тебе голову, гори в аду",
    "вы его явно уронили",
    "это статья 159 ук",
)


def _string_literals(source: str) -> Iterator[str]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def _nlu_examples(data: Any) -> Iterator[str]:
    for item in (data or {}).get("nlu", []):
        for line in str(item.get("examples", "")).splitlines():
            yield line.strip().removeprefix("- ")


def _view(kind: str, text: str) -> str:
    folded = fold(text)
    return deobfuscate(folded).text if kind == "obscene" else phrase_text(folded)


Found = list[tuple[str, str, tuple[int, int]]]
"""Matches as (tag, pattern, span), sorted."""


def _ungated(gated: GatedSet[Any], text: str) -> Found:
    return sorted(
        (str(e.tag), e.pattern.pattern, m.span())
        for e in gated.entries
        for m in e.pattern.finditer(text)
    )


def _gated(gated: GatedSet[Any], text: str) -> Found:
    return sorted((str(tag), m.re.pattern, m.span()) for tag, m in gated.finditer(text))


@dataclass(frozen=True, slots=True)
class NetRun:
    """One lexicon set run gated and ungated over the project's texts."""

    hidden: list[str]
    """The texts on which the gated run found something else."""
    unreached: list[str]
    """The gated patterns that match none of the texts (so no text checks their gate)."""


@pytest.fixture(scope="module")
def net(lexicon_sets: list[tuple[str, GatedSet[Any]]]) -> list[NetRun]:
    """Every lexicon set over every text the project holds, and over 2,000 pairs of them (for
    rules that span sentences)."""
    texts = project_texts()
    assert len(texts) > 5000
    rnd = random.Random(5)
    texts += [f"{rnd.choice(texts)} {rnd.choice(texts)}" for _ in range(2000)]
    runs = []
    for kind, gated in lexicon_sets:
        hidden: list[str] = []
        reached: set[str] = set()
        for text in texts:
            view = _view(kind, text)
            expected = _ungated(gated, view)
            reached.update(pattern for _, pattern, _ in expected)
            if _gated(gated, view) != expected:
                hidden.append(view)
        unreached = [
            e.pattern.pattern[:80]
            for e in gated.entries
            if e.gate and e.pattern.pattern not in reached
        ]
        runs.append(NetRun(hidden, unreached))
    return runs


def test_lexicon_gates_hide_no_match_in_the_project_texts(net: list[NetRun]) -> None:
    """The safety net of the hand-written gates: over every text the project holds, gating
    changes no match."""
    assert [run.hidden for run in net] == [[]] * len(net)


def test_the_project_texts_reach_every_gated_pattern(net: list[NetRun]) -> None:
    """The net catches a wrong gate only where a text matches its pattern: every gated pattern
    matches some text of the project (add one to `EXAMPLES` for a new pattern)."""
    assert [run.unreached for run in net] == [[]] * len(net)


def test_lexicon_gates_hide_no_match_in_texts_of_their_own_literals(
    lexicon_sets: list[tuple[str, GatedSet[Any]]],
) -> None:
    """Texts glued from the gates' literals (at word starts and inside words) and short words."""
    rnd = random.Random(11)
    for _, gated in lexicon_sets:
        literals = sorted({text for e in gated.entries for keys in e.gate for _, text in keys})
        pieces = [*literals, " ", " ", ", ", ".", "-", "ы", "на", "1", "\n", "ски", "не ", "вы "]
        for _ in range(500):
            text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 14)))
            assert _gated(gated, text) == _ungated(gated, text), text


def test_every_lexicon_pattern_but_a_few_has_a_gate(
    lexicon_sets: list[tuple[str, GatedSet[Any]]],
) -> None:
    """A pattern without a gate runs on every text: allowed, but the exception."""
    entries: list[Entry[Any]] = [e for _, gated in lexicon_sets for e in gated.entries]
    assert sum(not e.gate for e in entries) <= 2


def test_no_gate_literal_is_covered_by_another_of_its_list(
    lexicon_sets: list[tuple[str, GatedSet[Any]]],
) -> None:
    """`^обязател` beside `обязател` (or `^vk.com` beside `^vk`) only lengthens a list a person
    reads: the shorter literal already lets every such text through."""
    covered = [
        (e.pattern.pattern[:40], a, b)
        for _, gated in lexicon_sets
        for e in gated.entries
        for keys in e.gate
        for a in keys
        for b in keys
        if a != b and _covers(b, a)
    ]
    assert not covered


def _covers(short: tuple[bool, str], long: tuple[bool, str]) -> bool:
    """Whether every text that holds the literal `long` holds `short`."""
    if short[0]:
        return long[0] and long[1].startswith(short[1])
    return short[1] in long[1]


def test_the_domain_gate_finds_every_bare_domain() -> None:
    links = OutboundGuard.load().links
    for text in ["shop.ru", "vk.cc/abc", "t.me/x", "ab.cd.онлайн", "info.co", "xy.com"]:
        assert links.bare_domain.search(text), text
        assert links.domain_gate.search(text), text
