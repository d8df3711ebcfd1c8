"""Day keys, day values and the week as operations staff write them (product contract, "Configuration")."""

from __future__ import annotations

import re

import pytest

from schedules import HOLIDAYS, TimeRange, WeeklyHours, parse_day_hours, parse_day_key

UNKNOWN = 'unknown day key "{}"; use mon, tue, wed, thu, fri, sat, sun, a span like mon-fri, or holidays'


def exactly(message: str) -> str:
    """A ``match`` pattern for the whole message, nothing more and nothing less."""
    return f"^{re.escape(message)}$"


def hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def ranges(*texts: str) -> tuple[TimeRange, ...]:
    return tuple(TimeRange(hm(text.split("-")[0]), hm(text.split("-")[1])) for text in texts)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        pytest.param("mon", (0,), id="mon"),
        pytest.param("wed", (2,), id="wed"),
        pytest.param("sun", (6,), id="sun"),
        pytest.param("mon-fri", (0, 1, 2, 3, 4), id="mon-fri"),
        pytest.param("sat-sun", (5, 6), id="sat-sun"),
        pytest.param("mon-sun", (0, 1, 2, 3, 4, 5, 6), id="whole-week"),
        pytest.param("tue-tue", (1,), id="span-of-one-day"),
        pytest.param("holidays", HOLIDAYS, id="holidays"),
    ],
)
def test_day_key(key: str, expected: tuple[int, ...] | str) -> None:
    assert parse_day_key(key) == expected


@pytest.mark.parametrize(
    ("key", "message"),
    [
        pytest.param("mon-fry", UNKNOWN.format("mon-fry"), id="typo-in-span"),
        pytest.param("Mon", UNKNOWN.format("Mon"), id="capital"),
        pytest.param("monday", UNKNOWN.format("monday"), id="full-name"),
        pytest.param("", UNKNOWN.format(""), id="empty"),
        pytest.param("mon-", UNKNOWN.format("mon-"), id="open-span"),
        pytest.param("mon-holidays", UNKNOWN.format("mon-holidays"), id="span-to-holidays"),
        pytest.param(" mon", UNKNOWN.format(" mon"), id="leading-space"),
        pytest.param(
            "fri-mon",
            'day span "fri-mon" runs backwards; write it as "fri-sun" and "mon"',
            id="backwards-fri-mon",
        ),
        pytest.param(
            "sat-tue",
            'day span "sat-tue" runs backwards; write it as "sat-sun" and "mon-tue"',
            id="backwards-sat-tue",
        ),
        pytest.param(
            "sun-mon",
            'day span "sun-mon" runs backwards; write it as "sun" and "mon"',
            id="backwards-sun-mon",
        ),
    ],
)
def test_day_key_refused(key: str, message: str) -> None:
    with pytest.raises(ValueError, match=exactly(message)):
        parse_day_key(key)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("09:00-16:00", ranges("09:00-16:00"), id="one-range"),
        pytest.param(["09:00-12:00"], ranges("09:00-12:00"), id="list-of-one"),
        pytest.param(["09:00-12:30", "13:30-17:00"], ranges("09:00-12:30", "13:30-17:00"), id="lunch-break"),
        pytest.param(
            ["13:30-17:00", "09:00-12:30"], ranges("09:00-12:30", "13:30-17:00"), id="sorted-by-start"
        ),
        pytest.param(
            ("08:00-10:00", "10:00-12:00"), ranges("08:00-10:00", "10:00-12:00"), id="touching-tuple"
        ),
        pytest.param("closed", (), id="closed"),
        pytest.param("00:00-24:00", (TimeRange(0, 1440),), id="whole-day"),
        pytest.param("20:00-24:00", (TimeRange(1200, 1440),), id="until-midnight"),
        pytest.param("23:59-24:00", (TimeRange(1439, 1440),), id="last-minute"),
    ],
)
def test_day_hours(value: object, expected: tuple[TimeRange, ...]) -> None:
    assert parse_day_hours(value) == expected


SHAPE = 'is not a range like "09:00-16:00"'


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("9-16", f'"9-16" {SHAPE}', id="no-minutes"),
        pytest.param("9:00-16:00", f'"9:00-16:00" {SHAPE}', id="one-digit-hour"),
        pytest.param("25:00-26:00", f'"25:00-26:00" {SHAPE}', id="hour-25"),
        pytest.param("09:60-10:00", f'"09:60-10:00" {SHAPE}', id="minute-60"),
        pytest.param("24:00-24:00", f'"24:00-24:00" {SHAPE}', id="24-as-start"),
        pytest.param("23:00-24:30", f'"23:00-24:30" {SHAPE}', id="past-24"),
        pytest.param("09:00 - 16:00", f'"09:00 - 16:00" {SHAPE}', id="spaces"),
        pytest.param("open", f'"open" {SHAPE}', id="word"),
        pytest.param(9, f"9 {SHAPE}", id="number"),
        pytest.param(None, f"None {SHAPE}", id="null"),
        pytest.param(["closed"], f'"closed" {SHAPE}', id="closed-in-list"),
        pytest.param(
            "22:00-02:00",
            '"22:00-02:00" crosses midnight or ends before it starts; '
            'split it into "22:00-24:00" and "00:00-02:00" on the next day',
            id="crosses-midnight",
        ),
        pytest.param(
            "16:00-09:00",
            '"16:00-09:00" crosses midnight or ends before it starts; '
            'split it into "16:00-24:00" and "00:00-09:00" on the next day',
            id="end-before-start",
        ),
        pytest.param(
            "22:00-00:00", '"22:00-00:00" ends at midnight; write it as "22:00-24:00"', id="ends-at-00:00"
        ),
        pytest.param("10:00-10:00", '"10:00-10:00" is empty; use closed', id="empty-range"),
        pytest.param(
            ["09:00-12:00", "11:00-13:00"], 'ranges "09:00-12:00" and "11:00-13:00" overlap', id="overlap"
        ),
        pytest.param(
            ["11:00-13:00", "09:00-12:00"],
            'ranges "11:00-13:00" and "09:00-12:00" overlap',
            id="overlap-in-list-order",
        ),
        pytest.param(
            ["09:00-12:00", "09:00-12:00"],
            'ranges "09:00-12:00" and "09:00-12:00" overlap',
            id="same-range-twice",
        ),
        pytest.param([], "an empty list is not allowed; use closed", id="empty-list"),
        pytest.param(
            ["9-12", "13:00-12:00", "08:00-17:00", "10:00-11:00"],
            f'"9-12" {SHAPE}; '
            '"13:00-12:00" crosses midnight or ends before it starts; '
            'split it into "13:00-24:00" and "00:00-12:00" on the next day; '
            'ranges "08:00-17:00" and "10:00-11:00" overlap',
            id="several-problems",
        ),
        pytest.param(
            ["08:00-17:00", "09:00-10:00", "11:00-12:00"],
            'ranges "08:00-17:00" and "09:00-10:00" overlap; ranges "08:00-17:00" and "11:00-12:00" overlap',
            id="one-range-overlaps-two",
        ),
    ],
)
def test_day_hours_refused(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=exactly(message)):
        parse_day_hours(value)


@pytest.mark.parametrize(
    ("time_range", "text"),
    [
        pytest.param(TimeRange(540, 960), "09:00-16:00", id="day"),
        pytest.param(TimeRange(0, 1440), "00:00-24:00", id="whole-day"),
        pytest.param(TimeRange(750, 810), "12:30-13:30", id="half-hours"),
    ],
)
def test_time_range_text(time_range: TimeRange, text: str) -> None:
    assert str(time_range) == text


@pytest.mark.parametrize(
    ("minute", "inside"),
    [
        pytest.param(539, False, id="08:59"),
        pytest.param(540, True, id="09:00-start-included"),
        pytest.param(959, True, id="15:59"),
        pytest.param(960, False, id="16:00-end-excluded"),
    ],
)
def test_time_range_contains(minute: int, inside: bool) -> None:
    assert TimeRange(540, 960).contains(minute) is inside


@pytest.mark.parametrize(
    ("start", "end"),
    [
        pytest.param(600, 600, id="empty"),
        pytest.param(600, 540, id="backwards"),
        pytest.param(-1, 60, id="before-midnight"),
        pytest.param(0, 1441, id="after-24:00"),
    ],
)
def test_time_range_refused(start: int, end: int) -> None:
    message = f"a time range needs 0 <= start < end <= 1440 minutes, got start={start} end={end}"
    with pytest.raises(ValueError, match=exactly(message)):
        TimeRange(start, end)


NINE_TO_FOUR = ranges("09:00-16:00")
MORNING = ranges("09:00-12:00")


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        pytest.param(
            {"mon-fri": NINE_TO_FOUR, "sat": MORNING, "sun": (), "holidays": ()},
            WeeklyHours(days=(NINE_TO_FOUR,) * 5 + (MORNING, ()), holidays=()),
            id="voorkempen",
        ),
        pytest.param(
            {"mon-fri": NINE_TO_FOUR},
            WeeklyHours(days=(NINE_TO_FOUR,) * 5 + ((), ()), holidays=None),
            id="unlisted-days-closed-holidays-not-given",
        ),
        pytest.param(
            {"holidays": MORNING, "wed": NINE_TO_FOUR},
            WeeklyHours(days=((), (), NINE_TO_FOUR, (), (), (), ()), holidays=MORNING),
            id="holidays-first",
        ),
        pytest.param(
            {"mon": ranges("13:30-17:00", "09:00-12:30")},
            WeeklyHours(days=(ranges("09:00-12:30", "13:30-17:00"), (), (), (), (), (), ()), holidays=None),
            id="ranges-sorted",
        ),
    ],
)
def test_weekly_hours(mapping: dict[str, tuple[TimeRange, ...]], expected: WeeklyHours) -> None:
    assert WeeklyHours.from_days(mapping) == expected


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        pytest.param(
            {"mon-fri": NINE_TO_FOUR, "mon": MORNING},
            'mon is given twice (in "mon-fri" and "mon")',
            id="mon-twice",
        ),
        pytest.param(
            {"sat-sun": MORNING, "mon-sun": NINE_TO_FOUR},
            'sat is given twice (in "sat-sun" and "mon-sun"); '
            'sun is given twice (in "sat-sun" and "mon-sun")',
            id="two-days-twice",
        ),
        pytest.param({"mon-fry": NINE_TO_FOUR}, UNKNOWN.format("mon-fry"), id="unknown-key"),
    ],
)
def test_weekly_hours_refused(mapping: dict[str, tuple[TimeRange, ...]], message: str) -> None:
    with pytest.raises(ValueError, match=exactly(message)):
        WeeklyHours.from_days(mapping)


def test_week_needs_seven_days() -> None:
    with pytest.raises(ValueError, match=exactly("a week has 7 days, got 6")):
        WeeklyHours(days=((),) * 6, holidays=None)
