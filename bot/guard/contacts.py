"""Phones, e-mails, @handles and links: the contact details a regex word list cannot express.

All functions take the folded text (`normalize.fold`: same indices as the original) and return
spans. They are written against the shop language around them: posting numbers
(57195475-0050-3, 9121072335-0187-1), SKUs (1234567890), prices (1 299 ₽), sizes (42-44),
dates (25.11.2026), times (10:00–19:00), "т.е.", "и т.д." and ozon.ru never match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.guard.gate import trie_regex
from bot.guard.lexicon import read_yaml, string_list
from bot.guard.spans import Span, merge_spans

_PHONE = re.compile(
    r"""
    (?<![\w+/.,:-])                                 # not glued to a number, a word or a URL
    (?:
        \+\s?\d{1,3}(?:[\s.-]?\(?\d+\)?){2,6}      # +7 999 123-45-67, +375 29 123-45-67
      | 8\s?\(\d{3}\)\s?(?:[\s.-]?\d){7}          # 8 (999) 123 45 67
      | 8[\s-]\d{3}(?:[\s.-]?\d){7}               # 8 999 123-45-67
      | [78]\d{10}                                  # 89991234567
      | [78]\d{3}[\s.-]\d{3}[\s.-]?\d{2}[\s.-]?\d{2}   # 8999 123 45 67
      | \(\d{3}\)\s?\d{3}[\s-]?\d{2}[\s-]?\d{2}    # (999) 123-45-67
      | 9\d{2}[\s-]\d{3}[\s-]?\d{2}[\s-]?\d{2}     # 999 123-45-67
      | (?:\d(?:\s?-\s?|\s)){9,12}\d                # 8 9 9 9 1 2 3 4 5 6 7, 8 9 9 9 - 1 2 3
    )
    (?!\w|[-.,]\d)
    """,
    re.VERBOSE,
)
# Every phone above is a run of ten or more digits, brackets, "+", spaces, dots and dashes.
_PHONE_GATE = re.compile(r"[\d(+][\d\s().+-]{8,}\d")
_MIN_PHONE_DIGITS, _MAX_PHONE_DIGITS = 10, 13
_CARD = re.compile(
    r"(?<![\w+/.,:-])(?:(?P<grouped>\d{4}(?:[ -]\d{4}){3}(?:[ -]\d{1,3})?)|\d{16,19})(?!\w|[-.,]\d)"
)
_CARD_GATE = re.compile(r"\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}")
# From the start of the name only: unanchored, a long run of letters before a lone "@" was
# rescanned from each of its letters.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"@(?<![\w.@]@)[a-z0-9_]{3,32}\b")
_NAME_BEFORE = re.compile(r"[\w.-]{2,}\s*[(\[]?\s*$")
_NAME_WINDOW = 100
"""How far before "собака"/"at"/"@" the name of a disguised address is looked for: searching
from the start of the text each time made a text full of addresses quadratic."""
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"«»]+")
_TRAILING = ".,;:!?)»'\""
_SPELT_DOT = re.compile(r"\s*(?:[(\[]\s*(?:dot|точка)\s*[)\]]|\s(?:dot|точка)\s)\s*")
# Every disguised address holds one of these (see `LinkFinder.load`).
_DISGUISED_HINTS = ("собак", "at", "@")


@dataclass(frozen=True, slots=True)
class LinkFinder:
    """URLs and bare domains, minus Ozon's own (ozon.ru and its subdomains)."""

    allowed: tuple[str, ...]
    bare_domain: re.Pattern[str]
    disguised_email: re.Pattern[str]
    disguised_domain: re.Pattern[str]
    domain_gate: re.Pattern[str]
    """Every bare domain holds one of `hosts` or a "." followed by one of `tlds`."""

    @classmethod
    def load(cls) -> LinkFinder:
        data = read_yaml("links.yml")
        tld_list = string_list(data, "tlds", "links.yml")
        host_list = string_list(data, "hosts", "links.yml")
        tlds = "|".join(sorted(tld_list, key=len, reverse=True))
        hosts = "|".join(re.escape(h) for h in host_list)
        label = r"[a-zа-я0-9](?:[a-zа-я0-9-]{0,61}[a-zа-я0-9])?"
        bare = (
            rf"(?<![\w@./-])(?:{hosts}|{label}(?<=\w\w)(?:\.{label})*\.(?:{tlds}))\b"
            r"(?:/[^\s<>\"«»]*)?"
        )
        # "ivan собака mail точка ru", "ivan (at) gmail (dot) com", "ivan @ mail . ru": found
        # from the "собака"/"at"/"@" on (a regex starting with the name part would retry it at
        # every letter); `emails` then takes in the name before it. Plain "ivan@mail.ru" is
        # `_EMAIL`.
        disguised = (
            r"(?:собака|собачка|at\b|@)(?:\s*[)\]])?\s*[\w-]{2,}\s*"
            rf"[(\[]?\s*(?:точка|dot|\.)\s*[)\]]?\s*(?:{tlds}|ру|ком)\b"
        )
        # "shop[dot]ru", "shop (dot) com", "магазин точка рф": a domain with its dot spelt out.
        disguised_domain = (
            rf"(?<![\w@./-]){label}\s*(?:[(\[]\s*(?:dot|точка)\s*[)\]]|\s(?:dot|точка)\s)\s*"
            rf"(?:{tlds}|ру|ком)\b"
        )
        bare_domain, disguised_email = re.compile(bare), re.compile(disguised)
        return cls(
            allowed=string_list(data, "allowed", "links.yml"),
            bare_domain=bare_domain,
            disguised_email=disguised_email,
            disguised_domain=re.compile(disguised_domain),
            domain_gate=_domain_gate(host_list, tld_list),
        )

    def links(self, folded: str) -> list[Span]:
        """Links to anything but Ozon, as spans of `folded`."""
        spans = []
        urls = _URL.finditer(folded) if "http" in folded or "www." in folded else ()
        for match in (*urls, *_search(self.bare_domain, self.domain_gate, folded)):
            start, end = match.start(), match.end()
            while end > start and folded[end - 1] in _TRAILING:
                end -= 1
            if not self._is_allowed(folded[start:end]):
                spans.append((start, end))
        if "dot" in folded or "точка" in folded:
            for match in self.disguised_domain.finditer(folded):
                if not self._is_allowed(_SPELT_DOT.sub(".", match.group())):
                    spans.append(match.span())
        return merge_spans(spans)

    def emails(self, folded: str) -> list[Span]:
        """E-mail addresses, plain or disguised ("ivan собака mail точка ru")."""
        found = [m.span() for m in _EMAIL.finditer(folded)] if "@" in folded else []
        if not any(word in folded for word in _DISGUISED_HINTS):
            return merge_spans(found)
        for match in self.disguised_email.finditer(folded):
            name = _NAME_BEFORE.search(folded, max(0, match.start() - _NAME_WINDOW), match.start())
            if name is not None and not folded[match.start() - 1].isalnum():
                found.append((name.start(), match.end()))
        return merge_spans(found)

    def _is_allowed(self, link: str) -> bool:
        host = re.sub(r"^(?:https?://)?", "", link).split("/")[0].split("?")[0].split(":")[0]
        host = host.removeprefix("www.")
        return any(host == a or host.endswith("." + a) for a in self.allowed)


def _domain_gate(hosts: tuple[str, ...], tlds: tuple[str, ...]) -> re.Pattern[str]:
    """A regex of the literals every bare domain holds: a host, or "." and a top-level domain;
    minus those that hold another one (finding ".co" is enough for ".com")."""
    literals = [*hosts, *("." + tld for tld in tlds)]
    return re.compile(
        trie_regex(a for a in literals if not any(b != a and b in a for b in literals))
    )


def _search(pattern: re.Pattern[str], gate: re.Pattern[str], folded: str) -> list[re.Match[str]]:
    if gate.search(folded) is None:
        return []
    return list(pattern.finditer(folded))


def phones(folded: str) -> list[Span]:
    """Phone numbers in the usual Russian and CIS formats (10 to 13 digits)."""
    if _PHONE_GATE.search(folded) is None:
        return []
    spans = []
    for match in _PHONE.finditer(folded):
        digits = sum(ch.isdigit() for ch in match.group())
        if _MIN_PHONE_DIGITS <= digits <= _MAX_PHONE_DIGITS:
            spans.append(match.span())
    return spans


def card_numbers(folded: str) -> list[Span]:
    """Bank card numbers: four groups of four digits ("2200 1234 5678 9010", a fifth short
    group for 19-digit cards), or 16 to 19 digits in a row that pass the Luhn check (a random
    run of digits does one time in ten; posting numbers, SKUs and track numbers are shorter or
    have dashes in other places). A card number in a message is payment outside Ozon or a
    buyer's data passed on: either way rule `personal_data`."""
    if _CARD_GATE.search(folded) is None:
        return []
    spans = []
    for match in _CARD.finditer(folded):
        if match.group("grouped") or _luhn_valid(match.group()):
            spans.append(match.span())
    return spans


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, ch in enumerate(reversed(digits)):
        value = int(ch) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def handles(folded: str) -> list[Span]:
    """@handles of messengers and social networks (not the @ of an e-mail address)."""
    if "@" not in folded:
        return []
    return [m.span() for m in _HANDLE.finditer(folded)]
