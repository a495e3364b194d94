"""When a specialist answers, in the words of the after-hours holding reply."""

from __future__ import annotations

from datetime import datetime

from bot.knowledge.dates import format_date
from bot.models import Language

_DAYS = {
    Language.EN: {0: "today", 1: "tomorrow"},
    Language.RU: {0: "сегодня", 1: "завтра"},
}
_AT = {Language.EN: "{day} from {clock}", Language.RU: "{day} с {clock}"}
_SOON = {Language.EN: "on the next working day", Language.RU: "в ближайший рабочий день"}


def when_specialist_answers(opening: datetime | None, now: datetime, lang: Language) -> str:
    """ "завтра с 09:00", "25 ноября с 09:00", "tomorrow from 09:00"."""
    words = lang if lang in _AT else Language.RU
    if opening is None:
        return _SOON[words]
    today = now.astimezone(opening.tzinfo).date()
    days = (opening.date() - today).days
    day = _DAYS[words].get(days) or format_date(opening.date(), lang, today=today)
    return _AT[words].format(day=day, clock=opening.strftime("%H:%M"))
