"""Both daylight-saving switches of 2026 and 2027 in Europe/Brussels.

In spring 02:00-03:00 does not exist; in autumn it happens twice. ``is_open`` reads the wall
clock; ``next_opening``/``next_closing`` return the real instant, a boundary in the gap taking
effect at 03:00 CEST and one in the repeated hour at its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from schedules import Schedule, WeeklyHours, parse_day_hours

BRUSSELS = ZoneInfo("Europe/Brussels")
SECOND = timedelta(seconds=1)

# The switches happen at 01:00 UTC: 02:00 CET -> 03:00 CEST in spring, 03:00 CEST -> 02:00 CET in autumn.
SPRING = {"spring-2026": date(2026, 3, 29), "spring-2027": date(2027, 3, 28)}
AUTUMN = {"autumn-2026": date(2026, 10, 25), "autumn-2027": date(2027, 10, 31)}


def switch(day: date) -> datetime:
    return datetime.combine(day, time(1), tzinfo=UTC)


def schedule(**days: str | list[str]) -> Schedule:
    weekly = WeeklyHours.from_days(
        {key.replace("_", "-"): parse_day_hours(value) for key, value in days.items()}
    )
    return Schedule(zone=BRUSSELS, weekly=weekly, holidays=None, exceptions={})


NIGHT = schedule(sun="01:00-04:00")
ALWAYS = schedule(mon_sun="00:00-24:00")
FROM_0230 = schedule(sun="02:30-05:00")
UNTIL_0230 = schedule(sun="00:00-02:30")
TWO_TO_THREE = schedule(sun="02:00-03:00")
AT_0230 = schedule(sun="02:30-02:45")
LATE_NIGHT = schedule(sat="20:00-24:00", sun="00:00-02:30")


def wall(at: datetime) -> str:
    local = at.astimezone(BRUSSELS)
    return f"{local:%H:%M:%S}-{local.tzname()}"


def is_open_cases() -> list[object]:
    cases: list[object] = []
    # Seconds from the switch at which the wall clock enters and leaves 01:00-04:00.
    for label, day in SPRING.items():
        for seconds, expected in [
            (-3601, False),
            (-3600, True),
            (-1, True),
            (0, True),
            (3599, True),
            (3600, False),
        ]:
            at = switch(day) + timedelta(seconds=seconds)
            cases.append(pytest.param(NIGHT, at, expected, id=f"{label}-night-{wall(at)}"))
    for label, day in AUTUMN.items():
        for seconds, expected in [
            (-7201, False),
            (-7200, True),
            (-1800, True),
            (1800, True),
            (7199, True),
            (7200, False),
        ]:
            at = switch(day) + timedelta(seconds=seconds)
            cases.append(pytest.param(NIGHT, at, expected, id=f"{label}-night-{wall(at)}"))
        # Both 02:30s read "02:30" on the wall clock; 02:00 CET does not.
        for seconds, expected in [(-1800, True), (-900, False), (0, False), (1800, True), (2700, False)]:
            at = switch(day) + timedelta(seconds=seconds)
            cases.append(pytest.param(AT_0230, at, expected, id=f"{label}-02:30-02:45-{wall(at)}"))
    for label, day in {**SPRING, **AUTUMN}.items():
        for seconds in (-1, 0, 1800):
            at = switch(day) + timedelta(seconds=seconds)
            cases.append(pytest.param(ALWAYS, at, True, id=f"{label}-always-{wall(at)}"))
    return cases


@pytest.mark.parametrize(("desk", "at", "expected"), is_open_cases())
def test_is_open_on_the_wall_clock(desk: Schedule, at: datetime, expected: bool) -> None:
    assert desk.is_open(at) is expected


def switch_cases() -> list[object]:
    cases: list[object] = []
    for label, day in SPRING.items():
        saturday = datetime.combine(day - timedelta(days=1), time(12), tzinfo=BRUSSELS)
        next_sunday = day + timedelta(days=7)
        cases += [
            pytest.param(
                NIGHT, saturday, f"{day}T01:00:00+01:00", f"{day}T04:00:00+02:00", id=f"{label}-night"
            ),
            pytest.param(
                NIGHT,
                switch(day) - SECOND,
                f"{next_sunday}T01:00:00+02:00",
                f"{day}T04:00:00+02:00",
                id=f"{label}-night-open-across-switch",
            ),
            pytest.param(
                FROM_0230,
                saturday,
                f"{day}T03:00:00+02:00",
                f"{day}T05:00:00+02:00",
                id=f"{label}-opening-in-gap-is-03:00",
            ),
            pytest.param(
                UNTIL_0230,
                switch(day) - SECOND,
                f"{next_sunday}T00:00:00+02:00",
                f"{day}T03:00:00+02:00",
                id=f"{label}-closing-in-gap-is-03:00",
            ),
            pytest.param(
                LATE_NIGHT,
                datetime.combine(day - timedelta(days=1), time(21), tzinfo=BRUSSELS),
                f"{day + timedelta(days=6)}T20:00:00+02:00",
                f"{day}T03:00:00+02:00",
                id=f"{label}-saturday-night-into-the-gap",
            ),
            pytest.param(
                TWO_TO_THREE,
                saturday,
                f"{next_sunday}T02:00:00+02:00",
                f"{next_sunday}T03:00:00+02:00",
                id=f"{label}-range-inside-gap-never-opens",
            ),
            pytest.param(ALWAYS, saturday, None, None, id=f"{label}-always-open"),
        ]
    for label, day in AUTUMN.items():
        saturday = datetime.combine(day - timedelta(days=1), time(12), tzinfo=BRUSSELS)
        next_sunday = day + timedelta(days=7)
        first_0245 = switch(day) - timedelta(minutes=15)
        cases += [
            pytest.param(
                NIGHT, saturday, f"{day}T01:00:00+02:00", f"{day}T04:00:00+01:00", id=f"{label}-night"
            ),
            pytest.param(
                NIGHT,
                switch(day) - SECOND,
                f"{next_sunday}T01:00:00+01:00",
                f"{day}T04:00:00+01:00",
                id=f"{label}-night-open-across-switch",
            ),
            pytest.param(
                FROM_0230,
                saturday,
                f"{day}T02:30:00+02:00",
                f"{day}T02:00:00+01:00",
                id=f"{label}-opening-in-repeated-hour-is-first",
            ),
            pytest.param(
                FROM_0230,
                first_0245,
                f"{day}T02:30:00+01:00",
                f"{day}T02:00:00+01:00",
                id=f"{label}-wall-clock-falls-back-out-of-range",
            ),
            pytest.param(
                UNTIL_0230,
                saturday,
                f"{day}T00:00:00+02:00",
                f"{day}T02:30:00+02:00",
                id=f"{label}-closing-in-repeated-hour-is-first",
            ),
            pytest.param(
                UNTIL_0230,
                first_0245,
                f"{day}T02:00:00+01:00",
                f"{day}T02:30:00+01:00",
                id=f"{label}-wall-clock-falls-back-into-range",
            ),
            pytest.param(
                TWO_TO_THREE,
                saturday,
                f"{day}T02:00:00+02:00",
                f"{day}T03:00:00+01:00",
                id=f"{label}-02:00-03:00-lasts-two-hours",
            ),
            pytest.param(ALWAYS, saturday, None, None, id=f"{label}-always-open"),
        ]
    return cases


@pytest.mark.parametrize(("desk", "at", "opening", "closing"), switch_cases())
def test_next_opening_and_closing(
    desk: Schedule, at: datetime, opening: str | None, closing: str | None
) -> None:
    found = desk.next_opening(at), desk.next_closing(at)
    assert [moment.isoformat() if moment else None for moment in found] == [opening, closing]
    assert all(moment.tzinfo is BRUSSELS for moment in found if moment)


@pytest.mark.parametrize(
    ("at", "opening"),
    [
        pytest.param(
            datetime(2027, 3, 27, 18, tzinfo=BRUSSELS),
            "2027-03-28T10:00:00+02:00",
            id="easter-2027-on-spring-switch",
        ),
        pytest.param(
            datetime(2026, 10, 24, 18, tzinfo=BRUSSELS), "2026-10-25T10:00:00+01:00", id="autumn-2026"
        ),
        pytest.param(
            datetime(2026, 3, 28, 18, tzinfo=BRUSSELS), "2026-03-29T10:00:00+02:00", id="spring-2026"
        ),
        pytest.param(
            datetime(2027, 10, 30, 18, tzinfo=BRUSSELS), "2027-10-31T10:00:00+01:00", id="autumn-2027"
        ),
    ],
)
def test_central_on_switch_sundays(desks: dict[str, Schedule], at: datetime, opening: str) -> None:
    found = desks["central"].next_opening(at)
    assert found is not None
    assert found.isoformat() == opening


@pytest.mark.parametrize(
    "desk",
    [
        pytest.param(NIGHT, id="night"),
        pytest.param(FROM_0230, id="from-02:30"),
        pytest.param(UNTIL_0230, id="until-02:30"),
        pytest.param(TWO_TO_THREE, id="02:00-03:00"),
        pytest.param(AT_0230, id="02:30-02:45"),
        pytest.param(LATE_NIGHT, id="saturday-night"),
    ],
)
@pytest.mark.parametrize("day", [pytest.param(day, id=label) for label, day in {**SPRING, **AUTUMN}.items()])
def test_agrees_with_is_open(desk: Schedule, day: date) -> None:
    """Sampled every 5 minutes around the switch, the reported changes are where is_open changes."""
    samples = [switch(day) + timedelta(minutes=5 * step) for step in range(-12 * 24, 12 * 6)]
    states = [desk.is_open(at) for at in samples]
    for index, at in enumerate(samples):
        change = desk.next_closing(at) if states[index] else desk.next_opening(at)
        assert change is not None
        change = change.astimezone(UTC)
        assert change > at
        assert (desk.is_open(change - SECOND), desk.is_open(change)) == (states[index], not states[index])
        assert all(
            state == states[index]
            for sample, state in zip(samples, states, strict=True)
            if at <= sample < change
        )
