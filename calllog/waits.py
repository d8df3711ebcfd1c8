"""The distribution of waits (playbook 1.2.2: "hoe lang bellers wachtten"), for a helpdesk (or
all) and a range of local dates.

Every call that entered the queue and whose wait is known (Twilio's ``QueueTime``) falls in one
band of ``WAIT_BANDS``: a band holds the waits from its bound up to the next band's bound
(excluded), the last band every longer wait. Per band the calls, and of those the answered,
abandoned and overflowed ones (a call still waiting has no known wait yet and is not counted).
The bands' ``calls`` add up to the period's calls in the queue with a known wait; one query per
report, over the rows of the period only (the KPIs' covering index).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from calllog.kpis import period_filter
from calllog.tables import CallRecord

# Lower bounds in seconds: under 15 s, 15-29, 30-59 (the default service level is 60 s), 1-2
# minutes, 2-3 minutes, and from 3 minutes (the default overflow_after, 180 s) on.
WAIT_BANDS: Final = (0, 15, 30, 60, 120, 180)


@dataclass(frozen=True, slots=True)
class WaitBand:
    """The calls whose wait was at least ``from_s`` and less than ``to_s`` seconds (``to_s``
    ``None``: no upper bound)."""

    from_s: int
    to_s: int | None
    calls: int
    answered: int
    abandoned: int
    overflowed: int


def wait_distribution(
    session: Session, helpdesk: str | None, first: dt.date, last: dt.date
) -> list[WaitBand]:
    """The waits of ``helpdesk`` (``None``: all) for local dates ``first`` to ``last``, per band,
    every band present (empty ones with zeros)."""
    if first > last:
        raise ValueError(f"the period starts ({first}) after it ends ({last})")
    record = CallRecord
    band = case(
        *((record.wait_s >= bound, index) for index, bound in reversed(list(enumerate(WAIT_BANDS)))),
        else_=0,
    ).label("band")
    query = (
        select(
            band,
            func.count().label("calls"),
            func.count().filter(record.outcome == "answered").label("answered"),
            func.count().filter(record.outcome == "abandoned").label("abandoned"),
            func.count().filter(record.outcome == "overflowed").label("overflowed"),
        )
        .where(
            and_(
                period_filter(helpdesk, first, last),
                record.entered_queue.is_(True),
                record.wait_s.is_not(None),
            )
        )
        .group_by(band)
    )
    found = {int(row.band): row for row in session.execute(query)}
    bands: list[WaitBand] = []
    for index, bound in enumerate(WAIT_BANDS):
        upper = WAIT_BANDS[index + 1] if index + 1 < len(WAIT_BANDS) else None
        row = found.get(index)
        bands.append(
            WaitBand(
                from_s=bound,
                to_s=upper,
                calls=int(row.calls) if row is not None else 0,
                answered=int(row.answered) if row is not None else 0,
                abandoned=int(row.abandoned) if row is not None else 0,
                overflowed=int(row.overflowed) if row is not None else 0,
            )
        )
    return bands
