"""A helpdesk's history as the forecast learns from it: its calls tallied per local date and hour,
and its invitation batches (playbook 1.4.1: "kijk hoeveel contacten dit per dag oplevert").

Everything is aggregated in SQL, one query for the calls (GROUP BY date and hour, answered from
the call log's KPI index) and one for the invitations, so that reading a quarter of history costs
the same with a thousand calls stored as with a million.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from calllog import CallRecord, list_invitations

# Hours are real hours from local midnight, as the call log's series counts them: 23 on the day
# summer time starts, 25 on the day it ends (the 25th is hour 24).
HOURS_PER_DAY: Final = 25


@dataclass(frozen=True)
class DayTally:
    """One local date's offered calls, and the figures the queue model is learned from.

    ``by_hour``: the offered calls per real hour from local midnight; ``talk_s``/``talks``: the
    total and number of known talk times of answered calls; ``queue_wait_s``/``queued``: the total
    and number of known waits of the calls that entered the queue, whatever became of them;
    ``abandoned``: the calls that ended in the queue (the caller hung up).
    """

    day: dt.date
    by_hour: tuple[int, ...]
    talk_s: int = 0
    talks: int = 0
    queue_wait_s: int = 0
    queued: int = 0
    abandoned: int = 0

    @property
    def offered(self) -> int:
        return sum(self.by_hour)


@dataclass(frozen=True)
class History:
    """The calls of ``helpdesk_id`` on the local dates ``first`` to ``last`` (only dates with a
    call are in ``days``) and its invitation batches, sent or planned, by date."""

    helpdesk_id: str
    first: dt.date
    last: dt.date
    days: Mapping[dt.date, DayTally] = field(default_factory=dict)
    invitations: Mapping[dt.date, int] = field(default_factory=dict)

    def tally(self, day: dt.date) -> DayTally | None:
        return self.days.get(day) if self.first <= day <= self.last else None

    def window(self, first: dt.date, last: dt.date) -> History:
        """The calls of ``first`` to ``last`` only: what a forecast made on the day after ``last``
        knew (a backtest's view of the past).

        The invitations stay whole: a batch planned for a later date was known before it went out.
        """
        return History(
            helpdesk_id=self.helpdesk_id,
            first=first,
            last=last,
            days={day: tally for day, tally in self.days.items() if first <= day <= last},
            invitations=self.invitations,
        )


def read_history(
    session: Session,
    helpdesk_id: str,
    first: dt.date,
    last: dt.date,
    invitations_from: dt.date,
    invitations_to: dt.date,
) -> History:
    """The calls of ``helpdesk_id`` from ``first`` to ``last`` and its batches dated
    ``invitations_from`` to ``invitations_to`` (batches sent before the calls' first date still
    cause calls in it; planned ones after it cause the forecast's)."""
    record = CallRecord
    answered = record.outcome == "answered"
    queued = record.entered_queue.is_(True)
    hour = (record.arrival_minute // 60).label("hour")
    query = (
        select(
            record.arrival_date,
            hour,
            func.count().label("offered"),
            func.coalesce(func.sum(record.talk_s).filter(answered), 0).label("talk_s"),
            func.count(record.talk_s).filter(answered).label("talks"),
            func.coalesce(func.sum(record.wait_s).filter(queued), 0).label("queue_wait_s"),
            func.count(record.wait_s).filter(queued).label("queued"),
            func.count()
            .filter(and_(record.outcome == "abandoned", record.wait_s.is_not(None)))
            .label("abandoned"),
        )
        .where(record.helpdesk_id == helpdesk_id, record.arrival_date.between(first, last))
        .group_by(record.arrival_date, hour)
    )
    hours: dict[dt.date, list[int]] = {}
    totals: dict[dt.date, list[int]] = {}
    for day, index, offered, talk_s, talks, wait_s, waits, abandoned in session.execute(query):
        if day is None or index is None:  # pragma: no cover - the WHERE on arrival_date excludes them
            continue
        by_hour = hours.setdefault(day, [0] * HOURS_PER_DAY)
        by_hour[min(int(index), HOURS_PER_DAY - 1)] += int(offered)
        sums = totals.setdefault(day, [0] * 5)
        for position, value in enumerate((talk_s, talks, wait_s, waits, abandoned)):
            sums[position] += int(value or 0)
    days = {day: DayTally(day, tuple(by_hour), *totals[day]) for day, by_hour in sorted(hours.items())}
    batches = {
        batch.date: batch.count
        for batch in list_invitations(session, helpdesk_id, invitations_from, invitations_to)
    }
    return History(helpdesk_id=helpdesk_id, first=first, last=last, days=days, invitations=batches)
