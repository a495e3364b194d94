"""The translator interface every engine implements, and the engine that is off."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.errors import TranslateUnavailableError
from bot.models import Language


@dataclass(frozen=True, slots=True)
class Translation:
    """`text` machine-translated from `source` into `target` by `engine`."""

    text: str
    source: Language
    target: Language
    engine: str


class Translator(Protocol):
    @property
    def enabled(self) -> bool:
        """False: nothing is ever translated (cards say the translation is unavailable)."""
        ...

    @property
    def engine(self) -> str:
        """The engine's name, for logs and the README's "who sees buyer text"."""
        ...

    async def translate(self, text: str, source: Language, target: Language) -> Translation:
        """Raises `TranslateError` (unavailable, rejected, malformed); never returns a guess."""
        ...

    async def languages(self) -> frozenset[Language]:
        """The project's languages the engine serves (asked once at start)."""
        ...

    async def close(self) -> None: ...


class NoTranslator:
    """`TRANSLATE_URL` is empty: translation is off and nothing leaves the process."""

    enabled = False
    engine = "off"

    async def translate(self, text: str, source: Language, target: Language) -> Translation:
        raise TranslateUnavailableError("machine translation is off (TRANSLATE_URL is empty)")

    async def languages(self) -> frozenset[Language]:
        return frozenset()

    async def close(self) -> None:
        return None
