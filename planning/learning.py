"""What a helpdesk's history teaches about the calls its invitations cause (playbook 1.2.1: about
1 in 20 invitees calls; 1.4.1: after a few weeks each centre knows its own share).

Learned, per helpdesk, from the open days of the history window:

- the **contact rate** (calls per invitation) and the **lag profile** (the share of a batch's calls
  on its open days +0 … +6, see ``planning.open_days``), fitted jointly: batches overlap, so each
  open day's offered calls are regressed on the invitations whose +0 … +6 it is, with non-negative
  least squares (``scipy.optimize.nnls``). The 7 coefficients are calls per invitation on each
  lag; their sum is the contact rate and each divided by the sum is the lag share. Calls on
  closed days are left out: no batch's open-day lag points at them.
- the **hourly profile** per weekday: the share of a day's calls in each hour, from the open days
  with that weekday's regular hours (a weekday without such calls keeps the flat profile below);
- the **mean talk time** of the answered calls;
- the **patience**: the exponential distribution's maximum-likelihood mean with censoring, i.e.
  the total waiting time of every caller who entered the queue divided by the callers who hung up
  there (an answered or forwarded caller's patience is known to be longer than their wait). No
  abandonment at all: infinite patience (``None``, the Erlang C model).

With fewer than ``MIN_HISTORY_DAYS`` open days since the first call, or no invitations to learn a
rate from, the playbook's prior stands instead (``Basis.PRIOR``): contact rate 0.05, the config's
``staffing.lag_profile``, a flat hourly profile over the open hours, and the ``DEFAULT_TALK_S`` and
``DEFAULT_PATIENCE_S`` below.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import numpy as np
from scipy.optimize import nnls

from planning.history import History
from planning.open_days import OpenDays
from schedules import Schedule, TimeRange

MIN_HISTORY_DAYS: Final = 14
PRIOR_CONTACT_RATE: Final = 0.05
# Until calls have been answered: a call to book, move or cancel an appointment, with the
# verification of the caller's details, takes a few minutes.
DEFAULT_TALK_S: Final = 240.0
# Until callers have been seen hanging up in the queue: two minutes, a little under the time
# after which the queue forwards them to the central back-up (queue.overflow_after, 180 s).
DEFAULT_PATIENCE_S: Final = 120.0
# How far back the history reaches: recent enough to follow a campaign, long enough to see each
# lag of several batches.
LOOKBACK_DAYS: Final = 91
# Batches sent this many days before the history's first date still cause calls in it: +6 open
# days lie within a month unless the helpdesk closes for weeks.
BATCH_REACH_DAYS: Final = 31
HOURS: Final = 24
WEEKDAYS: Final = 7


class Basis(StrEnum):
    """Where the response's figures come from."""

    PRIOR = "prior"
    LEARNED = "learned"


@dataclass(frozen=True)
class Response:
    """A helpdesk's learned (or prior) response to its invitations and its queue's figures.

    ``history_days``: the open days of history the figures rest on (from the first day with a
    call); ``hourly_profile``: per weekday (Monday = 0) the share of the day's calls in each hour
    from local midnight; ``patience_s``: ``None`` for infinite patience.
    """

    basis: Basis
    history_days: int
    history_from: dt.date | None
    history_to: dt.date | None
    contact_rate: float
    lag_profile: tuple[float, ...]
    hourly_profile: tuple[tuple[float, ...], ...]
    talk_s: float
    patience_s: float | None


def flat_profile(ranges: tuple[TimeRange, ...]) -> tuple[float, ...]:
    """Each hour's share of the open minutes of ``ranges`` (all zero when closed)."""
    minutes = [sum(_overlap(item, hour * 60, hour * 60 + 60) for item in ranges) for hour in range(HOURS)]
    total = sum(minutes)
    return tuple(minute / total if total else 0.0 for minute in minutes)


def _overlap(item: TimeRange, start: int, end: int) -> int:
    return max(0, min(item.end, end) - max(item.start, start))


def prior_response(
    schedule: Schedule, lag_profile: tuple[float, ...], history_days: int, history: History | None = None
) -> Response:
    """The playbook's prior, saying how many open days of history there were."""
    first, last = _span(history, schedule) if history is not None else (None, None)
    return Response(
        basis=Basis.PRIOR,
        history_days=history_days,
        history_from=first,
        history_to=last,
        contact_rate=PRIOR_CONTACT_RATE,
        lag_profile=tuple(lag_profile),
        hourly_profile=tuple(flat_profile(schedule.weekly.days[weekday]) for weekday in range(WEEKDAYS)),
        talk_s=DEFAULT_TALK_S,
        patience_s=DEFAULT_PATIENCE_S,
    )


def learn(history: History, schedule: Schedule, lag_prior: tuple[float, ...]) -> Response:
    """The response learned from ``history``, or the prior while it is too short (see the module)."""
    calendar = OpenDays.between(schedule, history.first - dt.timedelta(days=BATCH_REACH_DAYS), history.last)
    first, last = _span(history, schedule)
    rows = [day for day in calendar.days if first is not None and first <= day <= history.last]
    sizes = calendar.lagged_sizes(history.invitations, rows)
    if len(rows) < MIN_HISTORY_DAYS or not sizes.any():
        return prior_response(schedule, lag_prior, len(rows), history)
    calls = np.array([_offered(history, day) for day in rows], dtype=float)
    coefficients, _ = nnls(sizes, calls)
    rate = float(coefficients.sum())
    lag = tuple(float(value) / rate for value in coefficients) if rate > 0 else tuple(lag_prior)
    talk_s = sum(tally.talk_s for tally in history.days.values())
    talks = sum(tally.talks for tally in history.days.values())
    waited = sum(tally.queue_wait_s for tally in history.days.values())
    abandoned = sum(tally.abandoned for tally in history.days.values())
    return Response(
        basis=Basis.LEARNED,
        history_days=len(rows),
        history_from=first,
        history_to=last,
        contact_rate=rate,
        lag_profile=lag,
        hourly_profile=_hourly_profile(history, schedule, rows),
        talk_s=talk_s / talks if talks else DEFAULT_TALK_S,
        patience_s=waited / abandoned if abandoned else None,
    )


def _span(history: History, schedule: Schedule) -> tuple[dt.date | None, dt.date | None]:
    """The first open day with a call, and the history's last day."""
    called = [day for day in sorted(history.days) if schedule.plan(day).ranges]
    return (called[0], history.last) if called else (None, None)


def _offered(history: History, day: dt.date) -> int:
    tally = history.tally(day)
    return tally.offered if tally is not None else 0


def _hourly_profile(
    history: History, schedule: Schedule, rows: list[dt.date]
) -> tuple[tuple[float, ...], ...]:
    totals = [[0] * HOURS for _ in range(WEEKDAYS)]
    for day in rows:
        tally = history.tally(day)
        weekday = day.weekday()
        if tally is None or schedule.plan(day).ranges != schedule.weekly.days[weekday]:
            continue
        for hour, count in enumerate(tally.by_hour):
            # The 25th hour of the day summer time ends counts with the 24th.
            totals[weekday][min(hour, HOURS - 1)] += count
    profiles: list[tuple[float, ...]] = []
    for weekday, counts in enumerate(totals):
        total = sum(counts)
        profiles.append(
            tuple(count / total for count in counts) if total else flat_profile(schedule.weekly.days[weekday])
        )
    return tuple(profiles)
