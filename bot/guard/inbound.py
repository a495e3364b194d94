"""Detectors on buyer text, run before Rasa sees it (flags: `bot.models.InboundFlag`).

They share the normaliser and the lexicons with the outbound check, with two differences that
follow from who is writing. A buyer's "мошенники!" is an insult to the seller even when no "вы"
points at anyone (outbound, a seller may warn about scammers). And swearing at the situation is
profanity, not an insult: "пиздец, опять задержка" flags `profanity` only; "блин" flags nothing.

Threats and rude dismissals ("убью", "морду набить", "заткнитесь", lexicons/threats.yml) flag
`insult` on both sides. Spam is a score over weighted signals (`spam.SpamModel`), not a word
list: what a buyer also writes ("бесплатная доставка", "срочно", "бонусы") never makes spam alone.
One signal is a classifier trained by `make train` on the project's examples and on the Rasa
NLU data (`learned`); loading a guard only reads its arrays (`models/guard/spam.npz`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.guard.contacts import LinkFinder, handles, phones
from bot.guard.learned import MODEL_DIR, SpamClassifier
from bot.guard.lexicon import Morphology, PhraseBook, PhraseRule
from bot.guard.mechanical import EmojiTable
from bot.guard.normalize import GUARDED_CHARS, deobfuscate, fold, phrase_text
from bot.guard.obscene import ObsceneMatcher
from bot.guard.spam import TAG_PREFIX as SPAM_TAG
from bot.guard.spam import SpamModel
from bot.guard.spans import Span, merge_spans
from bot.guard.types import InboundHit, Inspection, Request
from bot.models import InboundFlag

Hit = tuple[InboundFlag, Span]
REQUEST_TAG = "request:"
"""Phrase-book tag of a substantive request (`request:<kind>`, lexicons/requests.yml)."""
REQUEST_KINDS = ("money", "defect", "wrong_item", "delivery", "order", "ask")
DEFAULT_NLU_DIR = Path("nlu")
"""Kept for callers that still pass `nlu_dir`: the spam model no longer reads it at start."""


@dataclass(frozen=True, slots=True)
class InboundGuard:
    obscene: ObsceneMatcher
    links: LinkFinder
    phrases: PhraseBook[str]
    """Contacts, legal threats, threats and spam signals; tagged with the flag's value, spam
    signals `spam:<name>` (scored by `spam`)."""
    spam: SpamModel

    @classmethod
    def load(
        cls,
        morphology: Morphology | None = None,
        nlu_dir: Path = DEFAULT_NLU_DIR,
        model_dir: Path = MODEL_DIR,
    ) -> InboundGuard:
        """Compile the lexicons and load the spam model `make train` wrote to `model_dir`:
        build once, reuse for every text. `nlu_dir` is not read any more (the model was
        trained on it); it stays a parameter until every caller drops it."""
        del nlu_dir
        morphology = morphology or Morphology()
        rules: list[tuple[str, PhraseRule]] = [
            (InboundFlag.CONTACTS.value, PhraseRule.from_file("contacts.yml", morphology, section))
            for section in ("messengers", "offers", "addresses", "inbound")
        ]
        rules.append(
            (InboundFlag.LEGAL_THREAT.value, PhraseRule.from_file("legal.yml", morphology))
        )
        rules.append((InboundFlag.INSULT.value, PhraseRule.from_file("threats.yml", morphology)))
        rules += SpamModel.phrase_rules(morphology)
        rules += [
            (REQUEST_TAG + kind, PhraseRule.from_file("requests.yml", morphology, kind))
            for kind in REQUEST_KINDS
        ]
        spam = SpamModel.load(EmojiTable.load(), SpamClassifier.load(model_dir))
        return cls(ObsceneMatcher.load(morphology), LinkFinder.load(), PhraseBook(rules), spam)

    def inspect(self, text: str) -> Inspection:
        """The flags (and requests) of `text`; a text longer than `GUARDED_CHARS` is inspected
        on its opening, so a 1 MB message costs what a long one does."""
        if len(text) > GUARDED_CHARS:
            opening = self._inspect(text[:GUARDED_CHARS])
            return Inspection(text, opening.hits, opening.requests)
        return self._inspect(text)

    def _inspect(self, text: str) -> Inspection:
        folded = fold(text)
        phrases = self.phrases.spans(phrase_text(folded))
        hits = [
            *self._abuse(text, folded),
            *self._contacts(folded),
            *((InboundFlag.EXTERNAL_LINK, s) for s in self.links.links(folded)),
            *_phrase_hits(phrases),
        ]
        contacts = [span for flag, span in hits if flag is InboundFlag.CONTACTS]
        spam = self.spam.spans(text, folded, phrases, contacts=contacts)
        hits += [(InboundFlag.SPAM, span) for span in spam]
        return Inspection(text, inbound_hits(text, hits), _requests(text, phrases))

    def _abuse(self, text: str, folded: str) -> Iterable[Hit]:
        view = deobfuscate(folded)
        obscene = self.obscene.obscene(view)
        for span in obscene.profane:
            yield InboundFlag.PROFANITY, view.original_span(*span)
        insults = obscene.insulting + self.obscene.insulting_words(view, text, accusations=True)
        for span in insults:
            yield InboundFlag.INSULT, view.original_span(*span)

    def _contacts(self, folded: str) -> Iterable[Hit]:
        spans = [*phones(folded), *self.links.emails(folded), *handles(folded)]
        return ((InboundFlag.CONTACTS, s) for s in spans)


def _phrase_hits(phrases: dict[str, list[Span]]) -> list[Hit]:
    """Flag hits from the phrase rules tagged with a flag (spam signals are scored apart,
    requests are not flags)."""
    return [
        (InboundFlag(tag), s)
        for tag, spans in phrases.items()
        if not tag.startswith((SPAM_TAG, REQUEST_TAG))
        for s in spans
    ]


def _requests(text: str, phrases: dict[str, list[Span]]) -> tuple[Request, ...]:
    """The buyer's substantive requests, merged per kind, in text order."""
    found = [
        Request(tag.removeprefix(REQUEST_TAG), start, end, text[start:end])
        for tag, spans in phrases.items()
        if tag.startswith(REQUEST_TAG)
        for start, end in merge_spans(spans)
    ]
    return tuple(sorted(found, key=lambda r: (r.start, r.end, r.kind)))


def inbound_hits(text: str, hits: Iterable[Hit]) -> tuple[InboundHit, ...]:
    """Hits merged per flag where they overlap, ordered by position, with their fragments."""
    by_flag: dict[InboundFlag, list[Span]] = {}
    for flag, span in hits:
        by_flag.setdefault(flag, []).append(span)
    found = [
        InboundHit(flag, start, end, text[start:end])
        for flag, spans in by_flag.items()
        for start, end in merge_spans(spans)
    ]
    return tuple(sorted(found, key=lambda h: (h.start, h.end, h.flag.value)))
