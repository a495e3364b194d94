"""Profanity and insults, shared by the outbound check and the inbound detectors.

Works on the deobfuscated view (`normalize.deobfuscate`): obscene roots are regexes from
`lexicons/obscene.yml`; insults are whole words from `lexicons/insults.yml`, Russian lemmas
expanded to every form once at load time. Masked words (п*здец, бл@дь, f*ck) are tried with
the letters people usually hide; a word with more masks than that ("п****ц") is compared, by
its shape, with the forms of obscene.yml's `masked_ru` and `masked_en`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from itertools import product

from bot.errors import ConfigError
from bot.guard.gate import Gate, GatedSet, parse_gate
from bot.guard.lexicon import LEXICON_DIR, Morphology, gated_sources, read_yaml, string_list
from bot.guard.normalize import Normalized, mask_positions, masked_words, squeeze
from bot.guard.spans import Span

_WORD = re.compile(r"\S+")
_FILL_CYRILLIC = "аеиоуяюйыбдлзхпс"
_FILL_LATIN = "aeiouys"  # "s": a**hole
_MAX_MASKS = 2
MAX_MASKED_WORDS = 64
"""Masked words tried per text: each costs up to a few hundred root scans, and a message with
more of them ("info@x.ru" 40,000 times) is not a message a person wrote; the first ones tell."""
# A short word with one to three dots inside for letters ("х.й", "п.здец", "ох..ли"): bounded
# pieces, so the pattern is linear and sentences glued by a full stop ("спасибо.хорошего")
# are not tried.
_DOTTED = re.compile(r"(?<![\w.])[а-яa-z]{1,5}(?:\.{1,3}[а-яa-z]{1,5}){1,2}(?![\w])")
# Punctuation that ends a sentence: "спасибо вам. коза на фото" is not aimed at anyone.
_SENTENCE_END = frozenset(".!?;\n")
# Speaking to someone: "ты" in any form, or "вы" (the buyer's and the seller's usual address).
_SECOND_PERSON = re.compile(r"\b(?:ты|тебя|тебе|тобой|вы|вас|вам|вами|you)\b")
_INFORMAL = re.compile(r"\b(?:ты|тебя|тебе|тобой)\b")


class Kind(Enum):
    """What a root pattern finds: an obscene word, one that also names a person, an insult."""

    PROFANE = "profane"
    PROFANE_INSULT = "profane_insult"
    INSULT = "insult"


class Strength(Enum):
    """How an insulting word counts (see the header of lexicons/insults.yml)."""

    ALWAYS = "always"
    DIRECTED = "directed"
    ACCUSATION = "accusation"


@dataclass(frozen=True, slots=True)
class InsultWords:
    words: dict[str, Strength]
    directed_before: frozenset[str]

    @classmethod
    def load(cls, morphology: Morphology) -> InsultWords:
        data = read_yaml("insults.yml")
        where = str(LEXICON_DIR / "insults.yml")
        words: dict[str, Strength] = {}
        for strength in Strength:
            for lemma in string_list(data, f"{strength.value}_ru", where):
                words.update(dict.fromkeys(map(squeeze, morphology.forms(lemma)), strength))
            for word in string_list(data, f"{strength.value}_en", where):
                words[squeeze(word)] = strength
        markers = frozenset(squeeze(w) for w in string_list(data, "directed_before", where))
        return cls(words, markers)


@dataclass(frozen=True, slots=True)
class ObsceneHits:
    """View spans of obscene words, and those of them that also name a person."""

    profane: list[Span]
    insulting: list[Span]


@dataclass(frozen=True, slots=True)
class ObsceneMatcher:
    roots: GatedSet[Kind]
    """Obscene roots (obscene.yml) and insult stems (insults.yml `stems`)."""
    insults: InsultWords
    masked_forms: dict[int, tuple[str, ...]]
    """Obscene word forms by length, for words with more masks than can be filled."""

    @classmethod
    def load(cls, morphology: Morphology) -> ObsceneMatcher:
        roots = _obscene_roots() + _insult_stems()
        return cls(GatedSet.of(roots), InsultWords.load(morphology), _masked_forms(morphology))

    def obscene(self, view: Normalized) -> ObsceneHits:
        """Obscene words and insult stems in the view, masked words (п*здец) included."""
        hits = ObsceneHits([], [])
        for kind, match in self.roots.finditer(view.text):
            if kind is not Kind.INSULT:
                hits.profane.append(match.span())
            if kind is not Kind.PROFANE:
                hits.insulting.append(match.span())
        masked = masked_words(view)[:MAX_MASKED_WORDS]
        hits.profane.extend(s for s in masked if self._unmasks(view.text[s[0] : s[1]]))
        return hits

    def dotted(self, folded: str) -> list[Span]:
        """Spans of `folded` where dots stand for the letters of an obscene word ("х.й",
        "п.здец", "ох..ли"): each dot is tried as a hidden letter. Abbreviations ("т.е.",
        "т.к.") and domains fill to nothing obscene."""
        if "." not in folded:
            return []
        candidates = itertools.islice(_DOTTED.finditer(folded), MAX_MASKED_WORDS)
        return [
            match.span()
            for match in candidates
            if match.group().count(".") <= _MAX_MASKS + 1
            and self._unmasks(match.group().replace(".", "*"))
        ]

    def insulting_words(self, view: Normalized, original: str, *, accusations: bool) -> list[Span]:
        """View spans of insults; `accusations` counts мошенник/вор even when not aimed."""
        if self.insults.words.keys().isdisjoint(view.text.split()):
            return []
        tokens = [m.span() for m in _WORD.finditer(view.text)]
        return [
            tokens[i]
            for i, strength in self._strengths(view.text, tokens)
            if strength is Strength.ALWAYS
            or (strength is Strength.ACCUSATION and accusations)
            or self._aimed(view, original, tokens, i)
        ]

    def _strengths(self, text: str, tokens: list[Span]) -> Iterator[tuple[int, Strength]]:
        for index, (start, end) in enumerate(tokens):
            strength = self.insults.words.get(text[start:end])
            if strength is not None:
                yield index, strength

    def _aimed(self, view: Normalized, original: str, tokens: list[Span], index: int) -> bool:
        """A directed word counts after a marker ("вы козлы"), before ты/вы ("козёл ты"), or as
        a form of address (`_addressed`)."""
        return self._next_to_marker(view, original, tokens, index) or _addressed(
            original, *view.original_span(*tokens[index])
        )

    def _next_to_marker(
        self, view: Normalized, original: str, tokens: list[Span], index: int
    ) -> bool:
        text = view.text
        for other in (index - 1, index - 2, index + 1):
            if not 0 <= other < len(tokens) or _sentence_between(
                view, original, tokens, index, other
            ):
                continue
            word = text[tokens[other][0] : tokens[other][1]]
            if other < index and word in self.insults.directed_before:
                return True
            if other > index and word in ("ты", "вы", "you"):
                return True
        return False

    def _unmasks(self, word: str) -> bool:
        masks = mask_positions(word)
        if len(masks) > _MAX_MASKS:
            hidden = frozenset(masks)
            return any(_fits(word, form, hidden) for form in self.masked_forms.get(len(word), ()))
        letters = _FILL_CYRILLIC if re.search("[а-я]", word) else _FILL_LATIN
        for fill in product(letters, repeat=len(masks)):
            candidate = list(word)
            for position, letter in zip(masks, fill, strict=True):
                candidate[position] = letter
            found = self.roots.finditer(squeeze("".join(candidate)))
            if any(kind is not Kind.INSULT for kind, _ in found):
                return True
        return False


def _fits(word: str, form: str, hidden: frozenset[int]) -> bool:
    """Whether `form` has the letters `word` shows, wherever `word` is not masked."""
    pairs = enumerate(zip(word, form, strict=True))  # forms are looked up by the word's length
    return all(i in hidden or ch == letter for i, (ch, letter) in pairs)


def _addressed(original: str, start: int, end: int) -> bool:
    """The word at `start:end` is a form of address: alone between a comma and the end of its
    sentence (or between the sentence start and a comma), in a sentence that speaks to someone
    ("что ты там пишешь, клоун?"); or it ends a sentence that says "ты" ("куда ты лезешь шизик?").
    A shop's "Вам пришла игрушка коза?" passes: no comma, and "вам" is not "ты"."""
    left = original[:start].rstrip()[-1:] or "."
    right = original[end:].lstrip()[:1] or "."
    sentence = _sentence_around(original, start, end).lower()
    if "," in (left, right) and {left, right} <= _SENTENCE_END | {","}:
        return _SECOND_PERSON.search(sentence) is not None
    return right in _SENTENCE_END and _INFORMAL.search(sentence) is not None


def _sentence_around(original: str, start: int, end: int) -> str:
    first = max(original.rfind(ch, 0, start) for ch in _SENTENCE_END) + 1
    lasts = [i for i in (original.find(ch, end) for ch in _SENTENCE_END) if i >= 0]
    return original[first : min(lasts, default=len(original))]


def _sentence_between(view: Normalized, original: str, tokens: list[Span], a: int, b: int) -> bool:
    first, second = sorted((a, b))
    gap_start = view.original_span(*tokens[first])[1]
    gap_end = view.original_span(*tokens[second])[0]
    return any(ch in _SENTENCE_END for ch in original[gap_start:gap_end])


Root = tuple[Kind, re.Pattern[str], Gate]


def _obscene_roots() -> list[Root]:
    data = read_yaml("obscene.yml")
    where = str(LEXICON_DIR / "obscene.yml")
    entries = data.get("profanity")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(where, "'profanity' must be a list of {re, gate, insult} entries")
    return [
        (
            Kind.PROFANE_INSULT if e.get("insult") else Kind.PROFANE,
            _compile(str(e["re"]), where),
            _gate(e.get("gate"), where),
        )
        for e in entries
    ]


def _gate(value: object, where: str) -> Gate:
    """A gate over the deobfuscated view: its literals written the way the view writes words."""
    return parse_gate(value, squeeze, where)


def _masked_forms(morphology: Morphology) -> dict[int, tuple[str, ...]]:
    data = read_yaml("obscene.yml")
    where = str(LEXICON_DIR / "obscene.yml")
    forms = {
        squeeze(form)
        for lemma in string_list(data, "masked_ru", where)
        for form in morphology.forms(lemma) | {lemma}
    }
    forms |= {squeeze(word) for word in string_list(data, "masked_en", where)}
    by_length: dict[int, list[str]] = {}
    for form in sorted(forms):
        by_length.setdefault(len(form), []).append(form)
    return {length: tuple(found) for length, found in by_length.items()}


def _insult_stems() -> list[Root]:
    where = str(LEXICON_DIR / "insults.yml")
    stems = gated_sources(read_yaml("insults.yml"), "stems", where)
    return [(Kind.INSULT, _compile(stem, where), _gate(gate, where)) for stem, gate in stems]


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ConfigError(where, f"bad pattern: {exc}") from exc
