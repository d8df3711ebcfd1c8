"""The forecast of a helpdesk's offered calls from its invitation batches (playbook 1.2.1: "hou
rekening met mogelijke pieken waarbij we uitgaan van een aanbod van 1 op 20 genodigden").

An open day's expected calls are the sum over the batches whose open day +0 … +6 it is (sent or
planned, see ``planning.open_days``) of the batch's size times the contact rate times that lag's
share. A closed day expects none: the model counts the calls the agents answer, and on a closed
day the closing message answers. Within a day the calls follow the weekday's hourly profile; on a
day whose hours differ from its weekday's (holiday hours, an exception), the profile is kept to
that day's open hours (flat over them when the profile has no calls there).

Hours are real hours from local midnight, like the call log's series: the day summer time starts
has 23, the day it ends 25 (the 25th takes the 24th's share before the day is scaled to 1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import numpy as np

from planning.learning import BATCH_REACH_DAYS, HOURS, Response, flat_profile
from planning.open_days import OpenDays
from schedules import Schedule, TimeRange

MINUTES_PER_HOUR: Final = 60


class Step(StrEnum):
    """The length of a forecast's buckets."""

    DAY = "day"
    HOUR = "hour"


@dataclass(frozen=True)
class Hour:
    """One real hour of a local date: its first instant (local, with the UTC offset), the minutes
    the helpdesk is open in it and the expected offered calls."""

    start: dt.datetime
    open_minutes: int
    offered: float


def expected_calls(
    response: Response, schedule: Schedule, invitations: Mapping[dt.date, int], days: Sequence[dt.date]
) -> dict[dt.date, float]:
    """The expected offered calls of each of ``days`` (0 on a closed one)."""
    if not days:
        return {}
    calendar = OpenDays.between(schedule, min(days) - dt.timedelta(days=BATCH_REACH_DAYS), max(days))
    rows = [day for day in days if calendar.position(day) is not None]
    weights = response.contact_rate * np.array(response.lag_profile)
    values = calendar.lagged_sizes(invitations, rows) @ weights
    expected = dict.fromkeys(days, 0.0)
    expected.update({day: float(value) for day, value in zip(rows, values, strict=True)})
    return expected


def day_hours(response: Response, schedule: Schedule, day: dt.date, calls: float) -> list[Hour]:
    """The real hours of ``day`` with ``calls`` spread over them by the hourly profile."""
    plan = schedule.plan(day)
    starts = _hour_starts(day, schedule.zone)
    open_minutes = [_open_minutes(plan.ranges, start) for start in starts]
    profile = response.hourly_profile[day.weekday()]
    shares = [profile[min(index, HOURS - 1)] for index in range(len(starts))]
    if plan.ranges != schedule.weekly.days[day.weekday()]:
        shares = [share if minutes else 0.0 for share, minutes in zip(shares, open_minutes, strict=True)]
        if not sum(shares):
            flat = flat_profile(plan.ranges)
            shares = [flat[min(start.hour, HOURS - 1)] for start in starts]
    total = sum(shares)
    return [
        Hour(start=start, open_minutes=minutes, offered=calls * share / total if total else 0.0)
        for start, minutes, share in zip(starts, open_minutes, shares, strict=True)
    ]


def _hour_starts(day: dt.date, zone: dt.tzinfo) -> list[dt.datetime]:
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    following = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone).astimezone(dt.UTC)
    count = int((following - midnight).total_seconds()) // (MINUTES_PER_HOUR * 60)
    return [(midnight + dt.timedelta(hours=index)).astimezone(zone) for index in range(count)]


def _open_minutes(ranges: tuple[TimeRange, ...], start: dt.datetime) -> int:
    """Minutes of the wall-clock hour from ``start`` inside the day's opening ranges."""
    first = start.hour * MINUTES_PER_HOUR + start.minute
    last = first + MINUTES_PER_HOUR
    return sum(max(0, min(item.end, last) - max(item.start, first)) for item in ranges)
