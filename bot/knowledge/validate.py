"""Every phrasing of every snippet, filled with representative values, through the outbound check.

A snippet that trips Ozon's rules would be blocked at send time (and the buyer left without an
answer), so it is caught here instead: in a test and in `ozonbot knowledge validate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.errors import KnowledgeError
from bot.knowledge.store import Knowledge, fill
from bot.models import Language

if TYPE_CHECKING:
    from bot.guard.outbound import OutboundGuard
    from bot.guard.types import Violation

SAMPLE_VALUES: Mapping[Language, Mapping[str, object]] = {
    Language.RU: {
        "shop_name": "Домашний уют",
        "return_window_days": 14,
        "working_hours": "пн–пт 09:00–18:00",
        "next_open": "завтра с 09:00",
        "clock": "09:00",
        "date": "25 ноября",
        "posting_number": "57195475-0050-3",
        "order_number": "57195475-0050",
        "status": "delivering",
        "status_name": "Ожидает отправки продавцом",
        "delivery_date": "25 ноября",
        "tracking_number": "RU123456789CN",
        "product_name": "Чехол для iPhone 13, силикон, чёрный",
        "attribute": "Материал",
        "value": "силикон",
        "asked": "16 дюймов",
        "postings": "57195475-0050-1: доставлено",
        "facts": "Материал: силикон; Цвет: чёрный; Размер: 42-44",
        "praise": "качество, упаковка",
    },
    Language.EN: {
        "shop_name": "Home Comfort",
        "return_window_days": 14,
        "working_hours": "Mon–Fri 09:00–18:00",
        "next_open": "tomorrow from 09:00",
        "clock": "09:00",
        "date": "25 November",
        "posting_number": "57195475-0050-3",
        "order_number": "57195475-0050",
        "status": "delivering",
        "status_name": "Awaiting shipment by the seller",
        "delivery_date": "25 November",
        "tracking_number": "RU123456789CN",
        "product_name": "iPhone 13 case, silicone, black",
        "attribute": "Material",
        "value": "silicone",
        "asked": "16 inches",
        "postings": "57195475-0050-1: delivered",
        "facts": "Material: silicone; Colour: black; Size: 42-44",
        "praise": "quality and packaging",
    },
}


@dataclass(frozen=True, slots=True)
class Failure:
    """One phrasing that cannot be sent: a rule it breaks, or a placeholder without a value."""

    key: str
    lang: Language
    variant: int
    text: str
    violations: tuple[Violation, ...] = ()
    problem: str = ""


def validate(knowledge: Knowledge, guard: OutboundGuard) -> list[Failure]:
    """Every failing phrasing of every snippet, in both languages."""
    failures: list[Failure] = []
    for key in sorted(knowledge.keys()):
        for lang in (Language.RU, Language.EN):
            for index, template in enumerate(knowledge.variants(key, lang)):
                failures += _check(key, lang, index, template, guard)
    return failures


def _check(
    key: str, lang: Language, index: int, template: str, guard: OutboundGuard
) -> list[Failure]:
    try:
        text = fill(template, SAMPLE_VALUES[lang], key=key)
    except KnowledgeError as exc:
        return [Failure(key, lang, index, template, problem=str(exc))]
    result = guard.check(text)
    return [] if result.ok else [Failure(key, lang, index, text, result.violations)]
