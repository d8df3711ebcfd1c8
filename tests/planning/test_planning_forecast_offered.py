"""The offered calls a batch causes, counted in the helpdesk's open days, and spread over a day's
hours (pure: the example config's voorkempen, open Monday to Friday 9-16 and Saturday 9-12,
closed on Sundays and public holidays, 9-12 on 24 December)."""

from __future__ import annotations

import datetime as dt

import pytest

from config import load_config
from planning.forecast import day_hours, expected_calls
from planning.learning import Basis, Response, flat_profile, prior_response
from planning.open_days import OpenDays
from schedules import Schedule, TimeRange
from tests.ivr.conftest import CONFIG

LAG = (0.10, 0.30, 0.20, 0.15, 0.10, 0.10, 0.05)
# Thursday 12 November 2026 follows the holiday of Wednesday 11 November.
FRIDAY = dt.date(2026, 11, 6)


def _schedule() -> Schedule:
    config = load_config(CONFIG)
    desk = config.helpdesk("voorkempen")
    assert desk is not None
    return config.schedule(desk)


SCHEDULE = _schedule()


def _response(hourly: tuple[float, ...] | None = None) -> Response:
    prior = prior_response(SCHEDULE, LAG, history_days=0)
    profiles = prior.hourly_profile if hourly is None else (hourly,) * 7
    return Response(
        basis=Basis.LEARNED,
        history_days=40,
        history_from=None,
        history_to=None,
        contact_rate=0.04,
        lag_profile=LAG,
        hourly_profile=profiles,
        talk_s=200.0,
        patience_s=None,
    )


@pytest.mark.parametrize(
    ("sent", "zero"),
    [
        (dt.date(2026, 11, 6), dt.date(2026, 11, 6)),
        (dt.date(2026, 11, 7), dt.date(2026, 11, 7)),
        (dt.date(2026, 11, 8), dt.date(2026, 11, 9)),
        (dt.date(2026, 11, 11), dt.date(2026, 11, 12)),
    ],
    ids=[
        "open-friday",
        "open-saturday",
        "closed-sunday-counts-from-monday",
        "holiday-counts-from-the-next-day",
    ],
)
def test_day_zero_is_the_first_open_day_from_sending(sent: dt.date, zero: dt.date) -> None:
    calendar = OpenDays.between(SCHEDULE, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert calendar.days[calendar.day_zero(sent)] == zero


def test_a_batch_spreads_over_seven_open_days_skipping_sunday_and_the_holiday() -> None:
    days = [FRIDAY + dt.timedelta(days=offset) for offset in range(10)]
    expected = expected_calls(_response(), SCHEDULE, {FRIDAY: 1000}, days)

    assert {day.isoformat(): round(calls, 6) for day, calls in expected.items()} == {
        "2026-11-06": 4.0,  # +0
        "2026-11-07": 12.0,  # +1, Saturday
        "2026-11-08": 0.0,  # Sunday, closed
        "2026-11-09": 8.0,  # +2
        "2026-11-10": 6.0,  # +3
        "2026-11-11": 0.0,  # holiday, closed
        "2026-11-12": 4.0,  # +4
        "2026-11-13": 4.0,  # +5
        "2026-11-14": 2.0,  # +6
        "2026-11-15": 0.0,
    }


def test_overlapping_batches_add_up_and_batches_from_before_the_period_count() -> None:
    saturday = dt.date(2026, 11, 14)
    batches = {FRIDAY: 1000, dt.date(2026, 11, 12): 2000, dt.date(2026, 11, 16): 5000}
    expected = expected_calls(_response(), SCHEDULE, batches, [saturday])
    # Saturday 14 is +6 of Friday 6's batch (2.0) and +2 of Thursday 12's (0.04 x 0.20 x 2000 = 16.0).
    assert expected == {saturday: pytest.approx(18.0)}


def test_the_prior_spreads_a_day_flat_over_its_open_hours() -> None:
    hours = day_hours(_response(), SCHEDULE, dt.date(2026, 11, 9), 70.0)

    assert len(hours) == 24
    assert [
        (hour.start.hour, hour.open_minutes, round(hour.offered, 6)) for hour in hours if hour.offered
    ] == [(hour, 60, 10.0) for hour in range(9, 16)]


def test_a_day_with_shorter_hours_keeps_the_profile_to_its_open_hours() -> None:
    # A learned weekday profile over 9-16; on 24 December (9-12) only 9, 10 and 11 remain.
    profile = tuple(0.1 if 9 <= hour < 16 else 0.0 for hour in range(24))
    profile = (*profile[:14], 0.3, *profile[15:])
    hours = day_hours(_response(profile), SCHEDULE, dt.date(2026, 12, 24), 60.0)

    assert [(hour.start.hour, round(hour.offered, 6)) for hour in hours if hour.offered] == [
        (9, 20.0),
        (10, 20.0),
        (11, 20.0),
    ]


def test_a_day_opened_by_exception_without_a_profile_there_is_flat_over_its_hours() -> None:
    sunday = dt.date(2026, 11, 22)
    exceptional = Schedule(
        zone=SCHEDULE.zone,
        weekly=SCHEDULE.weekly,
        holidays=SCHEDULE.holidays,
        exceptions={sunday: (TimeRange(10 * 60, 12 * 60 + 30),)},
    )
    hours = day_hours(_response(), exceptional, sunday, 50.0)
    assert [(hour.start.hour, hour.open_minutes, hour.offered) for hour in hours if hour.open_minutes] == [
        (10, 60, 20.0),
        (11, 60, 20.0),
        (12, 30, 10.0),
    ]


@pytest.mark.parametrize(
    ("day", "count"),
    [(dt.date(2026, 3, 29), 23), (dt.date(2026, 10, 25), 25), (dt.date(2026, 10, 26), 24)],
    ids=["summer-time-starts", "summer-time-ends", "ordinary-day"],
)
def test_a_day_has_its_real_hours(day: dt.date, count: int) -> None:
    hours = day_hours(_response(), SCHEDULE, day, 0.0)
    assert len(hours) == count
    assert len({hour.start.isoformat() for hour in hours}) == count


def test_the_flat_profile_counts_the_open_minutes_of_each_hour() -> None:
    profile = flat_profile((TimeRange(9 * 60 + 30, 11 * 60), TimeRange(13 * 60, 13 * 60 + 30)))
    assert {hour: share for hour, share in enumerate(profile) if share} == {9: 0.25, 10: 0.5, 13: 0.25}
