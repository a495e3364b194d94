"""Which of the project's languages a short text is written in, locally and in microseconds.

Chinese is told by its Han characters; Russian against English is `bot.knowledge.language`'s
call (Latin letters alone do not make English: buyers type Russian in Latin letters). A text
without letters (an order number, "OK?", an emoji) has no language: it needs no translation.
"""

from __future__ import annotations

import re

from bot.knowledge.language import detect_language
from bot.models import Language

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]")
# One Han character carries about a word; a word of Russian or English about five letters.
_LETTERS_PER_HAN = 2


def detect(text: str) -> Language | None:
    """ZH, RU or EN; None for a text without letters."""
    han = len(_HAN.findall(text))
    letters = len(_LETTER.findall(text)) - han
    if han == 0 and letters == 0:
        return None
    if han * _LETTERS_PER_HAN >= letters:
        return Language.ZH
    return detect_language(text)
