"""Dates as a buyer reads them: "25 ноября" / "November 25" (with the year when it differs).

Not locale-based on purpose: the worker's container may have no Russian locale installed, and
`strftime("%B")` would give the nominative "ноябрь" where a date needs the genitive "ноября".
"""

from __future__ import annotations

from datetime import date

from bot.models import Language

_RU_MONTHS = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_date(day: date, lang: Language, *, today: date) -> str:
    """`day` in the buyer's language; the year is added only when it is not this year."""
    with_year = day.year != today.year
    if lang is Language.EN:
        text = f"{_EN_MONTHS[day.month - 1]} {day.day}"
        return f"{text}, {day.year}" if with_year else text
    text = f"{day.day} {_RU_MONTHS[day.month - 1]}"
    return f"{text} {day.year} г." if with_year else text
