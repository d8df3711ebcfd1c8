"""The week's rota: every open half hour covered, lunches staggered, agent-hours near the LP bound,
and a clear answer for a need no rota can meet (issue 22, done-when 3)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta

import pytest

from config.models import Staffing
from planning import (
    DayNeed,
    Rota,
    RotaInfeasibleError,
    Shift,
    ShiftRules,
    ShortReason,
    UncoveredHalfHour,
    plan_rota,
    write_half_hours_csv,
    write_shifts_csv,
)
from schedules import TimeRange

MONDAY = date(2026, 12, 7)
SATURDAY = MONDAY + timedelta(days=5)
DEFAULT = ShiftRules.from_staffing(Staffing())
EIGHT_HOURS_ONLY = ShiftRules(shift_hours=(8,), lunch_minutes=30, lunch_from_hours=6)


def hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def hours(*texts: str) -> tuple[TimeRange, ...]:
    return tuple(TimeRange(hm(text.split("-")[0]), hm(text.split("-")[1])) for text in texts)


def curve(opening: str, *needs: int) -> dict[int, int]:
    """Needs for consecutive half hours from ``opening``."""
    return {hm(opening) + 30 * index: need for index, need in enumerate(needs)}


def flat(span: str, need: int) -> dict[int, int]:
    start, end = (hm(part) for part in span.split("-"))
    return dict.fromkeys(range(start, end, 30), need)


def exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


def working(shifts: Iterable[Shift], day: date, minute: int) -> int:
    """Agents on shift and not at lunch, counted from the shifts alone."""
    return sum(
        1
        for shift in shifts
        if shift.day == day
        and shift.start <= minute < shift.end
        and not (
            shift.lunch_start is not None
            and shift.lunch_end is not None
            and shift.lunch_start <= minute < shift.lunch_end
        )
    )


def assert_covered(rota: Rota, days: Iterable[DayNeed]) -> None:
    for day in days:
        for minute, need in day.need.items():
            assert working(rota.shifts, day.day, minute) >= need, (day.day, minute)


# A weekday: a morning peak of 8, a dip to 2 over lunch, a smaller afternoon peak.
WEEKDAY = curve("09:00", 3, 5, 7, 8, 8, 7, 4, 2, 3, 4, 5, 6, 5, 4, 3, 2)
SATURDAY_MORNING = curve("09:00", 2, 3, 4, 4, 3, 2)
WEEK = [
    *(DayNeed(MONDAY + timedelta(days=offset), hours("09:00-17:00"), WEEKDAY) for offset in range(5)),
    DayNeed(SATURDAY, hours("09:00-12:00"), SATURDAY_MORNING),
    DayNeed(SATURDAY + timedelta(days=1), ()),
]


def test_a_realistic_week_is_covered_within_five_percent_of_the_lower_bound() -> None:
    rota = plan_rota(WEEK, DEFAULT)

    assert_covered(rota, WEEK)
    assert [(half.day, half.start) for half in rota.half_hours] == [
        (day.day, minute) for day in WEEK for minute in sorted(day.need)
    ]
    for half in rota.half_hours:
        assert half.planned == working(rota.shifts, half.day, half.start)
        assert half.needed == next(day.need[half.start] for day in WEEK if day.day == half.day)
    assert rota.lower_bound > 100
    assert rota.lower_bound <= rota.agent_hours <= 1.05 * rota.lower_bound
    assert rota.gap == pytest.approx((rota.agent_hours - rota.lower_bound) / rota.lower_bound)
    assert rota.agent_hours == sum(shift.hours for shift in rota.shifts)
    # A Saturday of three hours is shorter than the shortest shift: one shift of its length.
    assert {shift.hours for shift in rota.shifts if shift.day == SATURDAY} == {3.0}
    assert {shift.hours for shift in rota.shifts if shift.day != SATURDAY} <= {4.0, 8.0}


def test_an_eight_hour_shift_lunches_in_its_middle_half_and_a_four_hour_shift_not_at_all() -> None:
    rota = plan_rota(WEEK, DEFAULT)

    for shift in rota.shifts:
        if shift.hours == 8:
            assert shift.lunch_start is not None
            assert shift.lunch_end == shift.lunch_start + 30
            assert shift.lunch_start - shift.start >= 120
            assert shift.end - shift.lunch_end >= 120
        else:
            assert (shift.lunch_start, shift.lunch_end) == (None, None)


@pytest.mark.parametrize(
    ("need", "agents"),
    [
        pytest.param(1, 2, id="need-1-two-agents"),
        pytest.param(2, 3, id="need-2-three-agents"),
        pytest.param(3, 4, id="need-3-four-agents"),
    ],
)
def test_a_small_team_on_full_shifts_never_lunches_together(need: int, agents: int) -> None:
    """With only 8-hour shifts and a flat need, one relief agent is the cheapest: then any two
    lunches in the same half hour would drop the cover below the need, so none do."""
    days = [DayNeed(MONDAY, hours("09:00-17:00"), flat("09:00-17:00", need))]

    rota = plan_rota(days, EIGHT_HOURS_ONLY)

    assert_covered(rota, days)
    assert len(rota.shifts) == agents
    lunches = [shift.lunch_start for shift in rota.shifts]
    assert len(set(lunches)) == agents
    assert rota.agent_hours == 8 * agents


def test_lunches_may_share_a_half_hour_only_where_the_need_dips() -> None:
    need = flat("09:00-17:00", 3) | flat("12:30-13:00", 1)
    days = [DayNeed(MONDAY, hours("09:00-17:00"), need)]

    rota = plan_rota(days, EIGHT_HOURS_ONLY)

    assert_covered(rota, days)
    assert len(rota.shifts) == 4
    for half in rota.half_hours:
        assert half.at_lunch <= 4 - half.needed
    assert max(half.at_lunch for half in rota.half_hours if half.start != hm("12:30")) <= 1


def test_a_forced_lunch_and_both_csv_tables_exactly() -> None:
    """One agent suffices when 13:00 needs nobody: the lunch has to fall there."""
    need = flat("09:00-17:00", 1) | {hm("13:00"): 0}
    days = [
        DayNeed(MONDAY, hours("09:00-17:00"), need),
        DayNeed(SATURDAY, hours("09:00-11:00"), flat("09:00-11:00", 1)),
    ]

    rota = plan_rota(days, EIGHT_HOURS_ONLY)

    shifts = io.StringIO()
    write_shifts_csv(rota, shifts)
    assert shifts.getvalue() == (
        "day,start,end,lunch_start,lunch_end\n2026-12-07,09:00,17:00,13:00,13:30\n2026-12-12,09:00,11:00,,\n"
    )
    half_hours = io.StringIO()
    write_half_hours_csv(rota, half_hours)
    rows = half_hours.getvalue().splitlines()
    assert rows[0] == "day,time,needed,planned,at_lunch"
    assert rows[1:3] == ["2026-12-07,09:00,1,1,0", "2026-12-07,09:30,1,1,0"]
    assert rows[9] == "2026-12-07,13:00,0,0,1"
    assert rows[-4:] == [
        "2026-12-12,09:00,1,1,0",
        "2026-12-12,09:30,1,1,0",
        "2026-12-12,10:00,1,1,0",
        "2026-12-12,10:30,1,1,0",
    ]
    assert len(rows) == 1 + 16 + 4
    assert (rota.agent_hours, rota.lower_bound, rota.gap) == (10.0, 10.0, 0.0)


@pytest.mark.parametrize(
    ("opening", "need", "expected"),
    [
        pytest.param(
            ("09:00-12:30", "13:30-17:00"),
            flat("09:00-12:30", 1) | flat("13:30-17:00", 1),
            [
                Shift(MONDAY, hm("09:00"), hm("12:30"), None, None),
                Shift(MONDAY, hm("13:30"), hm("17:00"), None, None),
            ],
            id="a-lunch-closing-splits-the-day-into-two-short-shifts",
        ),
        pytest.param(
            ("09:00-13:00", "14:00-18:00"),
            flat("09:00-13:00", 2) | flat("14:00-18:00", 1),
            [Shift(MONDAY, hm("09:00"), hm("13:00"), None, None)] * 2
            + [Shift(MONDAY, hm("14:00"), hm("18:00"), None, None)],
            id="no-shift-spans-the-closed-hour",
        ),
        pytest.param(
            ("09:15-13:00",),
            flat("09:00-13:00", 1),
            [Shift(MONDAY, hm("09:00"), hm("13:00"), None, None)],
            id="an-opening-off-the-half-hour-starts-the-shift-before-it",
        ),
        pytest.param(
            ("09:00-12:00", "12:00-13:00"),
            flat("09:00-13:00", 1),
            [Shift(MONDAY, hm("09:00"), hm("13:00"), None, None)],
            id="touching-ranges-are-one-span",
        ),
    ],
)
def test_open_spans(opening: tuple[str, ...], need: Mapping[int, int], expected: list[Shift]) -> None:
    days = [DayNeed(MONDAY, hours(*opening), need)]

    rota = plan_rota(days, DEFAULT)

    assert list(rota.shifts) == expected


def test_no_need_plans_no_shifts() -> None:
    days = [
        DayNeed(MONDAY, hours("09:00-17:00"), flat("09:00-17:00", 0)),
        DayNeed(SATURDAY, hours("09:00-12:00")),
    ]

    rota = plan_rota(days, DEFAULT)

    assert rota.shifts == ()
    assert len(rota.half_hours) == 16 + 6
    assert {(half.needed, half.planned, half.at_lunch) for half in rota.half_hours} == {(0, 0, 0)}
    assert (rota.agent_hours, rota.lower_bound, rota.gap) == (0, 0, 0)


def test_the_same_input_gives_the_same_rota_and_csv() -> None:
    first, second = plan_rota(WEEK, DEFAULT), plan_rota(list(reversed(WEEK)), DEFAULT)

    assert first == second
    tables = []
    for rota in (first, second):
        out = io.StringIO()
        write_shifts_csv(rota, out)
        write_half_hours_csv(rota, out)
        tables.append(out.getvalue())
    assert tables[0] == tables[1]


def test_a_need_at_the_cap_is_met_with_short_shifts_when_lunches_would_break_it() -> None:
    days = [DayNeed(MONDAY, hours("09:00-17:00"), flat("09:00-17:00", 2))]

    rota = plan_rota(days, ShiftRules.from_staffing(Staffing(), max_agents=2))

    assert_covered(rota, days)
    assert sorted((shift.start, shift.end) for shift in rota.shifts) == [(540, 780)] * 2 + [(780, 1020)] * 2


def test_a_need_above_the_agents_available_names_the_half_hours() -> None:
    days = [
        DayNeed(MONDAY, hours("09:00-17:00"), WEEKDAY),
        DayNeed(SATURDAY, hours("09:00-12:00"), SATURDAY_MORNING),
    ]
    message = (
        "no rota covers every half hour: "
        "2026-12-07 10:30 needs 8, but at most 7 agents are available; "
        "2026-12-07 11:00 needs 8, but at most 7 agents are available"
    )

    with pytest.raises(RotaInfeasibleError, match=exactly(message)) as raised:
        plan_rota(days, ShiftRules.from_staffing(Staffing(), max_agents=7))

    assert raised.value.half_hours == (
        UncoveredHalfHour(MONDAY, hm("10:30"), 8, 7, ShortReason.ABOVE_MAX_AGENTS),
        UncoveredHalfHour(MONDAY, hm("11:00"), 8, 7, ShortReason.ABOVE_MAX_AGENTS),
    )


def test_a_need_while_closed_names_every_such_half_hour_of_the_week() -> None:
    days = [
        DayNeed(MONDAY, hours("09:00-12:00", "13:00-17:00"), flat("09:00-12:00", 2) | {hm("12:30"): 2}),
        DayNeed(SATURDAY + timedelta(days=1), (), {hm("10:00"): 1}),
    ]
    message = (
        "no rota covers every half hour: "
        "2026-12-07 12:30 needs 2, but the helpdesk is closed then; "
        "2026-12-13 10:00 needs 1, but the helpdesk is closed then"
    )

    with pytest.raises(RotaInfeasibleError, match=exactly(message)):
        plan_rota(days, DEFAULT)


def test_lunches_that_every_available_agent_is_needed_for_leave_half_hours_short() -> None:
    """Two agents, both needed all day, on 8-hour shifts only: each lunch leaves one short."""
    days = [DayNeed(MONDAY, hours("09:00-17:00"), flat("09:00-17:00", 2))]
    rules = ShiftRules(shift_hours=(8,), lunch_minutes=30, lunch_from_hours=6, max_agents=2)

    with pytest.raises(RotaInfeasibleError, match=r"^no rota covers every half hour: 2026-12-07 ") as raised:
        plan_rota(days, rules)

    short = raised.value.half_hours
    assert {half.reason for half in short} == {ShortReason.NOT_COVERABLE}
    assert sum(half.needed - half.coverable for half in short) == 2
    assert all(hm("11:00") <= half.start < hm("15:00") for half in short)
    assert str(raised.value) == "no rota covers every half hour: " + "; ".join(
        half.describe() for half in short
    )
    assert (
        short[0]
        .describe()
        .endswith(f"needs 2, but the shifts and lunches can give it at most {short[0].coverable}")
    )


def test_a_lunch_of_twenty_minutes_takes_a_whole_half_hour() -> None:
    need = flat("09:00-17:00", 1) | {hm("14:00"): 0}
    rules = ShiftRules(shift_hours=(8,), lunch_minutes=20, lunch_from_hours=6)

    rota = plan_rota([DayNeed(MONDAY, hours("09:00-17:00"), need)], rules)

    assert rota.shifts == (Shift(MONDAY, hm("09:00"), hm("17:00"), hm("14:00"), hm("14:30")),)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            lambda: DayNeed(MONDAY, hours("09:00-17:00"), {hm("09:15"): 1}),
            "2026-12-07: a half hour starts at a multiple of 30 minutes, got 555",
            id="need-off-the-half-hour",
        ),
        pytest.param(
            lambda: DayNeed(MONDAY, hours("09:00-17:00"), {hm("09:00"): -1}),
            "2026-12-07 09:00: a need is at least 0, got -1",
            id="negative-need",
        ),
        pytest.param(
            lambda: ShiftRules(shift_hours=(), lunch_minutes=30, lunch_from_hours=6),
            "shift_hours needs at least one positive length, got ()",
            id="no-shift-length",
        ),
        pytest.param(
            lambda: ShiftRules(shift_hours=(2, 4), lunch_minutes=100, lunch_from_hours=2),
            "lunch_minutes must be at least 0 and leave a shift of lunch_from_hours a half hour of work, "
            "got 100",
            id="lunch-as-long-as-the-shift",
        ),
        pytest.param(
            lambda: plan_rota([DayNeed(MONDAY, ()), DayNeed(MONDAY, ())], DEFAULT),
            "each day once",
            id="a-day-twice",
        ),
    ],
)
def test_malformed_input_is_a_programming_error(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=exactly(message)):
        build()
