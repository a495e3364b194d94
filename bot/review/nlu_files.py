"""Rasa NLU YAML files (`nlu/*.yml`, `tests/nlu/holdout.yml`): reading examples, and adding new
ones to an intent's block without touching anything else in the file.

Files are edited as text, not re-dumped: a YAML round trip would drop the comments that explain
each file and reflow every block. New examples go at the end of their intent's `examples: |`
block, sorted among themselves; the result is parsed again and compared with the original
before it is written, so a bug here can never silently damage training data.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import yamlio
from bot.errors import ReviewError

# Rasa's inline annotations: [text](entity) and [text]{"entity": "...", "value": "..."}.
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<name>[^)]+)\)|(?P<json>\{[^}]*\}))")
_INTENT_LINE = re.compile(r"^(?P<indent>\s*)-\s+intent:\s*(?P<name>[^#]+?)\s*(?:#.*)?$")
_EXAMPLES_LINE = re.compile(r"^(?P<indent>\s*)examples:\s*\|[-+]?\s*(?:#.*)?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True, slots=True)
class EntitySpan:
    entity: str
    start: int
    end: int
    value: str | None = None
    """The canonical value when it differs from the text (synonyms)."""


@dataclass(frozen=True, slots=True)
class Annotated:
    """One example line: its plain text and the entities annotated in it."""

    plain: str
    entities: tuple[EntitySpan, ...] = ()

    @classmethod
    def parse(cls, raw: str) -> Annotated:
        parts: list[str] = []
        entities: list[EntitySpan] = []
        position = 0
        for match in _ANNOTATION.finditer(raw):
            parts.append(raw[position : match.start()])
            start = sum(len(part) for part in parts)
            entities.append(_entity(match, start))
            parts.append(match["text"])
            position = match.end()
        parts.append(raw[position:])
        return cls("".join(parts), tuple(entities))

    def render(self) -> str:
        """The example in Rasa's markup."""
        parts, position = [], 0
        for entity in sorted(self.entities, key=lambda e: e.start):
            text = self.plain[entity.start : entity.end]
            parts += [self.plain[position : entity.start], markup(text, entity)]
            position = entity.end
        parts.append(self.plain[position:])
        return "".join(parts)


def _entity(match: re.Match[str], start: int) -> EntitySpan:
    end = start + len(match["text"])
    if match["name"] is not None:
        return EntitySpan(match["name"], start, end)
    try:
        spec = json.loads(match["json"])
    except ValueError:
        spec = {}
    value = spec.get("value")
    return EntitySpan(
        str(spec.get("entity", "")), start, end, None if value is None else str(value)
    )


def markup(text: str, entity: EntitySpan) -> str:
    """`text` annotated as `entity` in Rasa's inline markup."""
    if entity.value is None or entity.value == text:
        return f"[{text}]({entity.entity})"
    spec = json.dumps({"entity": entity.entity, "value": entity.value}, ensure_ascii=False)
    return f"[{text}]{spec}"


def clean_text(text: str) -> str:
    """One line, single spaces, no control characters: how an example is stored."""
    return " ".join(_CONTROL.sub(" ", text).split())


def example_key(text: str) -> str:
    """The comparison key of an example: case, ё/е, punctuation and spacing do not count.

    The same rule as tests/unit/test_nlu_data.py's duplicate check, so an import never adds
    what that test would call a repeat.
    """
    return " ".join(re.sub(r"\W+", " ", text.lower().replace("ё", "е")).split())


def words(text: str) -> frozenset[str]:
    return frozenset(example_key(text).split())


@dataclass(frozen=True, slots=True)
class NluExample:
    intent: str
    text: Annotated
    path: Path


def read_document(path: Path) -> dict[str, Any]:
    try:
        document = yamlio.parse(path.read_text(encoding="utf-8"))
    except (OSError, yamlio.YAMLError) as exc:
        raise ReviewError(str(path), f"cannot read: {exc}") from exc
    if not isinstance(document, dict):
        raise ReviewError(str(path), "not a Rasa YAML file (expected a mapping)")
    return document


def nlu_entries(path: Path) -> list[dict[str, Any]]:
    """The `nlu:` list of a Rasa YAML file (empty when it has none)."""
    entries = read_document(path).get("nlu") or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ReviewError(str(path), "`nlu:` must be a list of mappings")
    return entries


def example_texts(entry: Mapping[str, Any], where: str) -> list[str]:
    """The examples of one `- intent:` entry, in either of Rasa's two forms."""
    examples = entry.get("examples", "")
    if isinstance(examples, str):
        lines = [line.strip() for line in examples.splitlines() if line.strip()]
        return [line[1:].strip() for line in lines if line.startswith("-")]
    if isinstance(examples, list):
        texts = [e.get("text") if isinstance(e, dict) else None for e in examples]
        if all(isinstance(t, str) for t in texts):
            return [str(t).strip() for t in texts]
    raise ReviewError(where, f"intent {entry.get('intent')!r}: unreadable `examples`")


def read_examples(path: Path) -> list[NluExample]:
    return [
        NluExample(str(entry["intent"]), Annotated.parse(text), path)
        for entry in nlu_entries(path)
        if "intent" in entry
        for text in example_texts(entry, str(path))
    ]


def number_patterns(entities_file: Path) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The `regex:` entries of nlu/ (posting and order numbers, SKUs), compiled like Rasa's
    RegexEntityExtractor does (case-insensitive)."""
    if not entities_file.exists():
        return ()
    patterns = []
    for entry in nlu_entries(entities_file):
        if "regex" in entry:
            for pattern in example_texts(entry, str(entities_file)):
                try:
                    patterns.append((str(entry["regex"]), re.compile(pattern, re.IGNORECASE)))
                except re.error as exc:
                    raise ReviewError(str(entities_file), f"bad regex: {exc}") from exc
    return tuple(patterns)


def annotate_numbers(text: Annotated, patterns: Iterable[tuple[str, re.Pattern[str]]]) -> Annotated:
    """`text` with every number the regexes find annotated, as nlu/ requires (its tests check
    that the regexes and the annotations agree)."""
    entities = list(text.entities)
    for name, pattern in patterns:
        for match in pattern.finditer(text.plain):
            if all(match.end() <= e.start or e.end <= match.start() for e in entities):
                entities.append(EntitySpan(name, match.start(), match.end()))
    return Annotated(text.plain, tuple(sorted(entities, key=lambda e: e.start)))


# --- adding examples ------------------------------------------------------------------------


def add_to_block(source: str, intent: str, examples: list[str], where: str) -> str:
    """`source` (a Rasa NLU file) with `examples` appended to the block of `intent`."""
    lines = source.splitlines(keepends=True)
    start = _intent_line(lines, intent)
    if start is None:
        raise ReviewError(where, f"no `- intent: {intent}` block")
    key = _examples_line(lines, start)
    if key is None:
        raise ReviewError(where, f"intent {intent}: `examples: |` not found")
    last, indent = _block_end(lines, key)
    if not lines[last].endswith("\n"):
        lines[last] += "\n"
    new = [f"{indent}- {example}\n" for example in sorted(examples, key=str.casefold)]
    return "".join([*lines[: last + 1], *new, *lines[last + 1 :]])


def new_file(additions: Mapping[str, list[str]]) -> str:
    """A new NLU file holding `additions` (intent → examples)."""
    blocks = [
        f"- intent: {intent}\n  examples: |\n"
        + "".join(f"    - {e}\n" for e in sorted(examples, key=str.casefold))
        for intent, examples in sorted(additions.items())
    ]
    return 'version: "3.1"\n\nnlu:\n' + "\n".join(blocks)


def _intent_line(lines: list[str], intent: str) -> int | None:
    for index, line in enumerate(lines):
        match = _INTENT_LINE.match(line.rstrip("\n"))
        if match and match["name"].strip("'\"") == intent:
            return index
    return None


def _examples_line(lines: list[str], start: int) -> int | None:
    for index in range(start + 1, len(lines)):
        if _EXAMPLES_LINE.match(lines[index].rstrip("\n")):
            return index
        if _INTENT_LINE.match(lines[index].rstrip("\n")):
            return None
    return None


def _block_end(lines: list[str], key: int) -> tuple[int, str]:
    """The last content line of the block scalar after line `key`, and its examples' indent."""
    key_indent = _indent(lines[key])
    last, indent = key, " " * (key_indent + 2)
    for index in range(key + 1, len(lines)):
        if not lines[index].strip():
            continue
        if _indent(lines[index]) <= key_indent:
            break
        if last == key:
            indent = lines[index][: _indent(lines[index])]
        last = index
    return last, indent


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def verify_addition(
    before: str, after: str, additions: Mapping[str, list[str]], where: str
) -> None:
    """Refuse a rewrite that changes anything but appending `additions` to their blocks."""
    old, new = _blocks(before, where), _blocks(after, where)
    expected = [
        (kind, name, texts + sorted(additions.get(name, []), key=str.casefold))
        if kind == "intent"
        else (kind, name, texts)
        for kind, name, texts in old
    ]
    present = {name for kind, name, _ in old if kind == "intent"}
    expected += [
        ("intent", name, sorted(texts, key=str.casefold))
        for name, texts in sorted(additions.items())
        if name not in present
    ]
    if new != expected:
        raise ReviewError(where, "internal check failed: the edit would change other blocks")


def _blocks(source: str, where: str) -> list[tuple[str, str, list[str]]]:
    try:
        document = yamlio.parse(source)
    except yamlio.YAMLError as exc:
        raise ReviewError(where, f"the edited file is not valid YAML: {exc}") from exc
    blocks = []
    for entry in (document or {}).get("nlu") or []:
        kind = next((k for k in ("intent", "synonym", "regex", "lookup") if k in entry), "other")
        blocks.append((kind, str(entry.get(kind, "")), example_texts(entry, where)))
    return blocks


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` in one step, so an interrupted import never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
