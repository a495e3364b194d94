"""The spam score: weighted signals of an unsolicited offer (see the header of lexicons/spam.yml).

A word list alone either misses spam ("Привет, нужен человек, пиши +") or flags buyers ("срочно,
нужен бесплатный подарочный пакет"). Spam is recognised by its shape: an offer of money, work or
adult content, a call to write somewhere else, a messenger link, disguised letters, a wall of
emoji, and how much the message reads like the spam the learned classifier was trained on
(`learned.SpamClassifier`). Each signal adds its weight once (a group of everyday signals adds
at most its cap); the message is spam when the sum reaches the threshold. The written signals'
weights are set by hand from what each signal means; the learned signal's two probability
cut-offs were chosen under cross-validation on the project's own examples (docs/spam.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.errors import ConfigError
from bot.guard.learned import SpamClassifier
from bot.guard.lexicon import LEXICON_DIR, Morphology, PhraseRule, read_yaml
from bot.guard.mechanical import EmojiTable
from bot.guard.normalize import disguised_words
from bot.guard.spans import Span

TAG_PREFIX = "spam:"
"""Phrase-book tag of a spam signal (`spam:<name>`): the inbound guard matches the signals in
the same pass as its other phrase rules."""
_WHERE = str(LEXICON_DIR / "spam.yml")
OFFER_WORDS = 3
"""Words of three or more characters it takes, outside a request for contacts, to offer
anything: "напишите мне в телеграм" leaves two ("напишите", "мне")."""
_OFFER_WORD = re.compile(r"\w{3,}")
CLASSIFIED_CHARS = 4000
"""The classifier reads a message's opening: spam says what it offers at once, and reading a
1 MB message whole cost a second of CPU."""


@dataclass(frozen=True, slots=True)
class Signal:
    """A phrase signal: its weight, and the group whose cap bounds it ("" for none)."""

    weight: float
    group: str


@dataclass(frozen=True, slots=True)
class Counted:
    """A signal found by code: `per_item` for each occurrence after the first `free` ones (a
    smiley, a slip of the keyboard layout are ordinary), at most `cap`."""

    free: int
    per_item: float
    cap: float

    def weight(self, count: int) -> float:
        return min(self.cap, self.per_item * max(0, count - self.free))


@dataclass(frozen=True, slots=True)
class Learned:
    """The classifier's verdict as a signal: a probability of `full` or more weighs `weight`
    (spam on its own), of `half` or more half of it (one more half signal makes spam)."""

    half: float
    full: float
    weight: float

    def weigh(self, probability: float) -> float:
        if probability >= self.full:
            return self.weight
        return self.weight / 2 if probability >= self.half else 0.0


@dataclass(frozen=True, slots=True)
class SpamModel:
    threshold: float
    signals: Mapping[str, Signal]
    group_caps: Mapping[str, float]
    disguised: Counted
    emoji: Counted
    emoji_table: EmojiTable
    learned: Learned
    classifier: SpamClassifier
    contact_signals: frozenset[str]
    """Signals that only say "write to me elsewhere" (lexicons/spam.yml `contact_signals`)."""

    @classmethod
    def load(cls, emoji_table: EmojiTable, classifier: SpamClassifier) -> SpamModel:
        data = read_yaml("spam.yml")
        caps = _mapping(data, "groups")
        signals = {
            name: Signal(_number(entry, "weight"), str(entry.get("group", "")))
            for name, entry in _entries(data)
        }
        if unknown := {s.group for s in signals.values() if s.group} - caps.keys():
            raise ConfigError(_WHERE, f"signals name undefined groups: {sorted(unknown)}")
        counted = _mapping(data, "counted")
        threshold = _number(data, "threshold")
        return cls(
            threshold=threshold,
            signals=signals,
            group_caps={group: _number(caps, group) for group in caps},
            disguised=_counted(counted, "disguised_words"),
            emoji=_counted(counted, "emoji"),
            emoji_table=emoji_table,
            learned=_learned(_mapping(data, "learned"), threshold),
            classifier=classifier,
            contact_signals=_contact_signals(data, signals.keys()),
        )

    @staticmethod
    def phrase_rules(morphology: Morphology) -> list[tuple[str, PhraseRule]]:
        """The phrase signals as tagged rules for the inbound guard's phrase book."""
        return [
            (TAG_PREFIX + name, PhraseRule.from_mapping(entry, morphology, f"{_WHERE}:{name}"))
            for name, entry in _entries(read_yaml("spam.yml"))
        ]

    def spans(
        self,
        text: str,
        folded: str,
        phrases: Mapping[str, list[Span]],
        *,
        contacts: Sequence[Span] = (),
    ) -> list[Span]:
        """Evidence of spam in `text` (the spans of every signal found; the whole text when only
        the classifier spoke), or [] below threshold.

        `phrases` are the phrase book's spans by tag (only `spam:` tags are read); `folded` is
        `fold(text)`, before look-alike letters are mapped. The cheap signals come first: the
        classifier and the emoji only run while they can still make a difference.

        `contacts`: what the contacts detector found (a phone, a handle, "телеграм"). The
        classifier judges the text without them and without the contact signals: what is
        offered, not the request to talk elsewhere, which it learned as the call to action of
        offers; with fewer than `OFFER_WORDS` words left, nothing is offered and it is not asked.
        A bare "пишите в телеграм @olga" is then a contact request (the buyer gets the "we talk
        only in Ozon chat" answer), "выведем ваш магазин в топ, пишите в телеграм" still spam."""
        found = {
            tag.removeprefix(TAG_PREFIX): spans
            for tag, spans in phrases.items()
            if tag.startswith(TAG_PREFIX) and spans
        }
        evidence = _flatten(found.values())
        score = self.score(found)
        if score < self.threshold:
            disguised = disguised_words(folded)
            score += self.disguised.weight(len(disguised))
            evidence += disguised
        if score < self.threshold:
            contact_spans = [*contacts, *_flatten(found.get(n, []) for n in self.contact_signals)]
            offer = _blank(text, contact_spans) if contact_spans else text
            if len(_OFFER_WORD.findall(offer)) >= OFFER_WORDS:
                score += self.learned.weigh(self.classifier.probability(offer[:CLASSIFIED_CHARS]))
        if self.threshold - self.emoji.cap <= score < self.threshold:
            emoji = self.emoji_table.spans(text)
            score += self.emoji.weight(len(emoji))
            evidence += emoji
        if score < self.threshold:
            return []
        return evidence or [(0, len(text))]

    def score(self, names: Iterable[str]) -> float:
        """The weight of the phrase signals `names`, each group bounded by its cap."""
        total = 0.0
        grouped: dict[str, float] = {}
        for name in names:
            signal = self.signals[name]
            if signal.group:
                grouped[signal.group] = grouped.get(signal.group, 0.0) + signal.weight
            else:
                total += signal.weight
        return total + sum(min(self.group_caps[g], w) for g, w in grouped.items())


def _flatten(groups: Iterable[list[Span]]) -> list[Span]:
    return [span for spans in groups for span in spans]


def _blank(text: str, spans: Iterable[Span]) -> str:
    """`text` with the characters of `spans` made spaces."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _entries(data: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    entries = data.get("signals")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(_WHERE, "'signals' must be a list of {name, weight, patterns}")
    names = [str(e.get("name", "")) for e in entries]
    if "" in names or len(set(names)) != len(names):
        raise ConfigError(_WHERE, "every signal needs a name of its own")
    return list(zip(names, entries, strict=True))


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ConfigError(_WHERE, f"{key!r} must be a mapping")
    return value


def _learned(data: Mapping[str, Any], threshold: float) -> Learned:
    half, full = _number(data, "half"), _number(data, "full")
    if not 0 < half <= full <= 1:
        raise ConfigError(_WHERE, "learned: need 0 < half <= full <= 1 (probabilities)")
    return Learned(half, full, threshold)


def _contact_signals(data: Mapping[str, Any], names: Iterable[str]) -> frozenset[str]:
    listed = data.get("contact_signals")
    if not isinstance(listed, list) or not all(isinstance(n, str) for n in listed):
        raise ConfigError(_WHERE, "'contact_signals' must be a list of signal names")
    if unknown := set(listed) - set(names):
        raise ConfigError(_WHERE, f"contact_signals names undefined signals: {sorted(unknown)}")
    return frozenset(listed)


def _counted(data: Mapping[str, Any], name: str) -> Counted:
    entry = _mapping(data, name)
    return Counted(int(_number(entry, "free")), _number(entry, "per_item"), _number(entry, "cap"))


def _number(data: Mapping[str, Any], key: str) -> float:
    value = data.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise ConfigError(_WHERE, f"{key!r} must be a non-negative number")
    return float(value)
