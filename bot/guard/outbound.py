"""The check of every text that leaves towards a buyer, written by the bot or typed by staff.

Ozon disables a seller's chat, or blocks the shop, for breaking its communication rules (the
seeds in shared/seeds, summarised in ARCHITECTURE.md "Outbound rule ids"). `OutboundGuard.check`
reports every hit with its rule and its span in the original text; nothing is sent while a
violation stands. `suggest_fix` offers staff a corrected text when only form is wrong (capitals,
punctuation, emoji); it is never applied without a person confirming it.

Rudeness without a swear word ("вы хоть описание читали?", "это курьеры озона всё разбили") is
found twice: by phrase lexicons (insults.yml, threats.yml, rudeness_phrases.yml,
ozon_negative.yml) and by a learned classifier over words and stems (`rudeness.RudenessModel`,
trained by `make train`); either one makes a violation, and each points at its fragment.

Load once (`OutboundGuard.load()`, ~0.5 s: pymorphy3, the lexicons, the model's arrays) and
reuse: a check of a 200-character text takes well under a millisecond.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.guard.contacts import LinkFinder, card_numbers, handles, phones
from bot.guard.learned import MODEL_DIR
from bot.guard.lexicon import Morphology, PhraseBook, PhraseRule
from bot.guard.mechanical import Mechanical
from bot.guard.normalize import GUARDED_CHARS, deobfuscate, fold, phrase_text
from bot.guard.obscene import ObsceneMatcher
from bot.guard.rudeness import RudenessModel
from bot.guard.spans import Span, merge_spans
from bot.guard.types import CheckResult, Violation
from bot.models import MECHANICAL_RULES, Rule

Hit = tuple[Rule, Span]

_PHRASE_FILES = (
    (Rule.CANCEL_REQUEST, "cancel.yml", ""),
    (Rule.COMPETITOR, "competitor.yml", ""),
    (Rule.OZON_NEGATIVE, "ozon_negative.yml", ""),
    (Rule.SUPERLATIVE, "superlative.yml", ""),
    (Rule.PERSONAL_DATA, "personal_data.yml", ""),
    (Rule.CONTACTS, "contacts.yml", "messengers"),
    (Rule.CONTACTS, "contacts.yml", "offers"),
    (Rule.CONTACTS, "contacts.yml", "addresses"),
    (Rule.INSULT, "threats.yml", ""),
    (Rule.INSULT, "rude.yml", ""),
    (Rule.PROFANITY, "euphemisms.yml", ""),
)


@dataclass(frozen=True, slots=True)
class OutboundGuard:
    obscene: ObsceneMatcher
    links: LinkFinder
    mechanical: Mechanical
    phrases: PhraseBook[Rule]
    rudeness: RudenessModel

    @classmethod
    def load(
        cls, morphology: Morphology | None = None, model_dir: Path = MODEL_DIR
    ) -> OutboundGuard:
        """Compile the lexicons and load the rudeness model `make train` wrote to `model_dir`
        (the slow part): build once, reuse for every text."""
        morphology = morphology or Morphology()
        phrases = PhraseBook(
            [
                (rule, PhraseRule.from_file(name, morphology, section))
                for rule, name, section in _PHRASE_FILES
            ]
        )
        return cls(
            ObsceneMatcher.load(morphology),
            LinkFinder.load(),
            Mechanical.load(),
            phrases,
            RudenessModel.load(model_dir),
        )

    def check(self, text: str) -> CheckResult:
        """Every violation in `text`; a text longer than `GUARDED_CHARS` is checked on its
        opening (Ozon takes 1,000 characters a message: such a text is refused anyway)."""
        if len(text) > GUARDED_CHARS:
            return CheckResult(text, self._check(text[:GUARDED_CHARS]).violations)
        return self._check(text)

    def _check(self, text: str) -> CheckResult:
        folded = fold(text)
        view = phrase_text(folded)
        # One list of spans per rule, filled in place: this runs on every outgoing text.
        found = self.phrases.spans(view)
        self._abuse(text, folded, found)
        for rule, spans in self.rudeness.spans(view).items():
            _extend(found, rule, spans)
        _unquoted_insults(folded, found)
        _extend(found, Rule.CONTACTS, phones(folded))
        _extend(found, Rule.CONTACTS, self.links.emails(folded))
        _extend(found, Rule.CONTACTS, handles(folded))
        _extend(found, Rule.PERSONAL_DATA, card_numbers(folded))
        _extend(found, Rule.EXTERNAL_LINK, self.links.links(folded))
        _extend(found, Rule.CAPS, self.mechanical.caps(text))
        _extend(found, Rule.PUNCTUATION, self.mechanical.punctuation(text))
        _extend(found, Rule.EMOJI, self.mechanical.emojis(text))
        return CheckResult(text, _violations(text, found))

    def suggest_fix(self, text: str, result: CheckResult) -> str | None:
        """The text with capitals, punctuation and emoji corrected, if that is all that is wrong
        and the corrected text passes; otherwise None. Staff confirm it before it is sent."""
        if result.ok or not result.rules <= MECHANICAL_RULES:
            return None
        spans = {
            rule: [(v.start, v.end) for v in result.violations if v.rule is rule]
            for rule in MECHANICAL_RULES
        }
        fixed = self.mechanical.fix(
            text, spans[Rule.CAPS], spans[Rule.PUNCTUATION], spans[Rule.EMOJI]
        )
        if not fixed or fixed == text or not self.check(fixed).ok:
            return None
        return fixed

    def _abuse(self, text: str, folded: str, found: dict[Rule, list[Span]]) -> None:
        view = deobfuscate(folded)
        obscene = self.obscene.obscene(view)
        profane = [view.original_span(*span) for span in obscene.profane]
        insults = obscene.insulting + self.obscene.insulting_words(view, text, accusations=False)
        _extend(found, Rule.PROFANITY, profane + self.obscene.dotted(folded))
        _extend(found, Rule.INSULT, [view.original_span(*span) for span in insults])


def _unquoted_insults(folded: str, found: dict[Rule, list[Span]]) -> None:
    """Drop insults that lie wholly inside quotation marks: a shop may quote what the buyer
    wrote ("Вы пишете «вы мошенники» — понимаем, что вы расстроены")."""
    insults = found.get(Rule.INSULT)
    if not insults or not any(mark in folded for mark in _QUOTE_MARKS):
        return
    quoted = [m.span() for m in _QUOTED.finditer(folded)]
    kept = [s for s in insults if not any(a <= s[0] and s[1] <= b for a, b in quoted)]
    if kept:
        found[Rule.INSULT] = kept
    else:
        del found[Rule.INSULT]


_QUOTE_MARKS = '«“„"'
# Bounded lengths: a quote is a phrase, and the pattern stays linear on any input.
_QUOTED = re.compile(r'«[^«»\n]{1,120}»|[“„][^“”„\n]{1,120}[”“]|"[^"\n]{1,120}"')


def _extend(found: dict[Rule, list[Span]], rule: Rule, spans: list[Span]) -> None:
    if spans:
        found.setdefault(rule, []).extend(spans)


def violations(text: str, hits: Iterable[Hit]) -> tuple[Violation, ...]:
    """Hits merged per rule where they overlap, ordered by position, with their fragments."""
    by_rule: dict[Rule, list[Span]] = {}
    for rule, span in hits:
        by_rule.setdefault(rule, []).append(span)
    return _violations(text, by_rule)


def _violations(text: str, by_rule: dict[Rule, list[Span]]) -> tuple[Violation, ...]:
    found = [
        Violation(rule, start, end, text[start:end])
        for rule, spans in by_rule.items()
        for start, end in merge_spans(spans)
    ]
    return tuple(sorted(found, key=lambda v: (v.start, v.end, v.rule.value)))
