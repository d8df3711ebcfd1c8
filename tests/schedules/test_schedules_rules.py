"""Every rule of the example configuration: weekly hours, holidays, extra dates and exceptions."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from schedules import (
    DayPlan,
    Schedule,
    TimeRange,
    WeeklyHours,
    parse_day_hours,
)

BRUSSELS = ZoneInfo("Europe/Brussels")


def exactly(message: str) -> str:
    """A ``match`` pattern for the whole message, nothing more and nothing less."""
    return f"^{re.escape(message)}$"


def local(text: str) -> datetime:
    """A Brussels wall-clock time such as "2026-06-05 08:59:59" (never in a DST switch)."""
    return datetime.fromisoformat(text).replace(tzinfo=BRUSSELS)


@pytest.mark.parametrize(
    ("desk", "at", "expected"),
    [
        # voorkempen: mon-fri 09:00-16:00, sat 09:00-12:00, sun closed, holidays closed.
        pytest.param("voorkempen", "2026-06-05 08:59:59", False, id="voorkempen-fri-08:59:59-closed"),
        pytest.param("voorkempen", "2026-06-05 09:00:00", True, id="voorkempen-fri-09:00:00-open"),
        pytest.param("voorkempen", "2026-06-05 15:59:59", True, id="voorkempen-fri-15:59:59-open"),
        pytest.param("voorkempen", "2026-06-05 16:00:00", False, id="voorkempen-fri-16:00:00-closed"),
        pytest.param("voorkempen", "2026-06-08 12:00:00", True, id="voorkempen-mon-noon-open"),
        pytest.param("voorkempen", "2026-06-06 09:00:00", True, id="voorkempen-sat-09:00-open"),
        pytest.param("voorkempen", "2026-06-06 11:59:59", True, id="voorkempen-sat-11:59:59-open"),
        pytest.param("voorkempen", "2026-06-06 12:00:00", False, id="voorkempen-sat-12:00-closed"),
        pytest.param("voorkempen", "2026-06-07 10:00:00", False, id="voorkempen-sun-closed"),
        pytest.param("voorkempen", "2026-12-25 10:00:00", False, id="voorkempen-christmas-fri-closed"),
        pytest.param("voorkempen", "2026-05-14 10:00:00", False, id="voorkempen-ascension-thu-closed"),
        pytest.param("voorkempen", "2026-07-11 10:00:00", False, id="voorkempen-extra-2026-07-11-sat-closed"),
        pytest.param("voorkempen", "2026-07-04 10:00:00", True, id="voorkempen-sat-before-extra-open"),
        pytest.param("voorkempen", "2026-12-24 11:59:59", True, id="voorkempen-exception-12-24-morning-open"),
        pytest.param("voorkempen", "2026-12-24 12:00:00", False, id="voorkempen-exception-12-24-noon-closed"),
        pytest.param("voorkempen", "2026-12-31 10:00:00", False, id="voorkempen-exception-12-31-closed"),
        pytest.param("voorkempen", "2027-12-31 10:00:00", True, id="voorkempen-exception-only-2026"),
        # kempen-zuid: mon-fri 09:00-12:30 and 13:30-17:00, weekend and holidays closed.
        pytest.param("kempen-zuid", "2026-06-08 08:59:59", False, id="kempen-zuid-mon-08:59:59-closed"),
        pytest.param("kempen-zuid", "2026-06-08 09:00:00", True, id="kempen-zuid-mon-09:00-open"),
        pytest.param("kempen-zuid", "2026-06-08 12:29:59", True, id="kempen-zuid-mon-12:29:59-open"),
        pytest.param("kempen-zuid", "2026-06-08 12:30:00", False, id="kempen-zuid-lunch-12:30-closed"),
        pytest.param("kempen-zuid", "2026-06-08 13:29:59", False, id="kempen-zuid-lunch-13:29:59-closed"),
        pytest.param("kempen-zuid", "2026-06-08 13:30:00", True, id="kempen-zuid-mon-13:30-open"),
        pytest.param("kempen-zuid", "2026-06-08 16:59:59", True, id="kempen-zuid-mon-16:59:59-open"),
        pytest.param("kempen-zuid", "2026-06-08 17:00:00", False, id="kempen-zuid-mon-17:00-closed"),
        pytest.param("kempen-zuid", "2026-06-06 10:00:00", False, id="kempen-zuid-sat-closed"),
        pytest.param("kempen-zuid", "2026-06-07 10:00:00", False, id="kempen-zuid-sun-closed"),
        pytest.param("kempen-zuid", "2026-04-06 10:00:00", False, id="kempen-zuid-easter-monday-closed"),
        pytest.param("kempen-zuid", "2026-07-21 10:00:00", False, id="kempen-zuid-national-day-tue-closed"),
        pytest.param("kempen-zuid", "2026-12-24 14:00:00", True, id="kempen-zuid-no-voorkempen-exception"),
        # central: mon-fri 08:00-20:00, sat-sun and holidays 10:00-18:00.
        pytest.param("central", "2026-06-08 07:59:59", False, id="central-mon-07:59:59-closed"),
        pytest.param("central", "2026-06-08 08:00:00", True, id="central-mon-08:00-open"),
        pytest.param("central", "2026-06-08 19:59:59", True, id="central-mon-19:59:59-open"),
        pytest.param("central", "2026-06-08 20:00:00", False, id="central-mon-20:00-closed"),
        pytest.param("central", "2026-06-06 09:59:59", False, id="central-sat-09:59:59-closed"),
        pytest.param("central", "2026-06-06 10:00:00", True, id="central-sat-10:00-open"),
        pytest.param("central", "2026-06-07 17:59:59", True, id="central-sun-17:59:59-open"),
        pytest.param("central", "2026-06-07 18:00:00", False, id="central-sun-18:00-closed"),
        pytest.param("central", "2026-11-11 09:00:00", False, id="central-armistice-wed-09:00-closed"),
        pytest.param("central", "2026-11-11 10:00:00", True, id="central-armistice-wed-10:00-open"),
        pytest.param("central", "2026-11-11 19:00:00", False, id="central-armistice-wed-19:00-closed"),
        pytest.param("central", "2026-07-10 19:00:00", True, id="central-no-voorkempen-extra"),
    ],
)
def test_is_open(desks: dict[str, Schedule], desk: str, at: str, expected: bool) -> None:
    assert desks[desk].is_open(local(at)) is expected


def test_is_open_converts_to_the_zone(desks: dict[str, Schedule]) -> None:
    # 07:30 UTC is 09:30 in Brussels in summer: open, although 07:30 would not be.
    assert desks["voorkempen"].is_open(datetime(2026, 6, 5, 7, 30, tzinfo=UTC)) is True
    assert desks["voorkempen"].is_open(datetime(2026, 6, 5, 6, 59, tzinfo=UTC)) is False


@pytest.mark.parametrize(
    "method", [pytest.param("is_open"), pytest.param("next_opening"), pytest.param("next_closing")]
)
def test_naive_datetime_refused(desks: dict[str, Schedule], method: str) -> None:
    with pytest.raises(
        ValueError, match=exactly("2026-06-05T10:00:00 has no time zone; pass an aware datetime")
    ):
        getattr(desks["voorkempen"], method)(datetime(2026, 6, 5, 10, 0))  # noqa: DTZ001


NINE_TO_FOUR = (TimeRange(540, 960),)
NINE_TO_NOON = (TimeRange(540, 720),)
TEN_TO_SIX = (TimeRange(600, 1080),)


@pytest.mark.parametrize(
    ("desk", "day", "expected"),
    [
        pytest.param(
            "voorkempen",
            date(2026, 12, 24),
            DayPlan(date(2026, 12, 24), NINE_TO_NOON, "exception", None),
            id="voorkempen-exception",
        ),
        pytest.param(
            "voorkempen",
            date(2026, 12, 25),
            DayPlan(date(2026, 12, 25), (), "holiday", "Kerstmis"),
            id="voorkempen-holiday-closed",
        ),
        pytest.param(
            "voorkempen",
            date(2026, 12, 31),
            DayPlan(date(2026, 12, 31), (), "exception", None),
            id="voorkempen-exception-closed",
        ),
        pytest.param(
            "voorkempen",
            date(2026, 7, 11),
            DayPlan(date(2026, 7, 11), (), "holiday", "extra sluitingsdag"),
            id="voorkempen-extra-date",
        ),
        pytest.param(
            "voorkempen",
            date(2026, 6, 6),
            DayPlan(date(2026, 6, 6), NINE_TO_NOON, "weekday", None),
            id="voorkempen-saturday",
        ),
        pytest.param(
            "kempen-zuid",
            date(2026, 7, 11),
            DayPlan(date(2026, 7, 11), (), "weekday", None),
            id="kempen-zuid-no-extra-date",
        ),
        pytest.param(
            "central",
            date(2026, 11, 11),
            DayPlan(date(2026, 11, 11), TEN_TO_SIX, "holiday", "Wapenstilstand"),
            id="central-holiday-hours",
        ),
        pytest.param(
            "central",
            date(2026, 11, 12),
            DayPlan(date(2026, 11, 12), (TimeRange(480, 1200),), "weekday", None),
            id="central-weekday",
        ),
    ],
)
def test_plan(desks: dict[str, Schedule], desk: str, day: date, expected: DayPlan) -> None:
    assert desks[desk].plan(day) == expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        pytest.param("2026-12-25 09:59:59", False, id="before-exception"),
        pytest.param("2026-12-25 10:00:00", True, id="exception-opens-christmas"),
        pytest.param("2026-12-25 11:59:59", True, id="exception-last-second"),
        pytest.param("2026-12-25 12:00:00", False, id="after-exception"),
    ],
)
def test_exception_beats_holiday(desks: dict[str, Schedule], at: str, expected: bool) -> None:
    desk = replace(desks["voorkempen"], exceptions={date(2026, 12, 25): parse_day_hours("10:00-12:00")})
    assert desk.is_open(local(at)) is expected
    assert desk.plan(date(2026, 12, 25)) == DayPlan(
        date(2026, 12, 25), (TimeRange(600, 720),), "exception", "Kerstmis"
    )


def test_holiday_key_absent_keeps_weekday_hours(desks: dict[str, Schedule]) -> None:
    desk = replace(desks["voorkempen"], weekly=WeeklyHours.from_days({"mon-fri": NINE_TO_FOUR}))
    assert desk.plan(date(2026, 12, 25)) == DayPlan(date(2026, 12, 25), NINE_TO_FOUR, "weekday", "Kerstmis")
    assert desk.is_open(local("2026-12-25 10:00")) is True


def test_no_calendar_means_no_holidays() -> None:
    desk = Schedule(
        zone=BRUSSELS,
        weekly=WeeklyHours.from_days({"mon-fri": NINE_TO_FOUR, "holidays": ()}),
        holidays=None,
        exceptions={},
    )
    assert desk.plan(date(2026, 12, 25)) == DayPlan(date(2026, 12, 25), NINE_TO_FOUR, "weekday", None)


def test_week(desks: dict[str, Schedule]) -> None:
    assert desks["voorkempen"].week(date(2026, 12, 21)) == [
        DayPlan(date(2026, 12, 21), NINE_TO_FOUR, "weekday", None),
        DayPlan(date(2026, 12, 22), NINE_TO_FOUR, "weekday", None),
        DayPlan(date(2026, 12, 23), NINE_TO_FOUR, "weekday", None),
        DayPlan(date(2026, 12, 24), NINE_TO_NOON, "exception", None),
        DayPlan(date(2026, 12, 25), (), "holiday", "Kerstmis"),
        DayPlan(date(2026, 12, 26), NINE_TO_NOON, "weekday", None),
        DayPlan(date(2026, 12, 27), (), "weekday", None),
    ]


def test_week_of_other_length(desks: dict[str, Schedule]) -> None:
    assert [plan.day for plan in desks["central"].week(date(2026, 12, 31), days=3)] == [
        date(2026, 12, 31),
        date(2027, 1, 1),
        date(2027, 1, 2),
    ]


@pytest.mark.parametrize(
    ("desk", "at", "expected"),
    [
        pytest.param(
            "voorkempen", "2026-06-05 18:00", "2026-06-06T09:00:00+02:00", id="voorkempen-fri-evening-to-sat"
        ),
        pytest.param(
            "voorkempen", "2026-06-05 16:00", "2026-06-06T09:00:00+02:00", id="voorkempen-at-closing-to-sat"
        ),
        pytest.param(
            "voorkempen", "2026-06-05 10:00", "2026-06-06T09:00:00+02:00", id="voorkempen-open-next-opening"
        ),
        pytest.param(
            "voorkempen", "2026-06-05 09:00", "2026-06-06T09:00:00+02:00", id="voorkempen-at-opening-next-one"
        ),
        pytest.param(
            "voorkempen", "2026-06-05 08:00", "2026-06-05T09:00:00+02:00", id="voorkempen-fri-morning-today"
        ),
        pytest.param(
            "voorkempen", "2026-06-06 12:00", "2026-06-08T09:00:00+02:00", id="voorkempen-sat-noon-to-mon"
        ),
        pytest.param(
            "voorkempen", "2026-07-10 18:00", "2026-07-13T09:00:00+02:00", id="voorkempen-skips-extra-date"
        ),
        pytest.param(
            "voorkempen", "2026-12-23 17:00", "2026-12-24T09:00:00+01:00", id="voorkempen-to-exception"
        ),
        pytest.param(
            "voorkempen", "2026-12-24 12:00", "2026-12-26T09:00:00+01:00", id="voorkempen-skips-christmas"
        ),
        pytest.param(
            "voorkempen", "2026-12-30 16:00", "2027-01-02T09:00:00+01:00", id="voorkempen-skips-year-end"
        ),
        pytest.param(
            "kempen-zuid", "2026-06-08 12:30", "2026-06-08T13:30:00+02:00", id="kempen-zuid-after-lunch"
        ),
        pytest.param(
            "kempen-zuid", "2026-06-08 10:00", "2026-06-08T13:30:00+02:00", id="kempen-zuid-open-to-afternoon"
        ),
        pytest.param(
            "kempen-zuid", "2026-06-05 17:00", "2026-06-08T09:00:00+02:00", id="kempen-zuid-weekend"
        ),
        pytest.param(
            "central", "2026-11-10 20:00", "2026-11-11T10:00:00+01:00", id="central-to-holiday-hours"
        ),
    ],
)
def test_next_opening(desks: dict[str, Schedule], desk: str, at: str, expected: str) -> None:
    opening = desks[desk].next_opening(local(at))
    assert opening is not None
    assert (opening.isoformat(), opening.tzinfo) == (expected, BRUSSELS)


@pytest.mark.parametrize(
    ("desk", "at", "expected"),
    [
        pytest.param("voorkempen", "2026-06-05 09:00", "2026-06-05T16:00:00+02:00", id="voorkempen-weekday"),
        pytest.param(
            "voorkempen", "2026-06-05 15:59:59", "2026-06-05T16:00:00+02:00", id="voorkempen-last-second"
        ),
        pytest.param(
            "voorkempen", "2026-06-05 16:00", "2026-06-06T12:00:00+02:00", id="voorkempen-closed-next-period"
        ),
        pytest.param(
            "voorkempen", "2026-12-24 10:00", "2026-12-24T12:00:00+01:00", id="voorkempen-exception"
        ),
        pytest.param("kempen-zuid", "2026-06-08 10:00", "2026-06-08T12:30:00+02:00", id="kempen-zuid-lunch"),
        pytest.param(
            "kempen-zuid", "2026-06-08 14:00", "2026-06-08T17:00:00+02:00", id="kempen-zuid-afternoon"
        ),
        pytest.param("central", "2026-11-11 12:00", "2026-11-11T18:00:00+01:00", id="central-holiday"),
    ],
)
def test_next_closing(desks: dict[str, Schedule], desk: str, at: str, expected: str) -> None:
    closing = desks[desk].next_closing(local(at))
    assert closing is not None
    assert (closing.isoformat(), closing.tzinfo) == (expected, BRUSSELS)


def _weekly(**days: str | list[str]) -> WeeklyHours:
    return WeeklyHours.from_days(
        {key.replace("_", "-"): parse_day_hours(value) for key, value in days.items()}
    )


LATE_NIGHT = _weekly(sat=["09:00-12:00", "20:00-24:00"], sun="00:00-02:00")


@pytest.mark.parametrize(
    ("weekly", "at", "closing", "opening"),
    [
        pytest.param(
            LATE_NIGHT,
            "2026-06-06 21:00",
            "2026-06-07T02:00:00+02:00",
            "2026-06-13T09:00:00+02:00",
            id="sat-24:00-runs-on-into-sun-00:00",
        ),
        pytest.param(
            LATE_NIGHT,
            "2026-06-07 00:00",
            "2026-06-07T02:00:00+02:00",
            "2026-06-13T09:00:00+02:00",
            id="at-midnight-same-period",
        ),
        pytest.param(
            LATE_NIGHT,
            "2026-06-06 12:00",
            "2026-06-07T02:00:00+02:00",
            "2026-06-06T20:00:00+02:00",
            id="closed-between-periods",
        ),
        pytest.param(
            _weekly(mon_fri="00:00-24:00"),
            "2026-06-03 12:00",
            "2026-06-06T00:00:00+02:00",
            "2026-06-08T00:00:00+02:00",
            id="weekdays-round-the-clock-close-sat-00:00",
        ),
        pytest.param(
            _weekly(mon=["09:00-12:00", "12:00-13:00"]),
            "2026-06-08 11:00",
            "2026-06-08T13:00:00+02:00",
            "2026-06-15T09:00:00+02:00",
            id="touching-ranges-one-period",
        ),
    ],
)
def test_periods_across_midnight(weekly: WeeklyHours, at: str, closing: str, opening: str) -> None:
    desk = Schedule(zone=BRUSSELS, weekly=weekly, holidays=None, exceptions={})
    found = (desk.next_closing(local(at)), desk.next_opening(local(at)))
    assert [moment.isoformat() if moment else None for moment in found] == [closing, opening]


ALWAYS = _weekly(mon_sun="00:00-24:00")
NEVER = _weekly(mon_sun="closed")


@pytest.mark.parametrize(
    ("weekly", "exceptions", "closing", "opening"),
    [
        pytest.param(ALWAYS, {}, None, None, id="always-open-never-closes-or-opens"),
        pytest.param(NEVER, {}, None, None, id="never-open"),
        pytest.param(
            NEVER,
            {date(2027, 6, 30): (TimeRange(600, 660),)},
            "2027-06-30T11:00:00+02:00",
            "2027-06-30T10:00:00+02:00",
            id="one-exception-within-400-days",
        ),
        pytest.param(
            NEVER, {date(2027, 8, 1): (TimeRange(600, 660),)}, None, None, id="exception-beyond-400-days"
        ),
        pytest.param(
            ALWAYS,
            {date(2027, 6, 30): ()},
            "2027-06-30T00:00:00+02:00",
            "2027-07-01T00:00:00+02:00",
            id="always-open-but-one-closed-day",
        ),
        pytest.param(ALWAYS, {date(2027, 8, 1): ()}, None, None, id="closed-day-beyond-400-days"),
    ],
)
def test_search_limit(
    weekly: WeeklyHours,
    exceptions: dict[date, tuple[TimeRange, ...]],
    closing: str | None,
    opening: str | None,
) -> None:
    desk = Schedule(zone=BRUSSELS, weekly=weekly, holidays=None, exceptions=exceptions)
    at = local("2026-06-15 12:00")
    found = (desk.next_closing(at), desk.next_opening(at))
    assert [moment.isoformat() if moment else None for moment in found] == [closing, opening]
