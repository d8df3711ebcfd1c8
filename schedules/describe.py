"""Opening hours in natural Dutch, for the closing message "U kan ons bereiken {opening_hours}."

Playbook 1.2.2 asks the closing message to name the opening hours of the line; generating them
from the configuration means hours are never typed twice (product contract, "Messages").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Final

from schedules.hours import MINUTES_PER_DAY, TimeRange, WeeklyHours

DAY_NAMES_NL: Final = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTH_NAMES_NL: Final = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)

_Hours = tuple[TimeRange, ...]
_Run = tuple[int, int]  # first and last weekday of consecutive days with the same hours


def _join(parts: Sequence[str]) -> str:
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} en {parts[-1]}"


def _clock(minute: int) -> str:
    hours, minutes = divmod(minute, 60)
    return str(hours) if minutes == 0 else f"{hours}.{minutes:02d}"


def _hours(ranges: _Hours) -> str:
    if ranges == (TimeRange(0, MINUTES_PER_DAY),):
        return "de hele dag"
    return " en ".join(f"van {_clock(item.start)} tot {_clock(item.end)} uur" for item in ranges)


def _run(first: int, last: int) -> str:
    if last - first >= 2:
        return f"van {DAY_NAMES_NL[first]} tot en met {DAY_NAMES_NL[last]}"
    return "op " + _join([DAY_NAMES_NL[day] for day in range(first, last + 1)])


def _days(runs: Sequence[_Run]) -> str:
    if runs == [(0, 6)]:
        return "elke dag"
    if all(last - first < 2 for first, last in runs):
        # Only single days and pairs: one flat list reads best ("op maandag, woensdag en vrijdag").
        return "op " + _join([DAY_NAMES_NL[day] for first, last in runs for day in range(first, last + 1)])
    return _join([_run(first, last) for first, last in runs])


def describe_hours_nl(weekly: WeeklyHours) -> str:
    """The week in Dutch, e.g. "van maandag tot en met vrijdag van 9 tot 16 uur en op zaterdag van
    9 tot 12 uur, behalve op feestdagen".

    Consecutive days with the same hours form one group; days with the same hours that are not
    consecutive are named together; closed days are left out. Returns ``""`` when the helpdesk
    is never open: callers then drop the sentence that would name the hours.
    """
    runs: dict[_Hours, list[_Run]] = {}
    for day, ranges in enumerate(weekly.days):
        if not ranges:
            continue
        same = runs.setdefault(ranges, [])
        if same and same[-1][1] == day - 1:
            same[-1] = (same[-1][0], day)
        else:
            same.append((day, day))
    text = _join([f"{_days(day_runs)} {_hours(ranges)}" for ranges, day_runs in runs.items()])
    if weekly.holidays is None:
        return text
    if weekly.holidays:
        on_holidays = f"op feestdagen {_hours(weekly.holidays)}"
        return f"{text} en {on_holidays}" if text else on_holidays
    return f"{text}, behalve op feestdagen" if text else ""


def describe_ranges_nl(ranges: Sequence[TimeRange]) -> str:
    """The hours of one day in Dutch, as ``{opening_hours}`` says them: "van 9 tot 12 uur", or
    "gesloten" for a day without hours."""
    return _hours(tuple(ranges)) if ranges else "gesloten"


def describe_date_nl(day: date) -> str:
    """A date as written in Dutch: "donderdag 24 december 2026"."""
    return f"{DAY_NAMES_NL[day.weekday()]} {day.day} {MONTH_NAMES_NL[day.month - 1]} {day.year}"
