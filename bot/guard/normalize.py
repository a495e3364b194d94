"""Text views the detectors match on, each able to point back into the original text.

Two views of one text:

* `fold(text)` — lower case and ё→е, character for character, so an index into the folded text
  is an index into the original. Phrase rules (contacts, links, cancel requests, superlatives...)
  match here: people who disguise those do it with words, not with look-alike letters.
* `deobfuscate(folded)` — what someone hiding a swear word meant: separators inside words go
  (х.у.й, х у й, пи-здец), Latin look-alikes inside Cyrillic words become Cyrillic (хyй, cyка),
  digits inside words become letters (3ae6ал), repeated letters collapse (бляяяя → бля), and
  words end up separated by single spaces. Mask characters (`*`, `#`, `$`, `%`, `@`) stay;
  `masked_words()` lists those words so the obscene matcher can try to fill the masks (an `@`
  or `#` that starts a word is a handle or a hashtag, not a mask).

The view is built by a fixed list of regex substitutions (`_STEPS`), which run at C speed. Its
`offsets` — the original index of every view character — are needed only when something was
found, so they are computed on demand by replaying the same steps while tracking positions.

Lexicon entries are passed through `squeeze()` — the same letter mapping and collapsing — so
"ссыкло" in a lexicon and "ссссыкло" in a message meet as "сыкло".

Long (~370 lines) because the deobfuscation steps and the offset replay must stay in one file: the
replay repeats the steps exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

GUARDED_CHARS = 50_000
"""The longest text the detectors read whole; of a longer one they read this much of the
opening. Every step is linear, but its constant is that of Python: a 1 MB message must not
hold the worker for a second (issue 13), and nobody writes 50 chat messages in one."""
_CYRILLIC = re.compile(r"[а-я]")
_LATIN = re.compile(r"[a-z]")
_T = "0-9a-zа-я*#$%@"
"""Characters of a word as the deobfuscator sees it: letters, digits and masks."""
_REPEAT = re.compile(r"([a-zа-я])\1+")
MASKS = frozenset("*#$%@")
_MASK = re.compile(r"[*#$%@]")
# Anchored at a word start (after a space or at the start): unanchored, a long word without a
# mask was rescanned from each of its letters.
_MASKED_WORD = re.compile(r"(?<!\S)[^\s*#$%@]*[*#$%@]\S*")
_HANDLE_MARKS = "@#"
_JOINERS = ".-_|"
_JOINER_SPLIT = re.compile(f"([{re.escape(_JOINERS)}])")

# Latin letters that look like (or are typed for) Cyrillic ones; only applied inside words
# that already contain Cyrillic, so English words stay English.
_LATIN_TO_CYRILLIC = str.maketrans(
    {
        "a": "а",
        "b": "в",
        "c": "с",
        "e": "е",
        "h": "н",
        "k": "к",
        "m": "м",
        "n": "п",
        "o": "о",
        "p": "р",
        "r": "г",
        "t": "т",
        "u": "и",
        "x": "х",
        "y": "у",
    }
)
_GREEK_TO_CYRILLIC = {
    "α": "а", "β": "в", "ε": "е", "κ": "к", "μ": "м", "ο": "о", "ρ": "р", "τ": "т", "υ": "у",
    "χ": "х", "ν": "v", "ι": "i", "η": "п", "γ": "у", "ω": "w",
}  # fmt: skip
_UNMIX = {**_LATIN_TO_CYRILLIC, **str.maketrans(_GREEK_TO_CYRILLIC)}
# Starts with one class, so the engine skips everything but Latin and Greek letters at C speed.
_MIXED_GATE = re.compile(r"[a-zα-ω](?:(?<=[а-я].)|(?=[а-я]))")
_MIXED_WORD = re.compile(r"(?<![a-zа-яα-ω])[a-zа-яα-ω]*(?:[a-zα-ω][а-я]|[а-я][a-zα-ω])[a-zа-яα-ω]*")
_FOREIGN_INSIDE = re.compile(r"[а-я][a-zα-ω]+[а-я]")
_COMMA_GAP = re.compile(r",(?=\s)")
# Digits used for letters: only inside a word that has letters, so "42-44" stays a size.
# `@` stays a mask: "бл@дь" is tried with "а" and with the other letters (see `masked_words`).
_DIGITS_CYRILLIC = str.maketrans({"0": "о", "3": "з", "4": "ч", "6": "б"})
_DIGITS_LATIN = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s"})


class Normalized:
    """A view of a text; `original_span` maps view positions back to the original text.

    The map is built only when asked for (a hit needs its span in the original text): most
    texts have no hit, and the view text alone is cheap to build.
    """

    __slots__ = ("_folded", "_offsets", "_simple", "_words", "text")

    def __init__(self, text: str, folded: str, *, simple: bool) -> None:
        self.text = text
        self._folded = folded
        self._simple = simple
        self._offsets: tuple[int, ...] | None = None
        self._words: list[tuple[int, int]] | None = None

    @property
    def offsets(self) -> tuple[int, ...]:
        """The original index of every view character."""
        if self._offsets is None:
            self._offsets = _tracked(self._folded)
        return self._offsets

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that view characters `start:end` came from."""
        if self._simple and self._offsets is None:
            first, last = self._simple_position(start), self._simple_position(end - 1)
        else:
            first, last = self.offsets[start], self.offsets[end - 1]
        # A collapsed letter stands for its whole run: "бляяяя" is reported whole.
        while last + 1 < len(self._folded) and self._folded[last + 1] == self._folded[last]:
            last += 1
        return first, last + 1

    def _simple_position(self, index: int) -> int:
        """Where view character `index` came from when words were only collapsed ("бляяя"):
        the n-th view word is the n-th word of the folded text."""
        if self._words is None:
            self._words = [m.span() for m in _WORD.finditer(self._folded)]
        start, end = self._words[self.text.count(" ", 0, index)]
        word_start = self.text.rfind(" ", 0, index) + 1
        within = index - word_start
        word_end = self.text.find(" ", index)
        length = (len(self.text) if word_end < 0 else word_end) - word_start
        if length == end - start and within < length:
            return start + within  # nothing collapsed in this word
        kept = -1
        for position in range(start, end):
            ch = self._folded[position]
            if position == start or ch != self._folded[position - 1] or not ch.isalpha():
                kept += 1
            if kept == within:
                return position
        return end - 1


def fold(text: str) -> str:
    """Lower case and ё→е with the same length as `text` (indices stay valid)."""
    folded = text.lower()
    if len(folded) != len(text):
        # A few characters (İ) lower-case to two; keep the first so indices still line up.
        folded = "".join(ch.lower()[0] for ch in text)
    return folded.replace("ё", "е")


def unmix(folded: str) -> str:
    """`folded` with Latin and Greek look-alikes inside Cyrillic words made Cyrillic ("дoxoд",
    "зαpαбοтοк"): spammers mix alphabets to slip past word lists. Same length as `folded`."""
    if _MIXED_GATE.search(folded) is None:
        return folded
    return _MIXED_WORD.sub(_unmix_word, folded)


def phrase_text(folded: str) -> str:
    """The text phrase rules match: `unmix(folded)` with every comma that a space follows made
    a space. "Пришлите, пожалуйста, фото паспорта" is one request, and the rules' "within a few
    words" gaps (`\\s+`) cross it; a full stop still ends the sentence, and a decimal comma
    ("1,5 кг") stays. Same length as `folded`."""
    text = unmix(folded)
    return _COMMA_GAP.sub(" ", text) if "," in text else text


def _unmix_word(match: re.Match[str]) -> str:
    return match.group().translate(_UNMIX)


def disguised_words(folded: str) -> list[tuple[int, int]]:
    """Spans of Cyrillic words written partly with Latin or Greek look-alikes ("пpивeт", "Cpeдний").

    Not words that join two scripts honestly ("iphoneа", "usbшный": letters with no Cyrillic
    twin), nor a stray letter stuck to a word ("nвозможно", from a lost line break): a disguise
    puts a look-alike between Cyrillic letters or uses several different ones."""
    if _MIXED_GATE.search(folded) is None:
        return []
    return [m.span() for m in _MIXED_WORD.finditer(folded) if _is_disguised(m.group())]


def _is_disguised(word: str) -> bool:
    foreign = {ch for ch in word if not _CYRILLIC.match(ch)}
    if not all(ord(ch) in _UNMIX for ch in foreign):
        return False
    return len(foreign) >= 2 or _FOREIGN_INSIDE.search(word) is not None


def squeeze(word: str) -> str:
    """One word the way `deobfuscate` renders it: mapped letters and digits, no repeats."""
    return _REPEAT.sub(r"\1", _map_letters(fold(word)))


def deobfuscate(folded: str) -> Normalized:
    """The deobfuscated view of an already folded text (see the module docstring)."""
    text = folded
    simple = True  # only repeated letters collapsed: positions are easy to map back
    for step in _STEPS:
        changed = step.apply(text)
        simple = simple and (changed == text or step.pattern is _REPEAT)
        text = changed
    return Normalized(" ".join(_WORD.findall(text)), folded, simple=simple)


def masked_words(view: Normalized) -> list[tuple[int, int]]:
    """View spans of words that still contain a mask character (п*здец, f#ck)."""
    if _MASK.search(view.text) is None:
        return []
    return [
        match.span()
        for match in _MASKED_WORD.finditer(view.text)
        if sum(ch.isalpha() for ch in match.group()) >= 2 and mask_positions(match.group())
    ]


def mask_positions(word: str) -> list[int]:
    """Where `word` hides letters behind masks. An `@` or `#` that starts the word marks a
    handle or a hashtag ("@shop_help", "#скидки"), not a hidden letter."""
    return [
        index for index, ch in enumerate(word) if ch in MASKS and (index or ch not in _HANDLE_MARKS)
    ]


# --- the steps ---------------------------------------------------------------------------------


def _join_spaced(match: re.Match[str]) -> str:
    """ "х у й", "б.л.я": three or more single letters with one or two separators between."""
    return "".join(ch for ch in match.group() if ch.isalpha())


def _join_inside(match: re.Match[str]) -> str:
    """ "пи-здец", "х.уй", "бл_ять": a separator next to a one- or two-letter piece goes;
    "кто-то", "42-44" and "25.11.2026" stay as they are."""
    pieces = _JOINER_SPLIT.split(match.group())
    out = [pieces[0]]
    for left, joiner, right in zip(pieces[0::2], pieces[1::2], pieces[2::2], strict=False):
        joins = min(len(left), len(right)) <= 2 and _has_letter(left) and _has_letter(right)
        out += [right] if joins else [joiner, right]
    return "".join(out)


def _map_word(match: re.Match[str]) -> str:
    return _map_letters(match.group())


def _first(match: re.Match[str]) -> str:
    return match.group(1)


@dataclass(frozen=True, slots=True)
class _Step:
    """One substitution of the deobfuscator. `gate` is a cheaper regex that finds something
    whenever `pattern` does (so skipping the step when the gate finds nothing changes nothing)."""

    pattern: re.Pattern[str]
    replace: Callable[[re.Match[str]], str]
    gate: re.Pattern[str] | None = None
    starts_at_gate: bool = False
    """No match of `pattern` starts before the gate's first match: substitute from there."""

    def apply(self, text: str) -> str:
        if self.gate is None:
            return self.pattern.sub(self.replace, text)
        found = self.gate.search(text)
        if found is None:
            return text
        if self.starts_at_gate:
            start = found.start()
            return text[:start] + self.pattern.sub(self.replace, text[start:])
        return self.pattern.sub(self.replace, text)


_WORD = re.compile(rf"[{_T}]+")
# Where a word mixes scripts, or letters and digits: a Latin letter or a digit next to (masks
# aside) a letter of the other kind.
# The runs of digits and masks between the two kinds are bounded (`_GAP`): unbounded, a word of
# 20,000 digits was rescanned to its end from each digit (seconds of CPU for one message).
_GAP = "{0,8}"
_MIXED_SPOT = (
    rf"[a-z](?:(?<=[а-я0-9*#$%@].)|[0-9*#$%@]{_GAP}[а-я0-9])"
    rf"|[0-9](?:(?<=[а-яa-z*#$%@].)|[0-9*#$%@]{_GAP}[а-яa-z])"
)
# Characters that show nothing: zero-width spaces and joiners, the soft hyphen, direction marks
# and embeddings (U+202E turns "тоиди" into "идиот" on screen). Put inside a word they split it
# for a matcher and not for a reader, so the view drops them.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]+"
)
_STEPS = (
    _Step(_INVISIBLE, lambda match: "", gate=_INVISIBLE),
    _Step(
        re.compile(rf"(?<![{_T}])[a-zа-я](?![{_T}])(?:[ .\-_|,\t]{{1,2}}[a-zа-я](?![{_T}])){{2,}}"),
        _join_spaced,
        # Starts at a separator, not at a letter: the engine skips the letters at C speed.
        gate=re.compile(rf"[ .\-_|,\t](?<=(?<![{_T}])[a-zа-я].)[ .\-_|,\t]?[a-zа-я](?![{_T}])"),
    ),
    _Step(
        re.compile(rf"(?<![{_T}])[{_T}]+(?:[{re.escape(_JOINERS)}][{_T}]+)+"),
        _join_inside,
        gate=re.compile(rf"[{re.escape(_JOINERS)}](?<=[{_T}].)(?=[{_T}])"),
    ),
    # A word with two scripts, or with letters and digits: map look-alikes and digits. The
    # replacement keeps the word's length, so positions in the view stay those of the text.
    _Step(
        re.compile(rf"(?<![{_T}])[{_T}]*?(?:{_MIXED_SPOT})[{_T}]*"),
        _map_word,
        gate=re.compile(
            r"[a-z0-9](?:(?<=[а-я0-9*#$%@][a-z])|(?<=[а-яa-z*#$%@][0-9])"
            rf"|(?<=[a-z])(?=[0-9*#$%@]{_GAP}[а-я0-9])|(?<=[0-9])(?=[0-9*#$%@]{_GAP}[а-яa-z]))"
        ),
    ),
    # The first doubled letter is where the first run of repeats starts.
    _Step(_REPEAT, _first, gate=re.compile(r"([a-zа-я])\1"), starts_at_gate=True),
)
"""After the steps, the words (runs of `_T`) are joined with single spaces."""


def _tracked(folded: str) -> tuple[int, ...]:
    """The original index of every character of `deobfuscate(folded).text`."""
    text, offsets = folded, list(range(len(folded)))
    for step in _STEPS:
        if step.gate is not None and step.gate.search(text) is None:
            continue
        pieces: list[str] = []
        positions: list[int] = []
        done = 0
        for match in step.pattern.finditer(text):
            start, end = match.span()
            pieces.append(text[done:start])
            positions += offsets[done:start]
            new = step.replace(match)
            pieces.append(new)
            positions += _align(match.group(), new, offsets[start:end])
            done = end
        pieces.append(text[done:])
        positions += offsets[done:]
        text, offsets = "".join(pieces), positions
    words = [m.span() for m in _WORD.finditer(text)]
    final: list[int] = []
    for index, (start, end) in enumerate(words):
        if index:
            final.append(offsets[start])  # the space before a word points at the word
        final += offsets[start:end]
    return tuple(final)


def _align(old: str, new: str, offsets: list[int]) -> list[int]:
    """Where each character of a replacement came from: the same place when the length did not
    change (a letter mapped), the kept characters when some were dropped, else the start."""
    if len(new) == len(old):
        return offsets
    kept: list[int] = []
    index = 0
    for ch in new:
        while index < len(old) and old[index] != ch:
            index += 1
        if index == len(old):
            return [offsets[0]] * len(new)
        kept.append(offsets[index])
        index += 1
    return kept


def _has_letter(token: str) -> bool:
    return any(map(str.isalpha, token))


def _map_letters(word: str) -> str:
    has_cyrillic = _CYRILLIC.search(word) is not None
    if has_cyrillic and _LATIN.search(word):
        word = word.translate(_LATIN_TO_CYRILLIC)
    if not any(map(str.isdigit, word)) or not _has_letter(word):
        return word
    return word.translate(_DIGITS_CYRILLIC if has_cyrillic else _DIGITS_LATIN)
