"""Machine translation for staff who do not read the buyer's language (README "Translation for
staff").

    translator = build_translator(settings.translate, mask=...)   # NoTranslator when off
    await translator.languages()                                  # what the engine serves
    done = await translator.translate(text, Language.RU, Language.ZH)
    await translator.close()

One small interface (`Translator`), a LibreTranslate-compatible HTTP client, and `NoTranslator`
for deployments without an engine. Every text is masked (phones, e-mails) by
`MaskingTranslator` before it leaves the process. Language detection (`detect`) is local.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.config import TranslateSettings
from bot.translate.base import NoTranslator, Translation, Translator
from bot.translate.detect import detect
from bot.translate.libre import LibreTranslate
from bot.translate.masking import MaskingTranslator

__all__ = [
    "LibreTranslate",
    "MaskingTranslator",
    "NoTranslator",
    "Translation",
    "Translator",
    "build_translator",
    "detect",
]


def build_translator(settings: TranslateSettings, *, mask: Callable[[str], str]) -> Translator:
    """The configured engine behind the contact mask, or `NoTranslator` when it is off."""
    if not settings.enabled:
        return NoTranslator()
    return MaskingTranslator(LibreTranslate(settings), mask)
