"""The figures of the calls to citizens (playbook 1.5.2), per call list, and per helpdesk (or all)
and range of local dates like the call log's KPIs (``calllog.kpis``).

Definitions, over the calls placed (one ``outbound_attempts`` row each):

- ``people_called``: people with at least one call; ``attempts``: calls placed.
- ``reached``: people reached by a call: one whose outcome the agent keyed, or that was put
  through to the agent (``talk_s`` known).
- ``accepted``, ``kept``, ``do_not_call``, ``wrong_number``: calls with that keyed outcome (each
  ends the person's turn, so they also count people); ``no_answer``, ``voicemail``,
  ``busy_failed`` (busy or failed): calls with that automatic outcome (a person called again
  after ``retry-unreached`` counts once per call).
- ``lists_filled``: lists whose last slot was accepted; ``fill_s``: mean seconds from a list's
  creation to its last slot filled (``null`` when none filled).
- ``talk_s``: the agents' outbound talk time, in seconds.

For a period, the calls count by the local date they were placed, the filled lists by the local
date they filled. Means are rounded half up to 1 decimal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, case, distinct, func, or_, select
from sqlalchemy.orm import Session

from calllog.events import local_midnight
from outbound.tables import FILLED, CallList, OutboundAttempt, Outcome

KEYED: Final = frozenset({Outcome.ACCEPTED, Outcome.KEPT, Outcome.DO_NOT_CALL, Outcome.WRONG_NUMBER})


@dataclass(frozen=True, slots=True)
class OutboundFigures:
    people_called: int
    attempts: int
    reached: int
    accepted: int
    kept: int
    do_not_call: int
    wrong_number: int
    no_answer: int
    voicemail: int
    busy_failed: int
    lists_filled: int
    fill_s: float | None
    talk_s: int


FIGURES: Final = tuple(field.name for field in fields(OutboundFigures))
# The figures as columns of the KPIs' CSV and ``ivr report``, apart from the call KPIs.
OUTBOUND_COLUMNS: Final = tuple(f"outbound_{name}" for name in FIGURES)


def list_figures(session: Session, list_id: int) -> OutboundFigures:
    """The figures of one list, over all its calls."""
    attempts = session.execute(select(*_aggregates()).where(OutboundAttempt.list_id == list_id)).one()
    filled = session.execute(
        select(CallList.created_at, CallList.closed_at).where(
            CallList.id == list_id, CallList.closed_reason == FILLED
        )
    ).all()
    return _figures(attempts._mapping, [(row.created_at, row.closed_at) for row in filled])


def period_figures(
    session: Session, helpdesk: str | None, first: dt.date, last: dt.date, zone: dt.tzinfo
) -> OutboundFigures:
    """The figures of ``helpdesk`` (``None``: all helpdesks) for local dates ``first`` to ``last``
    in ``zone``."""
    if first > last:
        raise ValueError(f"the period starts ({first}) after it ends ({last})")
    start = local_midnight(first, zone).astimezone(dt.UTC)
    end = local_midnight(last + dt.timedelta(days=1), zone).astimezone(dt.UTC)
    placed = and_(OutboundAttempt.started_at >= start, OutboundAttempt.started_at < end)
    if helpdesk is not None:
        placed = and_(OutboundAttempt.helpdesk_id == helpdesk, placed)
    attempts = session.execute(select(*_aggregates()).where(placed)).one()
    filled_in = and_(CallList.closed_reason == FILLED, CallList.closed_at >= start, CallList.closed_at < end)
    if helpdesk is not None:
        filled_in = and_(CallList.helpdesk_id == helpdesk, filled_in)
    filled = session.execute(select(CallList.created_at, CallList.closed_at).where(filled_in)).all()
    return _figures(attempts._mapping, [(row.created_at, row.closed_at) for row in filled])


def outbound_row(figures: OutboundFigures) -> dict[str, int | float | None]:
    """The figures under their ``OUTBOUND_COLUMNS`` names."""
    return {f"outbound_{name}": getattr(figures, name) for name in FIGURES}


def _aggregates() -> list[Any]:
    attempt = OutboundAttempt
    reached = or_(attempt.outcome.in_(sorted(KEYED)), attempt.talk_s.is_not(None))

    def calls(name: str, *outcomes: Outcome) -> Any:
        condition: ColumnElement[bool] = attempt.outcome.in_([outcome.value for outcome in outcomes])
        return func.count().filter(condition).label(name)

    return [
        func.count(distinct(attempt.entry_id)).label("people_called"),
        func.count().label("attempts"),
        # CASE rather than FILTER: COUNT(DISTINCT …) FILTER is not in every SQLite.
        func.count(distinct(case((reached, attempt.entry_id)))).label("reached"),
        calls("accepted", Outcome.ACCEPTED),
        calls("kept", Outcome.KEPT),
        calls("do_not_call", Outcome.DO_NOT_CALL),
        calls("wrong_number", Outcome.WRONG_NUMBER),
        calls("no_answer", Outcome.NO_ANSWER),
        calls("voicemail", Outcome.VOICEMAIL),
        calls("busy_failed", Outcome.BUSY, Outcome.FAILED),
        func.coalesce(func.sum(attempt.talk_s), 0).label("talk_s"),
    ]


def _figures(row: Any, filled: list[tuple[dt.datetime, dt.datetime]]) -> OutboundFigures:
    def n(name: str) -> int:
        return int(row[name] or 0)

    # A handful of lists fill per day: their times are added up here rather than in each
    # database's own date arithmetic.
    seconds = [(closed - created).total_seconds() for created, closed in filled]
    mean = None
    if seconds:
        mean = float((Decimal(sum(seconds)) / Decimal(len(seconds))).quantize(Decimal("0.1"), ROUND_HALF_UP))
    return OutboundFigures(
        people_called=n("people_called"),
        attempts=n("attempts"),
        reached=n("reached"),
        accepted=n("accepted"),
        kept=n("kept"),
        do_not_call=n("do_not_call"),
        wrong_number=n("wrong_number"),
        no_answer=n("no_answer"),
        voicemail=n("voicemail"),
        busy_failed=n("busy_failed"),
        lists_filled=len(filled),
        fill_s=mean,
        talk_s=n("talk_s"),
    )
