"""Which language a buyer writes in: Russian unless the text is plainly English.

Latin letters alone do not make English: buyers type Russian in Latin letters ("gde moi
zakaz") and write model names ("iPhone 13 Pro"). English needs Latin letters to outweigh
Cyrillic AND common English words.
"""

from __future__ import annotations

import re

from bot.models import Language

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)
_WORD = re.compile(r"[a-z']+", re.IGNORECASE)
_ENGLISH_WORDS = """
a an the i you he she it we they my your our me us is are was were be been am do does did not
no yes have has had will would can could should shall may might must where when what why how who
which this that these those there here to of in on at for with from by about and or but if please
thank thanks hello hi order item product delivery package parcel return refund cancel size color
still yet received arrived get got want need help
"""
_ENGLISH = frozenset(_ENGLISH_WORDS.split())
_MIN_ENGLISH_WORDS = 1
_MIN_ENGLISH_SHARE = 0.25


def detect_language(text: str) -> Language:
    """RU by default; EN when Latin letters dominate and the words are English."""
    latin = len(_LATIN.findall(text))
    if latin == 0 or latin <= len(_CYRILLIC.findall(text)):
        return Language.RU
    words = [w.lower() for w in _WORD.findall(text)]
    english = sum(w in _ENGLISH for w in words)
    if english >= _MIN_ENGLISH_WORDS and english / len(words) >= _MIN_ENGLISH_SHARE:
        return Language.EN
    return Language.RU
