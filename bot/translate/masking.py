"""Phones and e-mails never leave for the engine: the staff console's own mask is applied to
every text before any engine sees it, whoever calls (README "Translation for staff")."""

from __future__ import annotations

from collections.abc import Callable

from bot.models import Language
from bot.translate.base import Translation, Translator


class MaskingTranslator:
    def __init__(self, inner: Translator, mask: Callable[[str], str]) -> None:
        self._inner = inner
        self._mask = mask

    @property
    def enabled(self) -> bool:
        return self._inner.enabled

    @property
    def engine(self) -> str:
        return self._inner.engine

    async def translate(self, text: str, source: Language, target: Language) -> Translation:
        return await self._inner.translate(self._mask(text), source, target)

    async def languages(self) -> frozenset[Language]:
        return await self._inner.languages()

    async def close(self) -> None:
        await self._inner.close()
