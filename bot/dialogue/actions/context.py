"""The per-turn view an action works with: the turn, its shop, its Ozon client, its language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.config import ShopConfig, WorkingHours
from bot.dialogue.actions.deps import OzonReader
from bot.dialogue.actions.turn import Turn
from bot.knowledge import Knowledge, detect_language
from bot.knowledge.dates import format_date
from bot.models import Language


@dataclass(frozen=True, slots=True)
class Context:
    turn: Turn
    shop: ShopConfig
    ozon: OzonReader
    knowledge: Knowledge
    lang: Language
    today: date

    def say(self, key: str, **values: object) -> str:
        """Snippet `key` in the buyer's language, phrasing chosen by the turn's seed."""
        merged = {**shop_values(self.shop, self.lang), **values}
        return self.knowledge.render(key, self.lang, merged, seed=self.turn.seed)

    def knows(self, key: str) -> bool:
        known: frozenset[str] = self.knowledge.keys()
        return key in known

    def date(self, day: date) -> str:
        return format_date(day, self.lang, today=self.today)


def buyer_language(turn: Turn) -> Language:
    """The worker's `lang`; detection on the text when the metadata lacks it."""
    if turn.lang is not None:
        return turn.lang
    detected = detect_language(turn.text)
    return detected if detected in (Language.RU, Language.EN) else Language.RU


def shop_values(shop: ShopConfig, lang: Language) -> dict[str, object]:
    """Placeholders every snippet may use (H2's knowledge contract)."""
    return {
        "shop_name": shop.name,
        "return_window_days": shop.return_window_days,
        "working_hours": describe_hours(shop.hours, lang),
    }


_DAYS = {
    Language.RU: ("пн", "вт", "ср", "чт", "пт", "сб", "вс"),
    Language.EN: ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def describe_hours(hours: WorkingHours, lang: Language) -> str:
    """ "пн–пт 09:00–18:00" / "Mon–Fri 09:00–18:00": consecutive days with equal hours grouped."""
    names = _DAYS.get(lang, _DAYS[Language.RU])
    spans = [
        ", ".join(f"{s.start:%H:%M}–{s.end:%H:%M}" for s in hours.weekly.get(day, ()))
        for day in _DAY_KEYS
    ]
    parts, start = [], 0
    for index in range(1, len(spans) + 1):
        if index == len(spans) or spans[index] != spans[start]:
            if spans[start]:
                days = names[start] if index - 1 == start else f"{names[start]}–{names[index - 1]}"
                parts.append(f"{days} {spans[start]}")
            start = index
    return "; ".join(parts)
