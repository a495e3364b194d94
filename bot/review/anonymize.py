"""Personal data in buyer text, found and replaced by placeholders before anyone reviews it.

Review files leave the bot (spreadsheets, pull requests, `nlu/`), so every buyer text in them is
masked: phones, e-mails and messenger handles with the guard's own contact detectors (the same
ones that stop them in outgoing replies), card numbers, names a buyer introduces ("меня зовут
Ольга", "my name is ...") and street addresses ("ул. Ленина, д. 5, кв. 12") with the patterns
below. `ozonbot review import` runs the same detectors to refuse examples that still hold any.

The placeholders (`<phone>`, `<email>`, ...) contain no letters a detector could match, so a
masked text passes; a model trained on them learns "a phone was here", which is what matters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.guard.contacts import LinkFinder, handles, phones
from bot.guard.normalize import fold
from bot.guard.spans import Span


class PersonalKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    HANDLE = "handle"
    CARD = "card"
    NAME = "name"
    ADDRESS = "address"

    @property
    def placeholder(self) -> str:
        return f"<{self.value}>"


@dataclass(frozen=True, slots=True)
class PersonalSpan:
    kind: PersonalKind
    start: int
    end: int


# 16 to 19 digits in groups of four (or unbroken); posting numbers (8-4-1) never fit the groups.
_CARD = re.compile(r"(?<![\d-])\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?(?![\d-])")
# Profile links of messengers and social networks are handles written as a link.
_PROFILE = re.compile(
    r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|wa\.me|vk\.com|instagram\.com|ok\.ru)/[\w.+-]+"
)
# A name is what follows an introduction. Buyers often write in lower case, so after the
# unambiguous openers any word counts; after "получатель" / a signature only a capitalised one.
_INTRO_ANY_CASE = re.compile(
    r"(?:\bменя\s+зовут|\bзовут\s+меня|\bмо[её]\s+(?:имя|фамилия|фио)|\bмоя\s+фамилия"
    r"|\bфио|\bmy\s+name\s+is|\bmy\s+name's|\bi'm\s+called)\s*[:,—-]?\s*",
    re.IGNORECASE,
)
_INTRO_CAPITALISED = re.compile(
    r"(?:\bполучател[ьяю]|\bс\s+уважением|\bregards|\bsincerely)\s*[:,—-]?\s*", re.IGNORECASE
)
_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*")
_NEXT_WORD = re.compile(r"[ \t]+([^\W\d_][^\W\d_'’-]*)")
# A lower-case word after a name is part of it only when it looks like a Russian surname or
# patronymic ("иван петров", "анна сергеевна"); "иван где" stops at "где".
_SURNAME = re.compile(r"\w+(?:ов|ев|ёв|ин|ын|ова|ева|ёва|ина|ына|ский|ская|цкий|цкая|вич|вна|ична)")
_MAX_NAME_WORDS = 3
_HOUSE = r"(?:(?:д\.?|дом)\s*)?\d+(?:[а-я]\d*)?(?:/\d+)?"
_UNIT = r"(?:\s*,?\s*(?:корп\.?|корпус|к\.|стр\.?|строение|кв\.?|квартира|оф\.?|офис)\s*\d+[а-я]?)*"
_STREET = (
    r"(?:(?:ул|пр|просп|пер|наб|мкр|пл|ш|б-р|пр-т|пр-кт)\.|ул\s"
    r"|улиц[аеуы]|проспект\w*|переул\w*|шоссе|бульвар\w*|набережн\w*|микрорайон\w*|проезд\w*"
    r"|площад[ьи]|тупик\w*|аллея|аллее)"
)
# Folded text (lower case): "ул. ленина, д. 5, кв. 12", "проспект мира 10к2", "д. 5 кв. 12",
# "индекс 123456", "12 baker street, apt 3".
_ADDRESS = re.compile(
    rf"\b{_STREET}\s*[\w-]+(?:\s+[\w-]+){{0,2}}?,?\s*{_HOUSE}{_UNIT}"
    rf"|\b(?:д\.|дом)\s*\d+[а-я]?(?:/\d+)?\s*,?\s*(?:корп\.?\s*\d+\s*,?\s*)?(?:кв\.?|квартира)\s*\d+"
    r"|\bиндекс\s*:?\s*\d{6}\b|(?<!\d)\d{6},\s*(?:г\.|город)"
    r"|\b\d+\s+[a-z]+(?:\s+[a-z]+)?\s+(?:street|st\.|avenue|ave\.|road|rd\.|lane)"
    r"(?:,?\s*(?:apt\.?|apartment|flat)\s*\d+)?"
)


@dataclass(frozen=True, slots=True)
class Anonymizer:
    links: LinkFinder

    @classmethod
    def load(cls) -> Anonymizer:
        """Compile the guard's link and e-mail patterns (a few milliseconds; no morphology)."""
        return cls(LinkFinder.load())

    def find(self, text: str) -> tuple[PersonalSpan, ...]:
        """Personal data in `text`, as non-overlapping spans in order (longest wins)."""
        folded = fold(text)
        found = [
            *_spans(PersonalKind.CARD, [m.span() for m in _CARD.finditer(folded)]),
            *_spans(PersonalKind.PHONE, phones(folded)),
            *_spans(PersonalKind.EMAIL, self.links.emails(folded)),
            *_spans(PersonalKind.HANDLE, handles(folded)),
            *_spans(PersonalKind.HANDLE, [m.span() for m in _PROFILE.finditer(folded)]),
            *_spans(PersonalKind.ADDRESS, [m.span() for m in _ADDRESS.finditer(folded)]),
            *_spans(PersonalKind.NAME, names(text)),
        ]
        return _without_overlaps(found)

    def mask(self, text: str) -> str:
        """`text` with every piece of personal data replaced by its placeholder."""
        return mask_spans(text, self.find(text))

    def kinds(self, text: str) -> frozenset[PersonalKind]:
        return frozenset(span.kind for span in self.find(text))


def names(text: str) -> list[Span]:
    """Names a writer introduces: up to three words after "меня зовут", "my name is"..."""
    spans = [_name_after(text, m.end(), any_case=True) for m in _INTRO_ANY_CASE.finditer(text)]
    spans += [_name_after(text, m.end(), any_case=False) for m in _INTRO_CAPITALISED.finditer(text)]
    return [span for span in spans if span is not None]


def _name_after(text: str, start: int, *, any_case: bool) -> Span | None:
    first = _WORD.match(text, start)
    if first is None or not (any_case or first.group()[0].isupper()):
        return None
    end, count = first.end(), 1
    # Further words belong to the name when capitalised or shaped like a surname.
    while count < _MAX_NAME_WORDS and (following := _NEXT_WORD.match(text, end)):
        word = following.group(1)
        if not (word[0].isupper() or _SURNAME.fullmatch(word.lower())):
            break
        end, count = following.end(), count + 1
    return first.start(), end


def mask_spans(text: str, spans: tuple[PersonalSpan, ...]) -> str:
    parts, position = [], 0
    for span in spans:
        parts += [text[position : span.start], span.kind.placeholder]
        position = span.end
    parts.append(text[position:])
    return "".join(parts)


def _spans(kind: PersonalKind, spans: list[Span]) -> list[PersonalSpan]:
    return [PersonalSpan(kind, start, end) for start, end in spans if end > start]


def _without_overlaps(spans: list[PersonalSpan]) -> tuple[PersonalSpan, ...]:
    kept: list[PersonalSpan] = []
    for span in sorted(spans, key=lambda s: (s.start - s.end, s.start)):
        if all(span.end <= k.start or k.end <= span.start for k in kept):
            kept.append(span)
    return tuple(sorted(kept, key=lambda s: s.start))
