"""Working hours: in the shop's zone, weekends and holidays, and "one night" labels."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.config import WorkingHours
from bot.schedule.hours import is_working, next_opening, night_of

MSK = ZoneInfo("Europe/Moscow")
HOURS = WorkingHours(
    timezone="Europe/Moscow",
    weekly={
        "mon": "09:00-18:00",
        "tue": "09:00-18:00",
        "wed": "09:00-18:00",
        "thu": "09:00-18:00",
        "fri": ["09:00-13:00", "14:00-18:00"],
        "sat": None,
    },
    holidays=frozenset({date(2026, 12, 31)}),
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MSK)


def test_inside_and_outside_the_day() -> None:
    assert is_working(HOURS, at("2026-11-23T10:00"))  # Monday
    assert not is_working(HOURS, at("2026-11-23T08:59"))
    assert not is_working(HOURS, at("2026-11-23T18:00"))


def test_lunch_break_and_weekend() -> None:
    assert not is_working(HOURS, at("2026-11-27T13:30"))  # Friday lunch
    assert not is_working(HOURS, at("2026-11-28T12:00"))  # Saturday


def test_other_zones_are_converted() -> None:
    utc_morning = datetime(2026, 11, 23, 7, 0, tzinfo=ZoneInfo("UTC"))  # 10:00 in Moscow
    assert is_working(HOURS, utc_morning)


def test_holiday_is_closed() -> None:
    assert not is_working(HOURS, at("2026-12-31T11:00"))


def test_next_opening_skips_weekend_and_holidays() -> None:
    assert next_opening(HOURS, at("2026-11-27T19:00")) == at("2026-11-30T09:00")
    assert next_opening(HOURS, at("2026-12-30T19:00")) == at("2027-01-01T09:00")
    assert next_opening(HOURS, at("2026-11-27T13:10")) == at("2026-11-27T14:00")


def test_one_night_has_one_label() -> None:
    assert night_of(HOURS, at("2026-11-23T23:00")) == night_of(HOURS, at("2026-11-24T02:00"))
    assert night_of(HOURS, at("2026-11-23T23:00")) != night_of(HOURS, at("2026-11-24T23:00"))


def test_no_schedule_means_never_working() -> None:
    closed = WorkingHours(weekly={})
    assert not is_working(closed, at("2026-11-23T10:00"))
    assert next_opening(closed, at("2026-11-23T10:00")) is None
