"""A fast pre-check for a regex: literal strings every one of its matches must contain.

Python's regex engine scans a pattern that starts with `\\b` or an optional prefix position by
position, trying every alternative: tens of microseconds per rule on a 200-character text. An
alternation of plain literals, on the other hand, is found at C speed. So for each compiled rule
we derive, from the regex's own parse tree, a set of literals such that any match contains at
least one of them; when none occurs in the text the rule cannot match and is skipped. Nothing
is written by hand, so the gate cannot drift from the patterns: where no such set can be derived
(a pattern starting with `\\w*`, say) there is simply no gate.

A literal the pattern puts at a word boundary (after `\\b`, or a word character after `\\s`) is
*anchored*: it counts only where it starts a word, which prunes far more than the bare literal
would in Russian text, where nearly every letter pair starts some literal. All literals are
found in one pass of an Aho-Corasick automaton (`_Scan`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

# The stdlib's own regex parser: `sre_parse` is its deprecated alias (a warning, which the tests
# turn into an error), and typeshed does not describe the private module.
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, Generic, TypeVar

import ahocorasick

from bot.guard.spans import Span

Literals = frozenset[str]
Key = tuple[bool, str]
"""A literal as the gate looks for it: (anchored at a word start, text)."""
Keys = frozenset[Key]
Tag = TypeVar("Tag", bound=Hashable)
_ZERO_WIDTH = frozenset({"AT", "ASSERT", "ASSERT_NOT"})
_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})
_MAX_CLASS = 12
_USELESS = 0.05
"""A literal set whose chance score (see `_quality`) exceeds this does not gate."""

# What stands before a position, as far as a word boundary goes: `_BOUNDARY` a `\b`,
# `_NON_WORD` a character that is not a word character, None anything else or unknown.
Before = str | None
_BOUNDARY, _NON_WORD = "boundary", "non-word"
_WORD_CHAR = re.compile(r"\w")
_NON_WORD_CATEGORIES = frozenset({"CATEGORY_SPACE", "CATEGORY_NOT_WORD"})
_SPACELESS_CATEGORIES = frozenset({"CATEGORY_WORD", "CATEGORY_DIGIT", "CATEGORY_NOT_SPACE"})
_SPACES = frozenset(chr(point) for point in range(0x3001) if chr(point).isspace())
"""Every character `\\s` matches (the last one is U+3000)."""


def gate_for(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """A regex of literals one of which every match of `pattern` contains, or None."""
    literals = required_literals(pattern.pattern)
    if not literals:
        return None
    # A prefix-factored alternation: rejected at the first letter at most positions.
    return re.compile(trie_regex(_texts(_minimal(frozenset((False, t) for t in literals)))))


def required_literals(source: str) -> Literals | None:
    """Literals one of which every match of the regex `source` contains (None: unknown)."""
    keys = _sequence(list(sre_parse.parse(source)), None)
    return _texts(keys) if keys else None


def required_literal_sets(source: str) -> tuple[Literals, ...]:
    """Up to two literal sets, one literal of each occurring in every match of `source`."""
    return tuple(_texts(keys) for keys in requirements(source))


def requirements(source: str) -> tuple[Keys, ...]:
    """Up to two sets of literals, one of each occurring in every match of `source`, with
    whether it occurs at a word start.

    Two conditions prune far better than one: "ozon ... плохо" runs only when both a name of
    Ozon and a negative word occur, not on every polite text that mentions Ozon.
    """
    items = list(sre_parse.parse(source))
    while len(items) == 1 and str(items[0][0]) == "SUBPATTERN":
        items = list(items[0][1][3])
    found = sorted(_candidates(items, None), key=lambda c: _rank(c.keys), reverse=True)
    if not found:
        return ()
    best = found[0]
    for other in found[1:]:
        if other.last < best.first or other.first > best.last:
            return best.keys, other.keys
    return (best.keys,)


def _texts(keys: Iterable[Key]) -> Literals:
    return frozenset(text for _, text in keys)


@dataclass(frozen=True, slots=True)
class _Candidate:
    """Literals one of which a match contains, found in elements `first..last` of a sequence."""

    first: int
    last: int
    keys: Keys


def _sequence(items: list[tuple[Any, Any]], before: Before) -> Keys | None:
    """In a sequence every element matches, so any element's literals will do: take the best."""
    return max((c.keys for c in _candidates(items, before)), key=_rank, default=None)


def _candidates(items: list[tuple[Any, Any]], before: Before) -> list[_Candidate]:
    """Literal sets found in the sequence `items`, which follows what `before` says."""
    found: list[_Candidate] = []
    run, run_start, run_anchored = "", 0, False
    for index, (op, av) in enumerate(items):
        name = str(op)
        if name == "LITERAL":
            if not run:
                run_start, run_anchored = index, _starts_word(before, {chr(av)})
            run += chr(av)
        elif name not in _ZERO_WIDTH:
            # (a zero-width element consumes nothing: the literals on both sides stay adjacent)
            if run:
                found += _run_candidates(items, index, run, run_start, run_anchored)
                run = ""
            elif (lead := _leading(items[index:])) and _starts_word(before, lead):
                found.append(_Candidate(index, index, _keys(lead, anchored=True)))
            if keys := _node(name, av, before):
                found.append(_Candidate(index, index, keys))
        before = _after(before, name, av)
    if run:
        keys = _keys({run}, anchored=run_anchored)
        found.append(_Candidate(run_start, len(items) - 1, keys))
    return found


def _run_candidates(
    items: list[tuple[Any, Any]], index: int, run: str, start: int, anchored: bool
) -> list[_Candidate]:
    found = [_Candidate(start, index - 1, _keys({run}, anchored=anchored))]
    # The parser factors common prefixes out of alternations ("п(?:идор|едик)"): glue the run
    # to what the next element must start with.
    if lead := _leading(items[index:]):
        found.append(_Candidate(start, index, _keys({run + t for t in lead}, anchored=anchored)))
    return found


def _keys(literals: Iterable[str], *, anchored: bool) -> Keys:
    return frozenset((anchored, literal) for literal in literals)


def _leading(items: list[tuple[Any, Any]]) -> Literals | None:
    """The literals a match of the sequence `items` must start with (None: unknown)."""
    run = ""
    for index, (op, av) in enumerate(items):
        name = str(op)
        if name == "LITERAL":
            run += chr(av)
        elif name in _ZERO_WIDTH:
            continue
        elif name == "IN" and (chars := _char_class(av)):
            return frozenset(run + ch for ch in chars)
        elif run:
            return frozenset({run})
        elif name == "SUBPATTERN" and (inner := _leading(list(av[3]))):
            rest = _leading(items[index + 1 :]) if _is_literal_only(av[3]) else None
            return frozenset(a + b for a in inner for b in rest) if rest else inner
        elif name == "BRANCH":
            parts = [_leading(list(branch)) for branch in av[1]]
            return frozenset(t for part in parts if part for t in part) if all(parts) else None
        else:
            return None
    return frozenset({run}) if run else None


def _is_literal_only(items: Any) -> bool:
    return all(str(op) == "LITERAL" for op, _ in items)


def _node(name: str, av: Any, before: Before) -> Keys | None:
    if name == "SUBPATTERN":
        return _sequence(list(av[3]), before)
    if name == "ATOMIC_GROUP":
        return _sequence(list(av), before)
    if name == "BRANCH":
        return _union([_sequence(list(branch), before) for branch in av[1]])
    if name in _REPEATS:
        low, _high, body = av
        # Every match holds a first repetition, and that one follows `before`.
        return _sequence(list(body), before) if low >= 1 else None
    if name == "IN" and (chars := _char_class(av)):
        return _keys(chars, anchored=_starts_word(before, chars))
    return None


def _union(parts: list[Keys | None]) -> Keys | None:
    if any(not part for part in parts):
        return None
    return frozenset().union(*(p for p in parts if p))


def _char_class(items: list[tuple[Any, Any]]) -> Literals | None:
    if len(items) > _MAX_CLASS or any(str(op) != "LITERAL" for op, _ in items):
        return None
    return frozenset(chr(av) for _, av in items)


def _starts_word(before: Before, literals: Collection[str]) -> bool:
    """Whether `literals`, standing after `before`, each start at a word boundary."""
    if before == _NON_WORD:
        return all(_WORD_CHAR.match(literal) for literal in literals)
    return before == _BOUNDARY


def _after(before: Before, name: str, av: Any) -> Before:
    """What stands before the next element, given what stood before this one (`before`)."""
    if name == "AT":
        return _BOUNDARY if str(av) == "AT_BOUNDARY" else before
    if name in _ZERO_WIDTH:
        return before
    if name == "LITERAL":
        return None if _WORD_CHAR.match(chr(av)) else _NON_WORD
    if name == "IN":
        return _NON_WORD if _non_word_class(av) else None
    if name == "SUBPATTERN":
        return _after_all(before, list(av[3]))
    if name == "BRANCH":
        return _either(*(_after_all(before, list(branch)) for branch in av[1]))
    if name in _REPEATS:
        low, _high, body = av
        repeated = _after_all(before, list(body))
        return repeated if low >= 1 else _either(before, repeated)
    return None


def _after_all(before: Before, items: list[tuple[Any, Any]]) -> Before:
    for op, av in items:
        before = _after(before, str(op), av)
    return before


def _either(*kinds: Before) -> Before:
    """What surely stands before a position that is reached in one of several ways."""
    if None in kinds:
        return None
    return _BOUNDARY if all(kind == _BOUNDARY for kind in kinds) else _NON_WORD


def _non_word_class(items: list[tuple[Any, Any]]) -> bool:
    """A character class that matches nothing but characters that are not word characters."""
    parts = [(str(op), av) for op, av in items]
    if [(op, str(av)) for op, av in parts] == [("NEGATE", "None"), ("CATEGORY", "CATEGORY_WORD")]:
        return True
    return all(
        (op == "CATEGORY" and str(av) in _NON_WORD_CATEGORIES)
        or (op == "LITERAL" and not _WORD_CHAR.match(chr(av)))
        for op, av in parts
    )


def _quality(keys: Collection[Key]) -> float:
    """How rarely one of `keys` occurs by chance: a literal of n letters counts 10**-n, so
    {"собака", "@"} beats a list of fifty two-letter domain endings; one that must start a word
    counts as a letter longer."""
    # fsum: exact whatever the order, so equal scores compare equal (a plain sum over a set
    # differed in the last bit with the process's string hashing, and so did the choice).
    return -math.fsum(10.0 ** -(len(text) + anchored) for anchored, text in keys)


def _rank(keys: Collection[Key]) -> tuple[float, int, tuple[Key, ...]]:
    """`_quality`, and on a tie the set with more letters spelt out: ".ru" anywhere over "ru"
    at a word start, which English words ("rubber") also have and a regex gate (`gate_for`)
    cannot even tell from "ru" anywhere. The keys themselves break what ties remain, so the
    choice never depends on the order in which a set is walked."""
    return _quality(keys), sum(len(text) for _, text in keys), tuple(sorted(keys))


def _minimal(keys: Keys) -> Keys:
    """Drop literals whose presence implies another one's: finding that one is enough."""
    kept: list[Key] = []
    for key in sorted(keys, key=lambda k: (len(k[1]), not k[0])):
        if not any(_implies(key, other) for other in kept):
            kept.append(key)
    return frozenset(kept)


def _implies(key: Key, other: Key) -> bool:
    """Whether a text holding `key` surely holds `other`."""
    anchored, text = key
    other_anchored, other_text = other
    if other_anchored:
        return anchored and text.startswith(other_text)
    return other_text in text


def trie_regex(words: Iterable[str]) -> str:
    """A non-capturing alternation of `words`, factored by common prefixes."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_to_regex(trie) or "(?!)"


def _trie_to_regex(node: Mapping[str, Any]) -> str:
    optional = "" in node
    branches = [re.escape(ch) + _trie_to_regex(child) for ch, child in node.items() if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(sorted(branches)) + ")"
    if optional:
        return f"(?:{body})?"
    return body


@dataclass(frozen=True, slots=True)
class Entry(Generic[Tag]):
    """One pattern of a `GatedSet`, with what it reports (its tag)."""

    tag: Tag
    pattern: re.Pattern[str]


class _Scan:
    """One pass over a text that finds where each of a set of literals occurs.

    An Aho-Corasick automaton (pyahocorasick, in C) reports every occurrence of every literal,
    overlapping ones included, in one pass; an anchored literal counts only where it starts a
    word (`\\b` before it). A trie regex did the same in 2-3 times the time: the engine tried
    the alternation at every word start (or every position), one `search` call per hit.
    """

    __slots__ = ("_automaton",)

    def __init__(self, keys: Iterable[Key]) -> None:
        by_text: dict[str, list[Key]] = {}
        for key in keys:
            by_text.setdefault(key[1], []).append(key)
        self._automaton = ahocorasick.Automaton()
        for text, found in by_text.items():
            anchored = tuple(key for key in found if key[0])
            anywhere = tuple(key for key in found if not key[0])
            self._automaton.add_word(text, (len(text), anchored, anywhere))
        if by_text:
            self._automaton.make_automaton()

    def present(self, text: str, found: dict[Key, list[int]]) -> None:
        """Add where each literal occurs in `text` to `found`."""
        if self._automaton.kind != ahocorasick.AHOCORASICK:
            return  # no literals
        where = found.setdefault
        for end, (length, anchored, anywhere) in self._automaton.iter(text):
            start = end - length + 1
            for key in anywhere:
                where(key, []).append(start)
            # `\\b` before the literal: a word character on one side of `start` only.
            if anchored and (start > 0 and _is_word(text[start - 1])) != _is_word(text[start]):
                for key in anchored:
                    where(key, []).append(start)


def _is_word(ch: str) -> bool:
    """What `\\w` matches, as the regex engine decides it for a Unicode pattern."""
    return ch.isalnum() or ch == "_"


@dataclass(frozen=True, slots=True)
class GatedSet(Generic[Tag]):
    """Many patterns over one text, each run only if its required literals occur.

    One scan for every pattern's literals (`_Scan`; anchored ones only at word starts) finds
    which literals the text contains, and where; only the patterns whose literal sets all meet
    them (and those without literals) then run. A pattern
    that can match no whitespace (`within_words`) runs only over the words holding one of its
    literals: most obscene roots are `\\b\\w*root\\w*`, which the engine would otherwise try,
    letter by letter, at every word of the text.
    """

    entries: tuple[Entry[Tag], ...]
    _ungated: tuple[int, ...] = field(init=False)
    _owners: dict[Key, tuple[int, ...]] = field(init=False)
    _also: dict[int, Keys] = field(init=False)
    _word_keys: dict[int, Keys] = field(init=False)
    """For the patterns that stay within words, the literals one of which each match holds."""
    _scan: _Scan = field(init=False)

    def __post_init__(self) -> None:
        owners: dict[Key, list[int]] = {}
        also: dict[int, Keys] = {}
        word_keys: dict[int, Keys] = {}
        ungated: list[int] = []
        for index, entry in enumerate(self.entries):
            keys = _useful(requirements(entry.pattern.pattern))
            if not keys:
                ungated.append(index)
                continue
            for key in keys[0]:
                owners.setdefault(key, []).append(index)
            if len(keys) > 1:
                also[index] = keys[1]
            if within_words(entry.pattern):
                word_keys[index] = keys[0]
        every = set(owners).union(*also.values())
        object.__setattr__(self, "_ungated", tuple(ungated))
        object.__setattr__(self, "_owners", {k: tuple(v) for k, v in owners.items()})
        object.__setattr__(self, "_also", also)
        object.__setattr__(self, "_word_keys", word_keys)
        object.__setattr__(self, "_scan", _Scan(every))

    @classmethod
    def of(cls, tagged: Sequence[tuple[Tag, re.Pattern[str]]]) -> GatedSet[Tag]:
        return cls(tuple(Entry(tag, pattern) for tag, pattern in tagged))

    def finditer(self, text: str) -> Iterator[tuple[Tag, re.Match[str]]]:
        """Every match of every pattern that can match `text`, with its tag."""
        present = self._present(text)
        for index in sorted(self._candidates(present)):
            entry = self.entries[index]
            if (keys := self._word_keys.get(index)) is None:
                for match in entry.pattern.finditer(text):
                    yield entry.tag, match
                continue
            positions = [at for key in keys for at in present.get(key, ())]
            for start, end in _words_at(text, positions):
                # `pos` leaves `\b` and look-behinds seeing the text before the word.
                for match in entry.pattern.finditer(text, start, end):
                    yield entry.tag, match

    def _present(self, text: str) -> dict[Key, list[int]]:
        present: dict[Key, list[int]] = {}
        self._scan.present(text, present)
        return present

    def _candidates(self, present: Mapping[Key, list[int]]) -> set[int]:
        candidates = set(self._ungated)
        for key in present:
            for index in self._owners.get(key, ()):
                if index not in self._also or not self._also[index].isdisjoint(present):
                    candidates.add(index)
        return candidates


def _words_at(text: str, positions: Iterable[int]) -> list[Span]:
    """The space-delimited stretches of `text` holding `positions`, in order, each once.

    Positions inside the stretch already found are skipped, so each character is looked at
    a bounded number of times: searching for the spaces around every position again made a
    long word full of literals ("х.у.й." 150,000 times, no space) quadratic."""
    words: list[Span] = []
    end = -1
    for position in sorted(set(positions)):
        if position < end:
            continue
        found = text.find(" ", position)
        end = len(text) if found < 0 else found
        words.append((text.rfind(" ", 0, position) + 1, end))
    return words


def within_words(pattern: re.Pattern[str]) -> bool:
    """Whether no match of `pattern` holds whitespace, nor looks at it or at a line's ends.

    Such a pattern run on one space-delimited stretch of a text (`pos`, `endpos`) finds exactly
    the matches it finds there in the whole text: its matches never cross a space, and
    what it sees past `endpos` (the end of the string, not a space) makes no difference to it.
    """
    return not _may_see_space(list(sre_parse.parse(pattern.pattern)))


def _may_see_space(items: list[tuple[Any, Any]]) -> bool:
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            seen = chr(av) in _SPACES
        elif name == "IN":
            seen = _class_may_be_space(av)
        elif name == "AT":
            seen = str(av) not in {"AT_BOUNDARY", "AT_NON_BOUNDARY"}
        elif name == "SUBPATTERN":
            seen = _may_see_space(list(av[3]))
        elif name == "BRANCH":
            seen = any(_may_see_space(list(branch)) for branch in av[1])
        elif name in _REPEATS:
            seen = _may_see_space(list(av[2]))
        elif name in {"ASSERT", "ASSERT_NOT"}:
            seen = _may_see_space(list(av[1]))
        elif name == "ATOMIC_GROUP":
            seen = _may_see_space(list(av))
        else:  # any character, a negated literal, a group reference, what is not known here
            seen = name != "GROUPREF"
        if seen:
            return True
    return False


def _class_may_be_space(items: list[tuple[Any, Any]]) -> bool:
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            if chr(av) in _SPACES:
                return True
        elif name == "RANGE":
            if any(av[0] <= ord(ch) <= av[1] for ch in _SPACES):
                return True
        elif name != "CATEGORY" or str(av) not in _SPACELESS_CATEGORIES:
            return True  # a negated class, a category that holds spaces, the unknown
    return False


def _useful(requirements: Iterable[Keys]) -> list[Keys]:
    """The literal sets worth a scan: literals that occur in nearly every text ("а", the ending
    "ая") would cost a step at every occurrence and prune nothing."""
    useful = []
    for keys in requirements:
        minimal = _minimal(keys)
        if min(len(text) for _, text in minimal) > 1 and _quality(minimal) > -_USELESS:
            useful.append(minimal)
    return useful
