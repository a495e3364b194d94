"""The staff console's words, one module per language (`TELEGRAM_LANGUAGE`: en, ru, zh).

Buyer text is never translated or rewritten here: cards show it as written (masked, escaped).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from bot.models import Language
from bot.staff.texts import en, ru, zh

CATALOGUES: MappingProxyType[Language, dict[str, str]] = MappingProxyType(
    {Language.EN: en.STRINGS, Language.RU: ru.STRINGS, Language.ZH: zh.STRINGS}
)


@dataclass(frozen=True, slots=True)
class Texts:
    language: Language = Language.EN

    def __call__(self, key: str, **values: Any) -> str:
        """The string `key` in the staff language (English when a translation is missing)."""
        template = CATALOGUES[self.language].get(key) or en.STRINGS[key]
        return template.format(**values) if values else template

    def has(self, key: str) -> bool:
        return key in en.STRINGS
