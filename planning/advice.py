"""Advice on planned invitation batches (playbook 1.4.1): when a batch should not go out as planned.

The playbook asks the person who plans the invitations and the person who plans the agents to
agree on the moments batches are sent: "bij voorkeur in de voormiddag, zodat brieven na
printproces om 17u tijdig vertrekken voor aankomst bij de genodigde de dag nadien" and "bij
voorkeur niet net voor een weekenddag als de lokale helpdesk dan niet bereikbaar is". A planned
batch (dated after today) is flagged:

- **peak on a closed day**: the batch's *peak day* is closed. The peak day is the day of sending
  plus the lag with the largest share in the lag profile in use, counted in calendar days, i.e.
  where the calls would peak if the helpdesk were open every day (with the playbook's prior, +1:
  the letters arrive the day after sending). The forecast counts the lags in open days, so the
  calls of a closed peak day land on the next open day; the citizens who got their letter found
  the helpdesk closed first, which is what the playbook warns about.
- **peak before a closed day**: the peak day is open but the day after it is closed, so whoever
  cannot get through on the peak day cannot try again the next day.
- **more agents than ever**: the batch's own calls, forecast alone, need more agents at once (the
  busiest hour of its open days +0 … +6) than the helpdesk has ever had logged in at once. The
  batch alone, so that the flag points at the batch to move: a small batch whose days another
  batch already fills is not the one to blame (the week's staffing plan shows the total need, and
  names the half hours the agents available cannot cover). The most agents ever logged in at once
  is what the caller measured (see ``planning.staffing_plan.most_agents_seen``); unknown (no
  answered call yet) leaves this check out rather than flag every batch.

Pure: the batches, the schedule, the lag profile, each batch's need and the agents seen come in as
values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from planning.open_days import LAGS, OpenDays
from schedules import Schedule

_DAY = dt.timedelta(days=1)


class AdviceReason(StrEnum):
    """Why a planned batch is flagged."""

    PEAK_ON_CLOSED_DAY = "peak_on_closed_day"
    PEAK_BEFORE_CLOSED_DAY = "peak_before_closed_day"
    MORE_AGENTS_THAN_EVER = "more_agents_than_ever"


# The playbook's reasons (1.4.1), quoted with each flag.
PLAYBOOK_REASON: dict[AdviceReason, str] = {
    AdviceReason.PEAK_ON_CLOSED_DAY: (
        "Playbook 1.4.1: letters sent in the morning arrive the next day; batches should preferably not "
        'go out just before a weekend day when the helpdesk is closed ("bij voorkeur niet net voor een '
        'weekenddag als de lokale helpdesk dan niet bereikbaar is").'
    ),
    AdviceReason.PEAK_BEFORE_CLOSED_DAY: (
        "Playbook 1.4.1: batches should preferably not go out just before a weekend day when the helpdesk "
        "is closed; callers who do not get through on the peak day cannot try again the next day."
    ),
    AdviceReason.MORE_AGENTS_THAN_EVER: (
        "Playbook 1.2.1: reckon with peaks of 1 call per 20 invitees and plan the agents strictly; this "
        "batch needs more agents at once than the helpdesk has ever had logged in."
    ),
}


@dataclass(frozen=True)
class Flag:
    """One reason to reconsider a batch: what is wrong, said with the dates and numbers."""

    reason: AdviceReason
    detail: str

    @property
    def playbook(self) -> str:
        return PLAYBOOK_REASON[self.reason]


@dataclass(frozen=True)
class BatchAdvice:
    """A planned batch: its peak day (calendar, see the module), the open day its peak lag lands
    on, the most agents its own calls need at once, and its flags (none: fine)."""

    date: dt.date
    invitations: int
    peak_lag: int
    peak_day: dt.date
    peak_open_day: dt.date | None
    agents_needed: int
    flags: tuple[Flag, ...]

    @property
    def ok(self) -> bool:
        return not self.flags


def peak_lag(lag_profile: Sequence[float]) -> int:
    """The lag with the largest share (the earliest of equal ones)."""
    return max(range(len(lag_profile)), key=lambda lag: (lag_profile[lag], -lag))


def reach(calendar: OpenDays, sent: dt.date) -> tuple[dt.date, ...]:
    """The open days +0 … +6 of a batch sent on ``sent`` (fewer when the calendar ends first)."""
    zero = calendar.day_zero(sent)
    return calendar.days[zero : zero + LAGS]


def advise(
    batches: Mapping[dt.date, int],
    schedule: Schedule,
    lag_profile: Sequence[float],
    batch_needs: Mapping[dt.date, int],
    most_agents_seen: int | None,
    today: dt.date,
) -> tuple[BatchAdvice, ...]:
    """The advice on each planned batch of ``batches`` (dated after ``today``), by date.

    ``batch_needs``: per batch (by its date) the most agents at once its own calls need; a batch it
    leaves out counts as needing none.
    """
    planned = sorted((day, count) for day, count in batches.items() if day > today and count > 0)
    if not planned:
        return ()
    lag = peak_lag(lag_profile)
    calendar = OpenDays.between(schedule, planned[0][0], planned[-1][0] + dt.timedelta(days=60))
    advice: list[BatchAdvice] = []
    for sent, count in planned:
        days = reach(calendar, sent)
        peak_day = sent + dt.timedelta(days=lag)
        needed = batch_needs.get(sent, 0)
        flags: list[Flag] = []
        if not schedule.plan(peak_day).ranges:
            flags.append(
                Flag(
                    AdviceReason.PEAK_ON_CLOSED_DAY,
                    f"sent {sent.isoformat()}, its calls peak on {_named(peak_day)} (+{lag}), "
                    "when the helpdesk is closed",
                )
            )
        elif not schedule.plan(peak_day + _DAY).ranges:
            flags.append(
                Flag(
                    AdviceReason.PEAK_BEFORE_CLOSED_DAY,
                    f"sent {sent.isoformat()}, its calls peak on {_named(peak_day)} (+{lag}), "
                    f"the day before the helpdesk is closed ({_named(peak_day + _DAY)})",
                )
            )
        if most_agents_seen is not None and needed > most_agents_seen:
            flags.append(
                Flag(
                    AdviceReason.MORE_AGENTS_THAN_EVER,
                    f"its calls alone need {needed} agents at once, more than the "
                    f"{most_agents_seen} the helpdesk has ever had logged in at once",
                )
            )
        advice.append(
            BatchAdvice(
                date=sent,
                invitations=count,
                peak_lag=lag,
                peak_day=peak_day,
                peak_open_day=days[lag] if lag < len(days) else None,
                agents_needed=needed,
                flags=tuple(flags),
            )
        )
    return tuple(advice)


def advice_reach_end(schedule: Schedule, last_batch: dt.date) -> dt.date:
    """The last open day a batch sent on ``last_batch`` reaches (+6), or 60 days on when the helpdesk
    does not open that often: how far a forecast for the advice must go."""
    days = reach(OpenDays.between(schedule, last_batch, last_batch + dt.timedelta(days=60)), last_batch)
    return days[-1] if len(days) == LAGS else last_batch + dt.timedelta(days=60)


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _named(day: dt.date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {day.isoformat()}"
