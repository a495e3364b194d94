"""When a specialist answers, in the words of the after-hours holding reply.

The wording lives in `knowledge/general.yml` (`next_open.*`), like every text a buyer reads;
this module only picks which one: today, tomorrow, a date, or "the next working day" when the
shop's hours name no opening.
"""

from __future__ import annotations

from datetime import datetime

from bot.knowledge.dates import format_date
from bot.models import Language
from bot.worker.deps import Renderer

_RELATIVE = {0: "next_open.today", 1: "next_open.tomorrow"}


def when_specialist_answers(
    knowledge: Renderer, opening: datetime | None, now: datetime, lang: Language
) -> str:
    """ "завтра с 09:00", "25 ноября с 09:00", "tomorrow from 09:00"."""
    if opening is None:
        return knowledge.render("next_open.unknown", lang)
    today = now.astimezone(opening.tzinfo).date()
    clock = opening.strftime("%H:%M")
    key = _RELATIVE.get((opening.date() - today).days)
    if key is not None:
        return knowledge.render(key, lang, {"clock": clock})
    date = format_date(opening.date(), lang, today=today)
    return knowledge.render("next_open.date", lang, {"clock": clock, "date": date})
