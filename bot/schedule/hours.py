"""Working hours: is the team at work now, and when does it next start?

Pure functions over `bot.config.WorkingHours`; times are aware datetimes in any zone and are
converted to the shop's zone before comparing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.config import WorkingHours

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_LOOKAHEAD_DAYS = 31


def _spans(hours: WorkingHours, day: date) -> tuple[tuple[time, time], ...]:
    if day in hours.holidays:
        return ()
    return tuple((s.start, s.end) for s in hours.weekly.get(_DAYS[day.weekday()], ()))


def is_working(hours: WorkingHours, now: datetime) -> bool:
    local = now.astimezone(hours.zone)
    moment = local.time()
    return any(start <= moment < end for start, end in _spans(hours, local.date()))


def next_opening(hours: WorkingHours, now: datetime) -> datetime | None:
    """The next start of work (in the shop's zone); None if there is none within a month."""
    local = now.astimezone(hours.zone)
    for offset in range(_LOOKAHEAD_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        for start, _end in sorted(_spans(hours, day)):
            opening = datetime.combine(day, start, tzinfo=hours.zone)
            if opening > local:
                return opening
    return None


def night_of(hours: WorkingHours, now: datetime) -> str:
    """A label shared by every moment of one after-hours stretch: the date of its next opening.

    "Once per chat per night" keys use it, so a reply at 23:00 and another at 02:00 count as
    the same night, while the weekend counts as one long night.
    """
    opening = next_opening(hours, now)
    return opening.date().isoformat() if opening else now.astimezone(hours.zone).date().isoformat()


def working_day(hours: WorkingHours, now: datetime) -> str:
    return now.astimezone(hours.zone).date().isoformat()
