"""Loading the word lists in `bot/guard/lexicons/` and compiling them into fast regexes.

A lexicon pattern is a Python regex over the folded text (lower case, ё→е) in which `<lemma>`
stands for every word form of a Russian lemma, and `<lemma:impr,INFN>` for the forms carrying
any of the listed grammemes (`!COMP` excludes comparatives). The forms come from pymorphy3's
dictionary once, at load time, and become a prefix-factored alternation (a trie), which Python's
regex engine rejects at the first letter: the check stays fast without any morphology per word.
pymorphy3 starts in ~0.2 s, so the expansion is not cached on disk.

A pattern is a string, or a mapping `{re: <pattern>, gate: [<literal>, ...]}` whose gate lists
literals one of which every match holds (see `bot.guard.gate`): the pattern runs only on texts
that hold one. A bare string runs on every text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic

from bot import yamlio
from bot.errors import ConfigError
from bot.guard.gate import Gate, GatedSet, Tag, parse_gate, trie_regex
from bot.guard.normalize import fold, phrase_text
from bot.guard.spans import Span

LEXICON_DIR = Path(__file__).parent / "lexicons"
_TEMPLATE = re.compile(r"<([а-яё]+)(?::([A-Za-z!,]+))?>")


class Morphology:
    """Word forms of Russian lemmas (pymorphy3), imported only when a guard is loaded."""

    def __init__(self) -> None:
        import pymorphy3  # the dictionary is ~15 MB: loaded only by `load()`, not on import

        self._analyzer = pymorphy3.MorphAnalyzer()
        self._cache: dict[tuple[str, str], frozenset[str]] = {}

    def forms(self, lemma: str, grammemes: str = "") -> frozenset[str]:
        """Every form of `lemma` (folded), restricted by grammemes like "impr,INFN" or "!COMP"."""
        key = (lemma, grammemes)
        if key not in self._cache:
            self._cache[key] = self._expand(lemma, grammemes)
        return self._cache[key]

    def _expand(self, lemma: str, grammemes: str) -> frozenset[str]:
        wanted = {g for g in grammemes.split(",") if g and not g.startswith("!")}
        unwanted = {g[1:] for g in grammemes.split(",") if g.startswith("!")}
        found = {fold(lemma)} if not wanted else set()
        for parse in self._analyzer.parse(lemma):
            # pymorphy3 files some words under another lemma (лучший under хороший): with a
            # grammeme filter (`<лучший:Supr>`) that reading is usable, without one it is not.
            if fold(parse.normal_form) != fold(lemma) and not wanted:
                continue
            for form in parse.lexeme:
                tags = set(str(form.tag).replace(" ", ",").split(","))
                if (not wanted or wanted & tags) and not unwanted & tags:
                    found.add(fold(form.word))
        return frozenset(found)


def expand(pattern: str, morphology: Morphology) -> str:
    """`pattern` with every `<lemma[:grammemes]>` replaced by the alternation of its forms."""

    def replace(match: re.Match[str]) -> str:
        return trie_regex(morphology.forms(match.group(1), match.group(2) or ""))

    return _TEMPLATE.sub(replace, pattern)


def compile_patterns(
    patterns: Iterable[str], morphology: Morphology, where: str
) -> re.Pattern[str]:
    """One regex matching any of `patterns` (templates expanded); names `where` on error."""
    parts = [f"(?:{expand(p, morphology)})" for p in patterns]
    try:
        return re.compile("|".join(parts) or "(?!)")
    except re.error as exc:
        raise ConfigError(where, f"bad pattern: {exc}") from exc


def read_yaml(name: str) -> dict[str, Any]:
    """A lexicon file from `bot/guard/lexicons/`; its header comment names source and licence."""
    path = LEXICON_DIR / name
    try:
        data = yamlio.parse(path.read_text(encoding="utf-8"))
    except (OSError, yamlio.YAMLError) as exc:
        raise ConfigError(str(path), f"cannot read lexicon: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(str(path), "a lexicon file must be a mapping")
    return data


def string_list(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    """`data[key]` as a tuple of strings (empty when absent); anything else is a ConfigError."""
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(where, f"{key!r} must be a list of strings")
    return tuple(value)


def gated_sources(data: Mapping[str, Any], key: str, where: str) -> list[tuple[str, Any]]:
    """The patterns under `data[key]` with their (unparsed) gates; a bare string has none."""
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(where, f"{key!r} must be a list of patterns")
    found = []
    for item in value:
        if isinstance(item, str):
            found.append((item, None))
        elif isinstance(item, dict) and isinstance(item.get("re"), str):
            found.append((item["re"], item.get("gate")))
        else:
            raise ConfigError(where, f"{key!r}: {item!r} is neither a pattern nor {{re, gate}}")
    return found


def phrase_gate(value: Any, where: str) -> Gate:
    """A gate for a pattern over `normalize.phrase_text`."""
    return parse_gate(value, lambda literal: phrase_text(fold(literal)), where)


@dataclass(frozen=True, slots=True)
class PhraseRule:
    """Phrase patterns of one rule (each with its gate), minus the exceptions that look like it
    but are fine."""

    patterns: tuple[tuple[re.Pattern[str], Gate], ...]
    exceptions: re.Pattern[str] | None

    @classmethod
    def from_file(cls, name: str, morphology: Morphology, section: str = "") -> PhraseRule:
        """The patterns of a lexicon file, or of one of its sections."""
        data, where = _section(name, section)
        return cls.from_mapping(data, morphology, where)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], morphology: Morphology, where: str
    ) -> PhraseRule:
        """The rule of a mapping with `patterns` (and `exceptions`); `where` names it on error."""
        patterns = tuple(
            (compile_patterns([source], morphology, where), phrase_gate(gate, where))
            for source, gate in gated_sources(data, "patterns", where)
        )
        return cls(patterns, _exceptions(data, morphology, where))

    def allowed(self, folded: str, spans: list[Span]) -> list[Span]:
        """`spans` minus those overlapping an exception."""
        if self.exceptions is None or not spans:
            return spans
        allowed = [m.span() for m in self.exceptions.finditer(folded)]
        return [h for h in spans if not any(a < h[1] and h[0] < b for a, b in allowed)]


class PhraseBook(Generic[Tag]):
    """Phrase rules under tags (outbound rules, inbound flags), matched in one gated pass."""

    def __init__(self, rules: Sequence[tuple[Tag, PhraseRule]]) -> None:
        self._rules = tuple(rules)
        self._patterns = GatedSet.of(
            [
                (index, pattern, gate)
                for index, (_, rule) in enumerate(self._rules)
                for pattern, gate in rule.patterns
            ]
        )

    @property
    def gated(self) -> GatedSet[int]:
        """Every pattern, tagged with the index of its rule."""
        return self._patterns

    def spans(self, folded: str) -> dict[Tag, list[Span]]:
        """Spans of `folded` per tag that match a pattern and do not overlap an exception."""
        raw: dict[int, list[Span]] = {}
        for index, match in self._patterns.finditer(folded):
            if match.end() > match.start():
                raw.setdefault(index, []).append(match.span())
        found: dict[Tag, list[Span]] = {}
        for index, spans in raw.items():
            tag, rule = self._rules[index]
            found.setdefault(tag, []).extend(rule.allowed(folded, spans))
        return found


def _section(name: str, section: str) -> tuple[dict[str, Any], str]:
    data = read_yaml(name)
    where = f"{LEXICON_DIR / name}{':' + section if section else ''}"
    if not section:
        return data, where
    part = data.get(section)
    if not isinstance(part, dict):
        raise ConfigError(where, "must be a mapping with 'patterns' (and 'exceptions')")
    return part, where


def _exceptions(
    data: Mapping[str, Any], morphology: Morphology, where: str
) -> re.Pattern[str] | None:
    exceptions = string_list(data, "exceptions", where)
    return compile_patterns(exceptions, morphology, where) if exceptions else None
