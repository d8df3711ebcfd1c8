"""The escalation figures of the KPIs (playbook 1.4.2 "one-and-done"), per helpdesk and period.

- ``escalations``: the escalations stored in the period (by ``created_at``, the helpdesk's local
  dates like the other KPIs), the agents' and central's urgent questions together;
- ``escalations_urgent``: of those, the urgent ones (central's, playbook 1.2.3.3);
- ``one_and_done`` = 1 - (escalations - escalations_urgent) / answered: the share of the answered
  calls that needed no colleague. Central's urgent questions did not come from a contact this
  helpdesk answered, so they are left out of it. ``None`` when nothing was answered; rounded half
  up to 4 decimals like the other ratios.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from calllog import local_midnight
from escalations.tables import Escalation, Priority

ESCALATION_COLUMNS: Final = ("escalations", "escalations_urgent", "one_and_done")


@dataclass(frozen=True, slots=True)
class EscalationFigures:
    escalations: int
    escalations_urgent: int
    one_and_done: float | None


def figures(escalations: int, urgent: int, answered: int) -> EscalationFigures:
    """The figures from the counts and the calls answered in the same period."""
    one_and_done = None
    if answered > 0:
        share = 1 - Decimal(escalations - urgent) / Decimal(answered)
        one_and_done = float(share.quantize(Decimal("0.0001"), ROUND_HALF_UP))
    return EscalationFigures(escalations=escalations, escalations_urgent=urgent, one_and_done=one_and_done)


def escalation_figures(
    session: Session,
    helpdesk_id: str | None,
    first: dt.date,
    last: dt.date,
    zone: dt.tzinfo,
    answered: int,
) -> EscalationFigures:
    """The figures of ``helpdesk_id`` (``None``: all) for the local dates ``first`` to ``last`` in
    ``zone``; ``answered``: the calls answered in the same period (the KPIs' ``answered``)."""
    if first > last:
        raise ValueError(f"the period starts ({first}) after it ends ({last})")
    start = local_midnight(first, zone).astimezone(dt.UTC)
    end = local_midnight(last + dt.timedelta(days=1), zone).astimezone(dt.UTC)
    urgent = Escalation.priority == Priority.URGENT.value
    query = select(func.count(), func.count().filter(urgent)).where(_within(helpdesk_id, start, end))
    total, urgent_count = session.execute(query).one()
    return figures(int(total), int(urgent_count), answered)


def escalation_counts(
    session: Session, helpdesk_id: str | None, starts: Sequence[dt.datetime], end: dt.datetime
) -> list[tuple[int, int]]:
    """Per bucket of a series (``starts`` ascending, the last bucket ending at ``end``): the
    escalations and the urgent ones stored in it.

    The rows of the period are read (their time and priority only) and put into buckets here:
    escalations are few (at most one per answered call), and a bucket of local time is not a
    column the databases share a function for.
    """
    if not starts:
        return []
    bounds = [start.astimezone(dt.UTC) for start in starts]
    query = select(Escalation.created_at, Escalation.priority).where(
        _within(helpdesk_id, bounds[0], end.astimezone(dt.UTC))
    )
    totals = [0] * len(bounds)
    urgent = [0] * len(bounds)
    for created_at, priority in session.execute(query):
        index = bisect.bisect_right(bounds, created_at) - 1
        totals[index] += 1
        if priority == Priority.URGENT.value:
            urgent[index] += 1
    return list(zip(totals, urgent, strict=True))


def escalation_row(found: EscalationFigures) -> dict[str, int | float | None]:
    """The figures under their ``ESCALATION_COLUMNS`` names."""
    return {name: getattr(found, name) for name in ESCALATION_COLUMNS}


def _within(helpdesk_id: str | None, start: dt.datetime, end: dt.datetime) -> ColumnElement[bool]:
    period = and_(Escalation.created_at >= start, Escalation.created_at < end)
    return period if helpdesk_id is None else and_(Escalation.helpdesk_id == helpdesk_id, period)
