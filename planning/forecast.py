"""The forecast of a helpdesk's offered calls from its invitation batches (playbook 1.2.1: "hou
rekening met mogelijke pieken waarbij we uitgaan van een aanbod van 1 op 20 genodigden").

An open day's expected calls are the sum over the batches whose open day +0 … +6 it is (sent or
planned, see ``planning.open_days``) of the batch's size times the contact rate times that lag's
share. A closed day expects none: the model counts the calls the agents answer, and on a closed
day the closing message answers. Within a day the calls follow the weekday's hourly profile; on a
day whose hours differ from its weekday's (holiday hours, an exception), the profile is kept to
that day's open hours (flat over them when the profile has no calls there).

The agents needed in an hour come from the Erlang A model (``planning.erlang``): arrivals at the
hour's expected calls per open hour (an hour open 30 minutes has its calls in those 30), handle
time = mean talk time + the agent line's ``wrap_up``, the learned patience, the target service
level within the helpdesk's ``service_level_s``; never fewer than ``min_agents`` while open, and
none while closed. A day needs what its busiest hour needs.

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

from planning.erlang import QueueLoad, agents_needed
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


@dataclass(frozen=True)
class Targets:
    """What the staffing must reach at a helpdesk: ``staffing.target_service_level`` within its
    ``queue.service_level_s``, at least ``queue.min_agents`` while open; and the agent line's
    ``wrap_up`` seconds after each call."""

    service_level: float
    within_s: int
    min_agents: int
    wrap_up_s: int


@dataclass(frozen=True)
class Bucket:
    """One day or hour: its first instant (local, with the UTC offset), whether the helpdesk is open
    in it, the expected offered calls, the agents needed, and (per day) the invitations dated that
    day, sent or planned."""

    start: dt.datetime
    open: bool
    offered: float
    agents_needed: int
    invitations: int | None


@dataclass(frozen=True)
class Forecast:
    step: Step
    response: Response
    targets: Targets
    handle_s: float
    buckets: tuple[Bucket, ...]


def forecast(
    response: Response,
    schedule: Schedule,
    invitations: Mapping[dt.date, int],
    targets: Targets,
    first: dt.date,
    last: dt.date,
    step: Step,
) -> Forecast:
    """The buckets of the local dates ``first`` to ``last`` (see the module for the model)."""
    days = [first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)]
    calls = expected_calls(response, schedule, invitations, days)
    handle_s = response.talk_s + targets.wrap_up_s
    buckets: list[Bucket] = []
    for day in days:
        hours = day_hours(response, schedule, day, calls[day])
        needs = [_agents(hour, handle_s, response.patience_s, targets) for hour in hours]
        if step is Step.HOUR:
            buckets.extend(
                Bucket(hour.start, hour.open_minutes > 0, hour.offered, need, None)
                for hour, need in zip(hours, needs, strict=True)
            )
        else:
            midnight = dt.datetime.combine(day, dt.time(), tzinfo=schedule.zone)
            is_open = bool(schedule.plan(day).ranges)
            buckets.append(
                Bucket(midnight, is_open, calls[day], max(needs, default=0), invitations.get(day, 0))
            )
    return Forecast(step=step, response=response, targets=targets, handle_s=handle_s, buckets=tuple(buckets))


def _agents(hour: Hour, handle_s: float, patience_s: float | None, targets: Targets) -> int:
    if not hour.open_minutes:
        return 0
    load = QueueLoad(
        arrivals_per_hour=hour.offered * MINUTES_PER_HOUR / hour.open_minutes,
        handle_s=handle_s,
        patience_s=patience_s,
    )
    return agents_needed(load, targets.service_level, targets.within_s, minimum=targets.min_agents)


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
