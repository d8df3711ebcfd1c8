"""KPI series: local buckets with their UTC offset, 23 or 25 hours on the DST days, and totals that
add up across 15 minutes, hours, days and the summary."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from calllog import OVERFLOW_REASONS, Bucket, Kpis, Step, bucket_count, series, set_invitations, summary
from tests.calllog.conftest import BRUSSELS, abandoned, answered, local, overflowed, play, sid
from tests.calllog.test_calllog_kpis import DESK, FIRST, LAST, build_calls

# The figures that add up across buckets (annotations are strings: "int" is a plain count).
COUNTS = tuple(field.name for field in fields(Kpis) if field.type == "int")


def _labels(buckets: list[Bucket]) -> list[str]:
    return [bucket.start.isoformat() for bucket in buckets]


def _counts(kpis: Kpis) -> dict[str, int]:
    counted = {name: getattr(kpis, name) for name in COUNTS}
    counted.update({f"overflowed_{reason}": kpis.overflowed_by_reason[reason] for reason in OVERFLOW_REASONS})
    return counted


def _add(many: list[Bucket]) -> dict[str, int]:
    total: dict[str, int] = {}
    for bucket in many:
        for name, value in _counts(bucket.kpis).items():
            total[name] = total.get(name, 0) + value
    return total


HOURS_SPRING = [f"2026-03-29T{hour:02d}:00:00+01:00" for hour in (0, 1)] + [
    f"2026-03-29T{hour:02d}:00:00+02:00" for hour in range(3, 24)
]
HOURS_AUTUMN = [f"2026-10-25T{hour:02d}:00:00+02:00" for hour in (0, 1, 2)] + [
    f"2026-10-25T{hour:02d}:00:00+01:00" for hour in range(2, 24)
]


@pytest.mark.parametrize(
    ("day", "labels", "calls", "offered"),
    [
        pytest.param(
            date(2026, 3, 29),
            HOURS_SPRING,
            ["2026-03-29T01:59:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T23:59:00+02:00"],
            {1: 1, 2: 1, 22: 1},
            id="summer-time-starts-23-hours",
        ),
        pytest.param(
            date(2026, 10, 25),
            HOURS_AUTUMN,
            ["2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00", "2026-10-25T02:45:00+01:00"],
            {2: 1, 3: 2},
            id="summer-time-ends-25-hours",
        ),
        pytest.param(
            date(2026, 12, 2),
            [f"2026-12-02T{hour:02d}:00:00+01:00" for hour in range(24)],
            ["2026-12-02T00:00:00+01:00", "2026-12-02T23:59:59+01:00"],
            {0: 1, 23: 1},
            id="ordinary-day-24-hours",
        ),
    ],
)
def test_hourly_buckets_follow_local_time(
    session: Session, day: date, labels: list[str], calls: list[str], offered: dict[int, int]
) -> None:
    for number, at in enumerate(calls):
        play(session, sid(number), DESK, local(at), answered(10, 20))

    buckets = series(session, DESK, day, day, "hour", BRUSSELS)

    assert _labels(buckets) == labels
    assert {index: b.kpis.offered for index, b in enumerate(buckets) if b.kpis.offered} == offered
    assert bucket_count(day, day, "hour", BRUSSELS) == len(labels)


@pytest.mark.parametrize(
    ("day", "count", "last"),
    [
        pytest.param(date(2026, 3, 29), 92, "2026-03-29T23:45:00+02:00", id="summer-time-starts"),
        pytest.param(date(2026, 10, 25), 100, "2026-10-25T23:45:00+01:00", id="summer-time-ends"),
    ],
)
def test_quarter_hours_on_the_dst_days(session: Session, day: date, count: int, last: str) -> None:
    buckets = series(session, DESK, day, day, "15m", BRUSSELS)
    assert (len(buckets), buckets[-1].start.isoformat()) == (count, last)


def test_the_repeated_hour_is_split_in_quarters_by_offset(session: Session) -> None:
    play(session, sid(1), DESK, local("2026-10-25T02:10:00+02:00"), abandoned(3))
    play(session, sid(2), DESK, local("2026-10-25T02:10:00+01:00"), abandoned(3))
    buckets = series(session, DESK, date(2026, 10, 25), date(2026, 10, 25), "15m", BRUSSELS)
    assert [bucket.start.isoformat() for bucket in buckets if bucket.kpis.offered] == [
        "2026-10-25T02:00:00+02:00",
        "2026-10-25T02:00:00+01:00",
    ]


def test_daily_buckets_label_local_midnight(session: Session) -> None:
    buckets = series(session, DESK, date(2026, 10, 24), date(2026, 10, 26), "day", BRUSSELS)
    assert _labels(buckets) == [
        "2026-10-24T00:00:00+02:00",
        "2026-10-25T00:00:00+02:00",
        "2026-10-26T00:00:00+01:00",
    ]


def _spread_calls(session: Session) -> None:
    build_calls(session)
    # More calls at the edges of quarters and hours, and in the repeated autumn hour.
    edges = ["2026-12-01T10:14:59+01:00", "2026-12-01T10:15:00+01:00", "2026-12-02T23:45:00+01:00"]
    for number, at in enumerate(edges):
        play(session, sid(300 + number), DESK, local(at), overflowed("wait_timeout", wait=180))


def test_quarters_add_up_to_hours_and_hours_to_days(session: Session) -> None:
    _spread_calls(session)

    quarters = series(session, DESK, FIRST, LAST, "15m", BRUSSELS)
    hours = series(session, DESK, FIRST, LAST, "hour", BRUSSELS)
    days = series(session, DESK, FIRST, LAST, "day", BRUSSELS)

    assert (len(quarters), len(hours), len(days)) == (192, 48, 2)
    assert [_add(quarters[4 * index : 4 * index + 4]) for index in range(48)] == [
        _counts(hour.kpis) for hour in hours
    ]
    assert [_add(hours[24 * index : 24 * index + 24]) for index in range(2)] == [
        _counts(day.kpis) for day in days
    ]
    assert [
        max((b.kpis.max_wait_s or 0 for b in quarters[96 * index : 96 * index + 96]), default=0)
        for index in range(2)
    ] == [day.kpis.max_wait_s for day in days]
    assert sum(hour.kpis.overflowed for hour in hours) == 9


def test_days_add_up_to_the_summary(session: Session) -> None:
    _spread_calls(session)
    total = summary(session, DESK, FIRST, LAST)
    days = series(session, DESK, FIRST, LAST, "day", BRUSSELS)

    assert _add(days) == _counts(total)
    assert [day.kpis.invitations for day in days] == [300, 200]
    assert sum(day.kpis.invitations or 0 for day in days) == total.invitations


def test_one_day_series_equals_the_summary_of_that_day(session: Session) -> None:
    _spread_calls(session)
    (day,) = series(session, DESK, LAST, LAST, "day", BRUSSELS)
    assert day.kpis == summary(session, DESK, LAST, LAST)


def test_overflow_to_central_per_hour(session: Session) -> None:
    _spread_calls(session)
    hours = series(session, DESK, FIRST, FIRST, "hour", BRUSSELS)
    assert {
        bucket.start.hour: bucket.kpis.overflowed_by_reason for bucket in hours if bucket.kpis.overflowed
    } == {
        # The two edge calls at 10:14:59 and 10:15; of build_calls, on 1 December (its even
        # numbers, 20 minutes apart from 09:00): closed at 12:20, queue_full at 12:40, error at 13:00.
        10: {"closed": 0, "no_agents": 0, "queue_full": 0, "wait_timeout": 2, "error": 0},
        12: {"closed": 1, "no_agents": 0, "queue_full": 1, "wait_timeout": 0, "error": 0},
        13: {"closed": 0, "no_agents": 0, "queue_full": 0, "wait_timeout": 0, "error": 1},
    }


@pytest.mark.parametrize("step", ["15m", "hour"])
def test_sub_day_buckets_do_not_split_invitations(session: Session, step: Step) -> None:
    set_invitations(session, DESK, FIRST, 300)
    buckets = series(session, DESK, FIRST, FIRST, step, BRUSSELS)
    assert {(bucket.kpis.invitations, bucket.kpis.contact_rate) for bucket in buckets} == {(None, None)}


def test_empty_buckets_are_present_and_empty(session: Session) -> None:
    buckets = series(session, DESK, FIRST, FIRST + timedelta(days=1), "hour", BRUSSELS)
    assert len(buckets) == 48
    assert {(b.kpis.offered, b.kpis.reachability, b.kpis.max_wait_s) for b in buckets} == {(0, None, None)}
