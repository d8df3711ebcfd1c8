"""The three schedules of the example configuration, built from its values (no YAML parsing)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from schedules import HolidayCalendar, Schedule, WeeklyHours, parse_day_hours

BRUSSELS = ZoneInfo("Europe/Brussels")


def _voorkempen() -> Schedule:
    return Schedule(
        zone=BRUSSELS,
        weekly=WeeklyHours.from_days(
            {
                "mon-fri": parse_day_hours("09:00-16:00"),
                "sat": parse_day_hours(["09:00-12:00"]),
                "sun": parse_day_hours("closed"),
                "holidays": parse_day_hours("closed"),
            }
        ),
        holidays=HolidayCalendar(
            country="BE", subdivision="Flemish", language="nl", extra=frozenset({date(2026, 7, 11)})
        ),
        exceptions={
            date(2026, 12, 24): parse_day_hours("09:00-12:00"),
            date(2026, 12, 31): parse_day_hours("closed"),
        },
    )


def _kempen_zuid() -> Schedule:
    return Schedule(
        zone=BRUSSELS,
        weekly=WeeklyHours.from_days(
            {
                "mon-fri": parse_day_hours(["09:00-12:30", "13:30-17:00"]),
                "sat-sun": parse_day_hours("closed"),
                "holidays": parse_day_hours("closed"),
            }
        ),
        holidays=HolidayCalendar(country="BE", subdivision=None, language="nl", extra=frozenset()),
        exceptions={},
    )


def _central() -> Schedule:
    return Schedule(
        zone=BRUSSELS,
        weekly=WeeklyHours.from_days(
            {
                "mon-fri": parse_day_hours("08:00-20:00"),
                "sat-sun": parse_day_hours("10:00-18:00"),
                "holidays": parse_day_hours("10:00-18:00"),
            }
        ),
        holidays=HolidayCalendar(country="BE", subdivision=None, language="nl", extra=frozenset()),
        exceptions={},
    )


@pytest.fixture(scope="session")
def desks() -> dict[str, Schedule]:
    return {"voorkempen": _voorkempen(), "kempen-zuid": _kempen_zuid(), "central": _central()}
