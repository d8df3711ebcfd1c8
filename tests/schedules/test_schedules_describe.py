"""Opening hours in Dutch for "U kan ons bereiken {opening_hours}." (playbook 1.2.2)."""

from __future__ import annotations

import pytest

from schedules import Schedule, WeeklyHours, describe_hours_nl, parse_day_hours


def week(**days: str | list[str]) -> WeeklyHours:
    return WeeklyHours.from_days(
        {key.replace("_", "-"): parse_day_hours(value) for key, value in days.items()}
    )


@pytest.mark.parametrize(
    ("desk", "text"),
    [
        pytest.param(
            "voorkempen",
            "van maandag tot en met vrijdag van 9 tot 16 uur en op zaterdag van 9 tot 12 uur, "
            "behalve op feestdagen",
            id="voorkempen",
        ),
        pytest.param(
            "kempen-zuid",
            "van maandag tot en met vrijdag van 9 tot 12.30 uur en van 13.30 tot 17 uur, "
            "behalve op feestdagen",
            id="kempen-zuid",
        ),
        pytest.param(
            "central",
            "van maandag tot en met vrijdag van 8 tot 20 uur en op zaterdag en zondag van 10 tot 18 uur "
            "en op feestdagen van 10 tot 18 uur",
            id="central",
        ),
    ],
)
def test_example_helpdesks(desks: dict[str, Schedule], desk: str, text: str) -> None:
    assert describe_hours_nl(desks[desk].weekly) == text


@pytest.mark.parametrize(
    ("weekly", "text"),
    [
        pytest.param(week(), "", id="never-open"),
        pytest.param(week(mon_sun="closed", holidays="closed"), "", id="never-open-holidays-closed"),
        pytest.param(week(holidays="10:00-18:00"), "op feestdagen van 10 tot 18 uur", id="only-on-holidays"),
        pytest.param(week(wed="09:00-12:00"), "op woensdag van 9 tot 12 uur", id="one-day"),
        pytest.param(week(sat_sun="10:00-18:00"), "op zaterdag en zondag van 10 tot 18 uur", id="two-days"),
        pytest.param(
            week(mon_wed="09:00-16:00"), "van maandag tot en met woensdag van 9 tot 16 uur", id="three-days"
        ),
        pytest.param(
            week(mon="09:00-16:00", wed="09:00-16:00", fri="09:00-16:00"),
            "op maandag, woensdag en vrijdag van 9 tot 16 uur",
            id="non-consecutive",
        ),
        pytest.param(
            week(
                mon="09:00-16:00", tue="09:00-12:00", wed="09:00-16:00", thu="09:00-12:00", fri="09:00-16:00"
            ),
            "op maandag, woensdag en vrijdag van 9 tot 16 uur en op dinsdag en donderdag van 9 tot 12 uur",
            id="alternating",
        ),
        pytest.param(
            week(mon_wed="09:00-16:00", thu="09:00-12:00", fri="09:00-16:00"),
            "van maandag tot en met woensdag en op vrijdag van 9 tot 16 uur en op donderdag van 9 tot 12 uur",
            id="span-and-single-same-hours",
        ),
        pytest.param(
            week(mon_fri="09:00-16:00", sat="09:00-12:00", sun="10:00-11:00"),
            "van maandag tot en met vrijdag van 9 tot 16 uur, op zaterdag van 9 tot 12 uur "
            "en op zondag van 10 tot 11 uur",
            id="three-groups",
        ),
        pytest.param(week(mon_sun="09:00-17:00"), "elke dag van 9 tot 17 uur", id="every-day"),
        pytest.param(
            week(mon_fri="00:00-24:00"), "van maandag tot en met vrijdag de hele dag", id="round-the-clock"
        ),
        pytest.param(week(sat="09:15-11:45"), "op zaterdag van 9.15 tot 11.45 uur", id="minutes"),
        pytest.param(week(fri="20:00-24:00"), "op vrijdag van 20 tot 24 uur", id="until-midnight"),
        pytest.param(
            week(mon_fri="09:00-16:00"),
            "van maandag tot en met vrijdag van 9 tot 16 uur",
            id="holidays-not-given",
        ),
        pytest.param(
            week(mon_fri="09:00-16:00", holidays="closed"),
            "van maandag tot en met vrijdag van 9 tot 16 uur, behalve op feestdagen",
            id="holidays-closed",
        ),
        pytest.param(
            week(sat_sun=["09:00-12:00", "13:00-17:00"], holidays=["09:00-12:00", "13:00-17:00"]),
            "op zaterdag en zondag van 9 tot 12 uur en van 13 tot 17 uur "
            "en op feestdagen van 9 tot 12 uur en van 13 tot 17 uur",
            id="holidays-with-two-ranges",
        ),
    ],
)
def test_describe(weekly: WeeklyHours, text: str) -> None:
    assert describe_hours_nl(weekly) == text
