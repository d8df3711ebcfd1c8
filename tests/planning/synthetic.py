"""A synthetic history with a known truth, written straight into the call log: invitation batches
on weekdays, the calls they cause on the helpdesk's open days by a known contact rate and lag
profile, Poisson arrivals over a known hourly profile per weekday, and queue waits, patience and
talk times from known exponential distributions. Seeded, and inserted in bulk."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from calllog import CallRecord, set_invitations
from config import HelpdeskConfig
from planning.open_days import LAGS, OpenDays

CONTACT_RATE: Final = 0.05
# Unlike the config's default, so that the test shows the profile was learned, not copied.
LAG_PROFILE: Final = (0.06, 0.38, 0.22, 0.13, 0.10, 0.06, 0.05)
# Shares of a day's calls per local hour: a morning peak on weekdays, Saturday mornings only.
WEEKDAY_HOURS: Final = {9: 0.22, 10: 0.20, 11: 0.16, 12: 0.08, 13: 0.12, 14: 0.12, 15: 0.10}
SATURDAY_HOURS: Final = {9: 0.45, 10: 0.35, 11: 0.20}
MEAN_TALK_S: Final = 210.0
MEAN_PATIENCE_S: Final = 90.0
# The wait until an agent would take the caller, had they waited.
MEAN_QUEUE_S: Final = 40.0
BATCH_SIZES: Final = (1000, 6000)


@dataclass(frozen=True)
class Truth:
    """What the generator used, to compare the learning with."""

    first: dt.date
    last: dt.date
    batches: Mapping[dt.date, int]
    expected: Mapping[dt.date, float]
    calls: int


def hourly_truth(day: dt.date) -> Mapping[int, float]:
    return SATURDAY_HOURS if day.weekday() == 5 else WEEKDAY_HOURS


def generate(
    session: Session, config: HelpdeskConfig, helpdesk: str, first: dt.date, weeks: int, seed: int = 22
) -> Truth:
    """``weeks`` weeks of batches and calls of ``helpdesk`` from ``first`` (a Monday) on."""
    desk = config.helpdesk(helpdesk)
    assert desk is not None
    schedule = config.schedule(desk)
    zone = config.zone
    rng = np.random.default_rng(seed)
    last = first + dt.timedelta(weeks=weeks) - dt.timedelta(days=1)
    calendar = OpenDays.between(schedule, first, last + dt.timedelta(days=31))
    batches: dict[dt.date, int] = {}
    for offset in range((last - first).days + 1):
        day = first + dt.timedelta(days=offset)
        if day.weekday() < 5:
            batches[day] = int(rng.integers(*BATCH_SIZES))
    open_days = [day for day in calendar.days if day <= last]
    sizes = calendar.lagged_sizes(batches, open_days)
    means = sizes @ (CONTACT_RATE * np.array(LAG_PROFILE))
    assert sizes.shape[1] == LAGS
    rows: list[dict[str, Any]] = []
    for day, mean in zip(open_days, means, strict=True):
        count = int(rng.poisson(mean))
        hours = hourly_truth(day)
        chosen = rng.choice(list(hours), size=count, p=list(hours.values()))
        seconds = rng.integers(0, 3600, size=count)
        patience = rng.exponential(MEAN_PATIENCE_S, size=count)
        until_answer = rng.exponential(MEAN_QUEUE_S, size=count)
        talk = rng.exponential(MEAN_TALK_S, size=count)
        for hour, second, gives_up, answer, talked in zip(
            chosen, seconds, patience, until_answer, talk, strict=True
        ):
            arrived = dt.datetime.combine(day, dt.time(int(hour)), tzinfo=zone) + dt.timedelta(
                seconds=int(second)
            )
            answered = answer <= gives_up
            wait = answer if answered else gives_up
            rows.append(_row(helpdesk, day, arrived, answered, round(wait), round(talked)))
    table = CallRecord.__table__
    assert isinstance(table, Table)
    for start in range(0, len(rows), 5000):
        session.execute(insert(table), rows[start : start + 5000])
    for day, count in batches.items():
        set_invitations(session, helpdesk, day, count)
    return Truth(
        first=first,
        last=last,
        batches=batches,
        expected=dict(zip(open_days, (float(mean) for mean in means), strict=True)),
        calls=len(rows),
    )


def _row(
    helpdesk: str, day: dt.date, arrived: dt.datetime, answered: bool, wait: int, talk: int
) -> dict[str, Any]:
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=arrived.tzinfo)
    return {
        "call_sid": "CA" + secrets.token_hex(16),
        "helpdesk_id": helpdesk,
        "arrived_at": arrived.astimezone(dt.UTC),
        "arrival_date": day,
        # Real minutes since local midnight, as the call log counts them (aware arithmetic in one
        # zone would count wall-clock minutes).
        "arrival_minute": int((arrived.astimezone(dt.UTC) - midnight.astimezone(dt.UTC)).total_seconds())
        // 60,
        "open_on_arrival": True,
        "caller_hash": None,
        "caller_masked": None,
        "caller_raw": None,
        "outcome": "answered" if answered else "abandoned",
        "overflow_reason": None,
        "entered_queue": True,
        "wait_s": wait,
        "answered_by": "101" if answered else None,
        "talk_s": talk if answered else None,
        "central_status": None,
        "call_status": "completed",
        "call_duration_s": wait + (talk if answered else 0),
        "ended_at": arrived.astimezone(dt.UTC) + dt.timedelta(seconds=wait + (talk if answered else 0)),
        "last_sequence": 1,
    }
