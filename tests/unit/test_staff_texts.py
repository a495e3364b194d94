"""The staff console's three languages say the same things."""

from __future__ import annotations

import string

import pytest

from bot.models import Language
from bot.staff.texts import CATALOGUES, Texts, en


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("language", [Language.RU, Language.ZH])
def test_every_language_has_every_string(language: Language) -> None:
    assert set(CATALOGUES[language]) == set(en.STRINGS)


@pytest.mark.parametrize("language", [Language.RU, Language.ZH])
def test_translations_use_the_same_placeholders(language: Language) -> None:
    for key, template in en.STRINGS.items():
        assert fields(CATALOGUES[language][key]) == fields(template), key


def test_every_reason_and_status_has_a_label() -> None:
    from bot.models import EscalationReason
    from bot.state.models import EscalationStatus

    for reason in EscalationReason:
        assert Texts().has(f"reason.{reason.value}")
    for status in EscalationStatus:
        assert Texts().has(f"status.{status.value}")


def test_placeholders_are_filled() -> None:
    assert Texts(Language.RU)("dur.hours", h=2, m=5) == "2 ч 5 мин"
