"""A fast pre-check for many regexes: each runs only when the text holds a literal of its gate.

Python's regex engine scans a pattern that starts with `\\b` or an optional prefix position by
position, trying every alternative: tens of microseconds per rule on a 200-character text. So a
lexicon pattern carries a *gate*, written next to it in `lexicons/*.yml`: literals one of which
every match of the pattern contains. All gates' literals are found in one pass of an
Aho-Corasick automaton (`_Scan`, pyahocorasick, in C), and a pattern whose gate is not met is
not run. A pattern without a gate runs on every text: correct, only slower.

    gate: [^отмен, cancel]            # one of these occurs in every match
    gate: [[^ozon, ^озон], [^плох]]   # one literal of each list occurs

A literal written `^стем` counts only where it starts a word (`\\b` before it), which prunes
far more than the bare literal would in Russian text. A stem is found inside longer words, so
`^позвон` stands for every form of позвонить. A gate is a promise made by hand:
tests/unit/test_guard_gate.py runs every pattern gated and ungated over all the project's texts
and requires the same matches; `parse_gate` checks each literal's spelling at load time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import ahocorasick

from bot.errors import ConfigError
from bot.guard.spans import Span

Key = tuple[bool, str]
"""A literal as the gate looks for it: (anchored at a word start, text)."""
Keys = frozenset[Key]
Gate = tuple[Keys, ...]
"""Sets of literals, one of each occurring in every match; () runs the pattern on every text."""
Tag = TypeVar("Tag", bound=Hashable)
ANCHOR = "^"


def parse_gate(value: Any, normal: Callable[[str], str], where: str) -> Gate:
    """A `gate:` entry of a lexicon (absent, a list of literals, or a list of such lists).

    Each literal must be spelt the way the text the pattern runs on is (`normal`: folded, or
    squeezed for the deobfuscated view), or it would never be found and silently hide matches.
    """
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        raise ConfigError(where, "'gate' must be a non-empty list of literals or of lists")
    groups = value if all(isinstance(v, list) for v in value) else [value]
    return tuple(frozenset(_key(item, normal, where) for item in group) for group in groups)


def _key(item: Any, normal: Callable[[str], str], where: str) -> Key:
    if not isinstance(item, str | int) or isinstance(item, bool):
        raise ConfigError(where, f"gate literal {item!r} must be a string")
    written = str(item)
    anchored = written.startswith(ANCHOR)
    text = written.removeprefix(ANCHOR) if anchored else written
    if not text or text != text.strip() or normal(text) != text:
        raise ConfigError(where, f"gate literal {written!r} is not spelt as the text is matched")
    if anchored and not _is_word(text[0]):
        raise ConfigError(where, f"gate literal {written!r}: only a word character starts a word")
    return anchored, text


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
    """One pattern of a `GatedSet`, with what it reports (its tag) and its gate."""

    tag: Tag
    pattern: re.Pattern[str]
    gate: Gate = ()


class _Scan:
    """One pass over a text that finds where each of a set of literals occurs.

    An Aho-Corasick automaton reports every occurrence of every literal, overlapping ones
    included, in one pass; an anchored literal counts only where it starts a word. A trie regex
    did the same in 2-3 times the time: the engine tried the alternation at every position.
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

    def present(self, text: str) -> dict[Key, list[int]]:
        """Where each literal occurs in `text`."""
        found: dict[Key, list[int]] = {}
        if self._automaton.kind != ahocorasick.AHOCORASICK:
            return found  # no literals
        where = found.setdefault
        for end, (length, anchored, anywhere) in self._automaton.iter(text):
            start = end - length + 1
            for key in anywhere:
                where(key, []).append(start)
            # `\\b` before the literal: a word character on one side of `start` only.
            if anchored and (start > 0 and _is_word(text[start - 1])) != _is_word(text[start]):
                for key in anchored:
                    where(key, []).append(start)
        return found


def _is_word(ch: str) -> bool:
    """What `\\w` matches, as the regex engine decides it for a Unicode pattern."""
    return ch.isalnum() or ch == "_"


@dataclass(frozen=True, slots=True)
class GatedSet(Generic[Tag]):
    """Many patterns over one text, each run only if its gate is met.

    One scan finds which gate literals the text contains, and where; only the patterns whose
    literal sets all meet them (and those without a gate) then run. A pattern that can match
    no whitespace (`within_words`) runs only over the words holding a literal of its first set:
    most obscene roots are `\\b\\w*root\\w*`, which the engine would otherwise try, letter by
    letter, at every word of the text.
    """

    entries: tuple[Entry[Tag], ...]
    _ungated: tuple[int, ...] = field(init=False)
    _owners: dict[Key, tuple[int, ...]] = field(init=False)
    _also: dict[int, Gate] = field(init=False)
    _word_keys: dict[int, Keys] = field(init=False)
    _scan: _Scan = field(init=False)

    def __post_init__(self) -> None:
        owners: dict[Key, list[int]] = {}
        also: dict[int, Gate] = {}
        word_keys: dict[int, Keys] = {}
        ungated: list[int] = []
        for index, entry in enumerate(self.entries):
            if not entry.gate:
                ungated.append(index)
                continue
            first, *rest = entry.gate
            for key in first:
                owners.setdefault(key, []).append(index)
            if rest:
                also[index] = tuple(rest)
            if within_words(entry.pattern):
                word_keys[index] = first
        every = {key for entry in self.entries for keys in entry.gate for key in keys}
        object.__setattr__(self, "_ungated", tuple(ungated))
        object.__setattr__(self, "_owners", {k: tuple(v) for k, v in owners.items()})
        object.__setattr__(self, "_also", also)
        object.__setattr__(self, "_word_keys", word_keys)
        object.__setattr__(self, "_scan", _Scan(every))

    @classmethod
    def of(cls, gated: Sequence[tuple[Tag, re.Pattern[str], Gate]]) -> GatedSet[Tag]:
        return cls(tuple(Entry(tag, pattern, gate) for tag, pattern, gate in gated))

    def finditer(self, text: str) -> Iterator[tuple[Tag, re.Match[str]]]:
        """Every match of every pattern that can match `text`, with its tag."""
        present = self._scan.present(text)
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

    def _candidates(self, present: Mapping[Key, list[int]]) -> set[int]:
        candidates = set(self._ungated)
        owners, also = self._owners, self._also
        for key in present:
            for index in owners.get(key, ()):
                for keys in also.get(index, ()):
                    if keys.isdisjoint(present):
                        break  # another set of its gate is not met
                else:
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


# The pieces of a regex that never match, nor look at, whitespace or a line's ends: escapes of
# word characters and of punctuation, `\b`, groups and look-arounds (their contents are pieces
# too), alternation, repeats, classes of such characters, and any other character but `.`,
# `^`, `$` and whitespace. What else a pattern holds (`\s`, `\W`, `.`, `[^…]`, `$`, a flag)
# makes `within_words` say no: the check may miss a pattern, never wrongly admit one.
_CLASS_ITEM = r"(?:\\[wd]|\\[^\w\s]|[^\s\\\]^])"
_PIECE = re.compile(
    r"\\[wdb]|\\[^\w\s]|\((?:\?(?::|<?[=!])|(?!\?))|\)|\||[?*+]|\{\d*,?\d*\}"
    rf"|\[{_CLASS_ITEM}(?:-?{_CLASS_ITEM})*\]|[^\s\\.^$()\[\]{{}}|?*+]"
)
_SPACES = "".join(chr(point) for point in range(0x3001) if chr(point).isspace())
_RANGE = re.compile(r"(?<!\\)(.)-(.)")


def within_words(pattern: re.Pattern[str]) -> bool:
    """Whether no match of `pattern` holds whitespace, nor looks at it or at a line's ends.

    Such a pattern run on one space-delimited stretch of a text (`pos`, `endpos`) finds exactly
    the matches it finds there in the whole text: its matches never cross a space, and
    what it sees past `endpos` (the end of the string, not a space) makes no difference to it.
    """
    source, at = pattern.pattern, 0
    if pattern.flags & (re.VERBOSE | re.MULTILINE):
        return False
    while at < len(source):
        piece = _PIECE.match(source, at)
        if piece is None or _class_may_be_space(piece.group()):
            return False
        at = piece.end()
    return True


def _class_may_be_space(piece: str) -> bool:
    """A class piece (`[а-яa-z0-9]`) whose ranges take in a whitespace character."""
    if not piece.startswith("["):
        return False
    ranges = _RANGE.findall(piece[1:-1])
    return any(low <= space <= high for low, high in ranges for space in _SPACES)
