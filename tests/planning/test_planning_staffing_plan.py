"""The staffing plan's pure parts: the ISO week, and the hourly forecast turned into the need per
half hour (both halves of an hour, at least min_agents while open, the rota's open half hours)."""

from __future__ import annotations

import datetime as dt

import pytest

from config import load_config
from planning.forecast import Bucket, Forecast, Step, Targets
from planning.learning import prior_response
from planning.rota import ShiftRules, plan_rota
from planning.staffing_plan import WeekError, half_hour_needs, open_slots, parse_week, week_name
from schedules import Schedule, TimeRange
from tests.ivr.conftest import CONFIG


@pytest.mark.parametrize(
    ("week", "monday"),
    [
        ("2026-W50", dt.date(2026, 12, 7)),
        ("2026-W53", dt.date(2026, 12, 28)),
        ("2027-W01", dt.date(2027, 1, 4)),
    ],
    ids=["w50", "2026-has-53-weeks", "first-week-of-2027"],
)
def test_a_week_is_its_monday(week: str, monday: dt.date) -> None:
    assert (parse_week(week), week_name(monday)) == (monday, week)


@pytest.mark.parametrize(
    ("week", "message"),
    [
        ("2026W50", "week '2026W50' is not written like 2026-W50"),
        ("2026-W5", "week '2026-W5' is not written like 2026-W50"),
        ("2027-W53", "week '2027-W53' does not exist: 2027 has no week 53"),
        ("2026-W00", "week '2026-W00' does not exist: 2026 has no week 00"),
    ],
    ids=["no-dash", "one-digit", "2027-has-52-weeks", "week-zero"],
)
def test_a_bad_week_is_refused(week: str, message: str) -> None:
    with pytest.raises(WeekError) as refused:
        parse_week(week)
    assert str(refused.value) == message


def test_open_slots_widen_to_whole_half_hours() -> None:
    assert open_slots((TimeRange(9 * 60 + 15, 10 * 60 + 10), TimeRange(13 * 60, 13 * 60 + 30))) == [
        540,
        570,
        600,
        780,
    ]


def _schedule() -> Schedule:
    config = load_config(CONFIG)
    desk = config.helpdesk("voorkempen")
    assert desk is not None
    return config.schedule(desk)


SCHEDULE = _schedule()
TARGETS = Targets(service_level=0.8, within_s=60, min_agents=2, wrap_up_s=10)
MONDAY = dt.date(2026, 11, 16)


def _forecast(needs: dict[int, int]) -> Forecast:
    """Monday 16 November's hours: the given hours' agents needed, 0 elsewhere."""
    buckets = tuple(
        Bucket(
            start=dt.datetime.combine(MONDAY, dt.time(hour), tzinfo=SCHEDULE.zone),
            open=9 <= hour < 16,
            offered=0.0,
            agents_needed=needs.get(hour, 0),
            invitations=None,
        )
        for hour in range(24)
    )
    response = prior_response(SCHEDULE, (0.1, 0.35, 0.2, 0.13, 0.1, 0.07, 0.05), 0)
    return Forecast(step=Step.HOUR, response=response, targets=TARGETS, handle_s=250.0, buckets=buckets)


def test_each_half_of_an_hour_needs_the_hour_and_at_least_min_agents_while_open() -> None:
    made = _forecast({9: 5, 10: 3, 11: 1, 15: 4, 20: 7})
    (monday, sunday) = half_hour_needs(made, SCHEDULE, [MONDAY, MONDAY + dt.timedelta(days=6)])

    assert dict(monday.need) == {
        540: 5,
        570: 5,
        600: 3,
        630: 3,
        660: 2,
        690: 2,
        720: 2,
        750: 2,
        780: 2,
        810: 2,
        840: 2,
        870: 2,
        900: 4,
        930: 4,
    }
    assert (monday.open, sunday.open, dict(sunday.need)) == ((TimeRange(540, 960),), (), {})


def test_the_need_is_planned_with_every_half_hour_covered() -> None:
    needs = half_hour_needs(_forecast({9: 5, 10: 3, 15: 4}), SCHEDULE, [MONDAY])
    rota = plan_rota(needs, ShiftRules(shift_hours=(4, 8), lunch_minutes=30, lunch_from_hours=6))
    assert [(item.start, item.needed) for item in rota.half_hours] == sorted(needs[0].need.items())
    assert all(item.planned >= item.needed for item in rota.half_hours)
