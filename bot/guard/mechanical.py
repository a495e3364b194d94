"""Capitals, punctuation and emoji: the rules a machine can both find and fix.

Ozon: "Do not use uppercase text, excessive punctuation marks and emojis" (seed 001). These
work on the original text (capitals matter). The fixes change form, never meaning, and are only
ever offered to staff to confirm (`OutboundGuard.suggest_fix`).

Decisions worth knowing:
* caps — see the header of `lexicons/caps.yml`.
* punctuation — two or more of ! and ? in a row ("!!", "???", "?!"), four or more dots, two or
  more commas. A single "!" or "?" and "..." pass.
* emoji — any Unicode emoji (the `emoji` package's table; ©, ®, ™ and arrows only when written
  with the emoji variation selector), emoticons (":)", ":-(", ";)", ":D", "xD", "=)") and the
  Russian bracket smileys: closing brackets that close nothing ("спасибо)", "))", ")))") and runs
  of opening brackets that are never closed ("((("). "1)" and "а)" at the start of a list item
  are list markers, not smileys.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.guard.lexicon import LEXICON_DIR, read_yaml, string_list
from bot.guard.normalize import fold
from bot.guard.spans import Span, merge_spans

_WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_0-9]+)*")
_CYRILLIC = re.compile(r"[а-яёА-ЯЁ]")
_PUNCTUATION = re.compile(r"[!?！？]{2,}|\.{4,}|,{2,}")
# Each alternative starts with a character class, then looks back: the engine skips at C speed
# to the few positions that can start an emoticon.
_EMOTICON = re.compile(
    r"[:;=](?<![\w:;=].)(?:['-]?[)(]+|-?[DPpРр](?!\w))|[xXхХ](?<![\w:;=].)D(?![\w-])"
    r"|\^_\^|:'\("
)
_BRACKET = re.compile(r"[()]")
_UPPER_PAIR = re.compile(r"[A-ZА-ЯЁ]{2}")
_PUNCTUATION_HINTS = ("!!", "!?", "?!", "??", "....", ",,", "！", "？")
_LIST_MARKER = re.compile(r"(?:^|[\s(])(?:\d{1,2}|[a-zа-я])$", re.IGNORECASE)
_TEXT_DEFAULT = "©®™ℹ↔↕↖↗↘↙↩↪⌨⏏Ⓜ▪▫▶◀◻◼‼⁉"
_SPACES_BEFORE_PUNCT = re.compile(r"\s+([,.!?;:])")
_MANY_SPACES = re.compile(r"[ \t]{2,}")
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+|\n\s*)$")
_LONG_WORD, _SHOUT_RUN_LETTERS, _SINGLE_CYRILLIC = 4, 8, 5


@dataclass(frozen=True, slots=True)
class EmojiTable:
    """Unicode emoji (the `emoji` package's table), found fast in a long text."""

    pattern: re.Pattern[str]
    starts: re.Pattern[str]
    """A one-class pre-check: a character every emoji holds (a keycap: U+20E3)."""
    first: re.Pattern[str]
    """Exactly the characters an emoji can start with."""

    @classmethod
    def load(cls) -> EmojiTable:
        import emoji  # the emoji table is large: loaded with the guard, not on import

        singles = {k for k in emoji.EMOJI_DATA if len(k) == 1 and k not in _TEXT_DEFAULT}
        singles |= {chr(c) for c in range(0x1F1E6, 0x1F200)}  # regional indicators (flags)
        # Ranges, not 1,400 single characters: Python scans a class with astral characters item
        # by item, and a long list made the emoji regex the slowest part of the whole check.
        chars = _class_ranges(sorted(map(ord, singles)))
        base = rf"(?:[#*0-9]\ufe0f?\u20e3|[{re.escape(_TEXT_DEFAULT)}]\ufe0f|[{chars}])"
        tail = r"[\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]"
        # The pre-check: the basic-plane characters exactly (a bitmap lookup), the astral ones
        # as one range (every astral emoji lies in U+1F000-U+1FAFF).
        basic = {ord(c) for c in singles | set(_TEXT_DEFAULT) | {"\u20e3"} if ord(c) <= 0xFFFF}
        starts = f"{_class_ranges(sorted(basic))}\U0001f000-\U0001faff"
        first = f"#*0-9{re.escape(_TEXT_DEFAULT)}{chars}"
        return cls(
            pattern=re.compile(rf"{base}(?:{tail}|\u200d{base})*"),
            starts=re.compile(f"[{starts}]"),
            first=re.compile(f"[{first}]"),
        )

    def spans(self, text: str) -> list[Span]:
        """Every emoji in `text`, as `pattern.finditer` finds them.

        The pattern is tried only where an emoji can start: a search for a single character
        class skips the rest of the text at C speed, while `finditer` would try the pattern's
        three alternatives at every position."""
        if text.isascii() or self.starts.search(text) is None:
            return []
        spans: list[Span] = []
        position = 0
        while start := self.first.search(text, position):
            match = self.pattern.match(text, start.start())
            if match is None:
                position = start.start() + 1
                continue
            spans.append(match.span())
            position = match.end()
        return spans


def _class_ranges(code_points: list[int]) -> str:
    ranges: list[list[int]] = []
    for point in code_points:
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


@dataclass(frozen=True, slots=True)
class Mechanical:
    abbreviations: frozenset[str]
    english_words: frozenset[str]
    emoji: EmojiTable

    @classmethod
    def load(cls) -> Mechanical:
        data = read_yaml("caps.yml")
        where = str(LEXICON_DIR / "caps.yml")
        return cls(
            abbreviations=frozenset(map(fold, string_list(data, "abbreviations", where))),
            english_words=frozenset(map(fold, string_list(data, "english_words", where))),
            emoji=EmojiTable.load(),
        )

    # --- finding -----------------------------------------------------------------------------

    def caps(self, text: str) -> list[Span]:
        """Shouting: runs of capitalised words (see lexicons/caps.yml for the rule)."""
        if _UPPER_PAIR.search(text) is None:
            return []
        return [span for run in self._caps_runs(text) if (span := self._shouting(text, run))]

    @staticmethod
    def punctuation(text: str) -> list[Span]:
        if not any(hint in text for hint in _PUNCTUATION_HINTS):
            return []
        return [m.span() for m in _PUNCTUATION.finditer(text)]

    def emojis(self, text: str) -> list[Span]:
        """Emoji, emoticons and bracket smileys."""
        spans = [m.span() for m in _EMOTICON.finditer(text)] if _has_emoticon_mark(text) else []
        spans += self.emoji.spans(text)
        if "(" in text or ")" in text:
            spans += _bracket_smileys(text, spans)
        return merge_spans(spans, touching=True)

    # --- fixing ------------------------------------------------------------------------------

    def fix(self, text: str, caps: list[Span], punct: list[Span], emoji: list[Span]) -> str:
        """`text` with the given spans sentence-cased, collapsed to one mark, or dropped."""
        edits = [(s, e, self._sentence_case(text, s, e)) for s, e in caps]
        edits += [(s, e, _one_mark(text[s:e])) for s, e in punct]
        edits += [(s, e, _emoji_replacement(text, s, e)) for s, e in emoji]
        for start, end, replacement in sorted(edits, reverse=True):
            text = text[:start] + replacement + text[end:]
        text = _SPACES_BEFORE_PUNCT.sub(r"\1", _MANY_SPACES.sub(" ", text))
        return "\n".join(line.strip() for line in text.split("\n")).strip()

    def _sentence_case(self, text: str, start: int, end: int) -> str:
        def lower(match: re.Match[str]) -> str:
            word = match.group()
            return word if fold(word) in self.abbreviations else word.lower()

        fragment = _WORD.sub(lower, text[start:end])
        if _SENTENCE_START.search(text[:start]) and fragment:
            fragment = fragment[0].upper() + fragment[1:]
        return fragment

    # --- helpers -----------------------------------------------------------------------------

    def _caps_runs(self, text: str) -> Iterator[list[re.Match[str]]]:
        """Runs of capitalised words with no lower-case word between them."""
        run: list[re.Match[str]] = []
        for match in _WORD.finditer(text):
            word = match.group()
            if word.isupper() and (len(word) > 1 or run):
                run.append(match)
            elif run:
                yield run
                run = []
        if run:
            yield run

    def _shouting(self, text: str, run: list[re.Match[str]]) -> Span | None:
        words = [m.group() for m in run if fold(m.group()) not in self.abbreviations]
        latin_only = not any(_CYRILLIC.search(w) for w in words)
        if not words or (latin_only and not any(fold(w) in self.english_words for w in words)):
            return None
        long_words = sum(len(w) >= _LONG_WORD for w in words)
        many = len(words) >= 3 and sum(map(len, words)) >= _SHOUT_RUN_LETTERS
        single = len(words) == 1 and not latin_only and len(words[0]) >= _SINGLE_CYRILLIC
        if long_words >= 2 or many or single:
            return run[0].start(), run[-1].end()
        return None


def _has_emoticon_mark(text: str) -> bool:
    """Every emoticon holds one of these: ":)", ";)", "=)", "xD", "^_^"."""
    return ":" in text or ";" in text or "=" in text or "D" in text or "^" in text


def _emoji_replacement(text: str, start: int, end: int) -> str:
    """A smiley that ends a sentence ("Спасибо)) Рады помочь") leaves a full stop behind."""
    before = text[:start].rstrip()
    after = text[end:].lstrip()
    ends_sentence = not after or after[0].isupper() or after[0] == "\n"
    if before and before[-1].isalnum() and ends_sentence:
        return "."
    return ""


def _one_mark(run: str) -> str:
    if "?" in run or "？" in run:
        return "?"
    if "!" in run or "！" in run:
        return "!"
    return "..." if "." in run else ","


def _bracket_smileys(text: str, taken: list[Span]) -> list[Span]:
    """Brackets that close or open nothing: ")))" and "спасибо)" are smileys, "(1)" is not."""
    busy = {i for s, e in taken for i in range(s, e)}
    opened: list[int] = []
    stray: list[int] = []
    for match in _BRACKET.finditer(text):
        index, ch = match.start(), match.group()
        if index in busy:
            continue
        if ch == "(":
            opened.append(index)
        elif opened:
            opened.pop()
        elif not _LIST_MARKER.search(text[:index]):
            stray.append(index)
    spans = _runs(stray, 1)
    return spans + _runs(opened, 2)


def _runs(positions: list[int], minimum: int) -> list[Span]:
    spans: list[Span] = []
    for position in positions:
        if spans and spans[-1][1] == position:
            spans[-1] = (spans[-1][0], position + 1)
        else:
            spans.append((position, position + 1))
    return [(s, e) for s, e in spans if e - s >= minimum]
