"""Approved answer snippets: `knowledge/*.yml`, one entry per key, several phrasings per language.

    delivery.delivering:
      source: "Ozon: FBS posting status `delivering` (Seller API /v3/posting/fbs/get)"
      ru:
        - "Заказ {posting_number} в пути."
        - "..."
      en:
        - "..."

Placeholders are `{name}`, filled from live data and the seller's settings. The phrasing is
chosen deterministically from a seed (chat id and turn), so two chats get different wordings
and a test gets the same one every time. Every phrasing of every snippet passes the outbound
check (`ozonbot knowledge validate`, and a test).
"""

from __future__ import annotations

import hashlib
import logging
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import yamlio
from bot.errors import KnowledgeError
from bot.models import Language

log = logging.getLogger(__name__)
_FORMATTER = string.Formatter()
FALLBACK = Language.RU
"""Texts missing in a language fall back to Russian, the language of every Ozon buyer."""


@dataclass(frozen=True, slots=True)
class Snippet:
    key: str
    source: str
    texts: Mapping[Language, tuple[str, ...]]
    path: str

    def placeholders(self) -> frozenset[str]:
        """Every `{name}` used by any phrasing."""
        return frozenset(
            name
            for variants in self.texts.values()
            for text in variants
            for _, name, _, _ in _FORMATTER.parse(text)
            if name
        )


class Knowledge:
    """Snippets by key; `render` picks a phrasing and fills it in."""

    def __init__(self, snippets: Mapping[str, Snippet]) -> None:
        self._snippets = dict(snippets)
        self._warned: set[tuple[str, Language]] = set()

    @classmethod
    def load(cls, directory: Path) -> Knowledge:
        """Every `*.yml` in `directory`; a malformed file or key raises KnowledgeError."""
        files = sorted(directory.glob("*.yml"))
        if not files:
            raise KnowledgeError(f"no *.yml snippet files in {directory}", path=str(directory))
        snippets: dict[str, Snippet] = {}
        for path in files:
            for snippet in _read_file(path):
                if snippet.key in snippets:
                    other = snippets[snippet.key].path
                    raise KnowledgeError(
                        f"defined twice (also in {other})", key=snippet.key, path=str(path)
                    )
                snippets[snippet.key] = snippet
        return cls(snippets)

    def keys(self) -> frozenset[str]:
        return frozenset(self._snippets)

    def source(self, key: str) -> str:
        return self.snippet(key).source

    def snippet(self, key: str) -> Snippet:
        try:
            return self._snippets[key]
        except KeyError:
            raise KnowledgeError("no such snippet", key=key) from None

    def variants(self, key: str, lang: Language) -> tuple[str, ...]:
        """The phrasings of `key` in `lang`, or in Russian when `lang` has none."""
        snippet = self.snippet(key)
        if lang in snippet.texts:
            return snippet.texts[lang]
        if (key, lang) not in self._warned:
            self._warned.add((key, lang))
            log.warning("snippet %s has no %s text; answering in %s", key, lang.value, FALLBACK)
        return snippet.texts[FALLBACK]

    def render(
        self,
        key: str,
        lang: Language,
        values: Mapping[str, object] | None = None,
        *,
        seed: str = "",
    ) -> str:
        """Snippet `key` in `lang`, the phrasing chosen by `seed`, placeholders filled."""
        variants = self.variants(key, lang)
        text = variants[_choice(f"{seed}|{key}", len(variants))]
        return fill(text, values or {}, key=key)


def fill(text: str, values: Mapping[str, object], *, key: str = "") -> str:
    """`text` with its `{name}` placeholders replaced; a missing value is a KnowledgeError."""
    try:
        return _FORMATTER.vformat(text, (), dict(values))
    except KeyError as exc:
        raise KnowledgeError(f"no value for placeholder {{{exc.args[0]}}}", key=key) from None
    except (IndexError, ValueError) as exc:
        raise KnowledgeError(f"bad placeholder: {exc}", key=key) from None


def _choice(seed: str, count: int) -> int:
    # sha256, not hash(): the same chat gets the same phrasing in every process.
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


def _read_file(path: Path) -> list[Snippet]:
    try:
        data = yamlio.parse(path.read_text(encoding="utf-8"))
    except (OSError, yamlio.YAMLError) as exc:
        raise KnowledgeError(f"cannot read: {exc}", path=str(path)) from exc
    if not isinstance(data, dict):
        raise KnowledgeError("must be a mapping of snippet keys", path=str(path))
    return [_snippet(str(key), entry, str(path)) for key, entry in data.items()]


def _snippet(key: str, entry: Any, path: str) -> Snippet:
    if not isinstance(entry, dict):
        raise KnowledgeError("must be a mapping with source, ru, en", key=key, path=path)
    source = entry.get("source")
    if not isinstance(source, str) or not source.strip():
        raise KnowledgeError("needs a `source`", key=key, path=path)
    unknown = set(entry) - {"source", *(lang.value for lang in Language)}
    if unknown:
        raise KnowledgeError(f"unknown fields {sorted(unknown)}", key=key, path=path)
    texts = {
        Language(lang): _variants(entry[lang], key, path, lang)
        for lang in entry
        if lang != "source"
    }
    if FALLBACK not in texts:
        raise KnowledgeError(f"needs `{FALLBACK.value}` texts", key=key, path=path)
    snippet = Snippet(key, source.strip(), texts, path)
    _check_placeholders(snippet)
    return snippet


def _variants(value: Any, key: str, path: str, lang: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise KnowledgeError(f"`{lang}` must be a non-empty list of texts", key=key, path=path)
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(f"`{lang}` holds an empty or non-text entry", key=key, path=path)
    return tuple(v.strip() for v in value)


def _check_placeholders(snippet: Snippet) -> None:
    for variants in snippet.texts.values():
        for text in variants:
            try:
                fields = [name for _, name, _, _ in _FORMATTER.parse(text)]
            except ValueError as exc:
                raise KnowledgeError(
                    f"bad braces in {text!r}: {exc}", key=snippet.key, path=snippet.path
                ) from exc
            if any(name is not None and not name.isidentifier() for name in fields):
                raise KnowledgeError(
                    f"placeholders must be {{name}}: {text!r}", key=snippet.key, path=snippet.path
                )
