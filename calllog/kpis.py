"""The call KPIs of PRODUCT.md "Metrics", for a helpdesk (or all) and a range of local dates.

Playbook 1.2.2 ("rapportering") asks how many calls were offered and answered, how many went to
the central number and how long callers waited; 1.4.2 asks for the reachability
("bereikbaarheid") and 1.4.1 for calls per invitation ("1 op 20 genodigden"). Everything is
aggregated in SQL, one query per report, over the rows of the period only.

Definitions:

- ``offered``: calls by local arrival date; ``offered_open``: of those, arrived while open.
- ``answered``, ``abandoned``, ``overflowed`` (and per reason), ``closing_message``,
  ``busy_message``, ``in_progress``: the one outcome of each call (they add up to ``offered``).
- ``short_abandoned``: abandoned with a wait under the helpdesk's ``short_abandon`` seconds.
- ``reachability`` = answered / offered_open.
- ``service_level`` = answered with a wait of at most ``service_level_s`` /
  (entered_queue - short_abandoned).
- ``asa_s``: mean wait of the answered calls; ``avg_abandon_wait_s``: of the abandoned ones;
  ``max_wait_s``: longest wait of a call that entered the queue; ``avg_talk_s``: mean talk time.
- ``invitations``: letters sent in the period; ``contact_rate`` = offered / invitations.
- ``returning_calls``: calls of citizens ringing back within ``outbound.callback_window_hours``
  after a call of the helpdesk they missed (playbook 1.5.2), whatever became of the call.

Ratios are rounded half up to 4 decimals and seconds to 1 decimal; a ratio or mean whose
denominator is 0 is ``None``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, Literal

from sqlalchemy import ColumnElement, Label, Select, and_, case, func, literal, select
from sqlalchemy.orm import QueryableAttribute, Session

from calllog.events import OVERFLOW_REASONS, local_midnight
from calllog.projection import OUTCOMES
from calllog.tables import CallRecord, Invitation

Step = Literal["15m", "hour", "day"]
STEPS: Final[Mapping[Step, int]] = {"15m": 15, "hour": 60, "day": 24 * 60}


@dataclass(frozen=True)
class Thresholds:
    """A helpdesk's ``queue.short_abandon`` and ``queue.service_level_s`` (config defaults)."""

    short_abandon: int = 5
    service_level_s: int = 60


@dataclass(frozen=True)
class Kpis:
    offered: int
    offered_open: int
    answered: int
    abandoned: int
    short_abandoned: int
    overflowed: int
    overflowed_by_reason: Mapping[str, int]
    closing_message: int
    busy_message: int
    in_progress: int
    entered_queue: int
    returning_calls: int
    reachability: float | None
    service_level: float | None
    asa_s: float | None
    avg_abandon_wait_s: float | None
    max_wait_s: int | None
    avg_talk_s: float | None
    # None in buckets shorter than a day: invitations are counted per day.
    invitations: int | None
    contact_rate: float | None


@dataclass(frozen=True)
class Bucket:
    """One step of a series: its first instant, in local time with its UTC offset."""

    start: dt.datetime
    kpis: Kpis


ThresholdsArg = Thresholds | Mapping[str, Thresholds]


# Dates a report may ask for: far wider than any call log, and far from the calendar's ends,
# where local midnights cannot be converted to UTC.
FIRST_REPORT_DATE: Final = dt.date(2000, 1, 1)
LAST_REPORT_DATE: Final = dt.date(2999, 12, 31)


def summary(
    session: Session,
    helpdesk: str | None,
    first: dt.date,
    last: dt.date,
    thresholds: ThresholdsArg = Thresholds(),
) -> Kpis:
    """The KPIs of ``helpdesk`` (``None``: all helpdesks) for local dates ``first`` to ``last``.

    ``thresholds`` is one helpdesk's, or a mapping by helpdesk id when reporting on several
    (a helpdesk missing from it gets the defaults).
    """
    _check_range(first, last)
    invitations = (
        select(func.coalesce(func.sum(Invitation.count), 0))
        .where(_invitation_filter(helpdesk, first, last))
        .scalar_subquery()
    )
    query = select(*_aggregates_for(thresholds), invitations.label("invitations")).where(
        period_filter(helpdesk, first, last)
    )
    row = session.execute(query).one()._mapping
    return _kpis(row, int(row["invitations"]))


def series(
    session: Session,
    helpdesk: str | None,
    first: dt.date,
    last: dt.date,
    step: Step,
    zone: dt.tzinfo,
    thresholds: ThresholdsArg = Thresholds(),
) -> list[Bucket]:
    """The KPIs per ``step`` of local time in ``zone``, every bucket present, empty ones too.

    Buckets follow real time from local midnight, so the day summer time starts has 23 hourly
    buckets and the day it ends 25, the repeated hour labelled once with each UTC offset. Daily
    buckets add up to ``summary`` for the same period.
    """
    _check_range(first, last)
    minutes = STEPS[step]
    period = period_filter(helpdesk, first, last)
    labelled: list[Label[Any]] = [CallRecord.arrival_date.label("key_day")]
    if step != "day":
        labelled.append((CallRecord.arrival_minute // minutes).label("key_bucket"))
    query: Select[Any] = select(*labelled, *_aggregates_for(thresholds)).where(period).group_by(*labelled)
    rows = {tuple(row._mapping[key.name] for key in labelled): row._mapping for row in session.execute(query)}

    invitations: dict[dt.date, int] = {}
    if step == "day":
        invitations = {
            day: int(count)
            for day, count in session.execute(
                select(Invitation.date, func.sum(Invitation.count))
                .where(_invitation_filter(helpdesk, first, last))
                .group_by(Invitation.date)
            )
        }

    buckets: list[Bucket] = []
    for day in _days(first, last):
        starts = _bucket_starts(day, zone, minutes)
        for index, start in enumerate(starts):
            key: tuple[object, ...] = (day,) if step == "day" else (day, index)
            row = rows.get(key)
            counted = invitations.get(day, 0) if step == "day" else None
            buckets.append(Bucket(start, _kpis(row, counted) if row is not None else _empty(counted)))
    return buckets


def bucket_count(first: dt.date, last: dt.date, step: Step, zone: dt.tzinfo) -> int:
    """How many buckets ``series`` returns for this period, without reading any call."""
    return sum(len(_bucket_starts(day, zone, STEPS[step])) for day in _days(first, last))


def _bucket_starts(day: dt.date, zone: dt.tzinfo, minutes: int) -> list[dt.datetime]:
    if minutes == STEPS["day"]:
        # A day is one bucket however long it is: 23 or 25 hours on the DST days.
        return [local_midnight(day, zone)]
    midnight = local_midnight(day, zone).astimezone(dt.UTC)
    next_midnight = local_midnight(day + dt.timedelta(days=1), zone).astimezone(dt.UTC)
    length = int((next_midnight - midnight).total_seconds()) // 60
    count = -(-length // minutes)
    return [(midnight + dt.timedelta(minutes=minutes * index)).astimezone(zone) for index in range(count)]


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)]


def _check_range(first: dt.date, last: dt.date) -> None:
    if first > last:
        raise ValueError(f"the period starts ({first}) after it ends ({last})")


def period_filter(helpdesk: str | None, first: dt.date, last: dt.date) -> ColumnElement[bool]:
    """The calls of ``helpdesk`` (``None``: all) that arrived on the local dates ``first`` to ``last``."""
    dates = CallRecord.arrival_date.between(first, last)
    return dates if helpdesk is None else and_(CallRecord.helpdesk_id == helpdesk, dates)


def _invitation_filter(helpdesk: str | None, first: dt.date, last: dt.date) -> ColumnElement[bool]:
    dates = Invitation.date.between(first, last)
    return dates if helpdesk is None else and_(Invitation.helpdesk_id == helpdesk, dates)


def _threshold(thresholds: ThresholdsArg, name: str) -> ColumnElement[int]:
    if isinstance(thresholds, Thresholds):
        return literal(getattr(thresholds, name))
    default = getattr(Thresholds(), name)
    if not thresholds:
        return literal(default)
    return case(
        {desk: getattr(values, name) for desk, values in thresholds.items()},
        value=CallRecord.helpdesk_id,
        else_=default,
    )


def _aggregates_for(thresholds: ThresholdsArg) -> tuple[Label[Any], ...]:
    """The aggregate columns for these thresholds, built once: building the thirty-odd SQL
    expressions costs more than the database's reading of a day's rows (the expressions are
    immutable; the answers are never kept)."""
    key = thresholds if isinstance(thresholds, Thresholds) else tuple(sorted(thresholds.items()))
    return _built_aggregates(key)


@functools.lru_cache(maxsize=64)
def _built_aggregates(key: Thresholds | tuple[tuple[str, Thresholds], ...]) -> tuple[Label[Any], ...]:
    return tuple(_aggregates(key if isinstance(key, Thresholds) else dict(key)))


def _aggregates(thresholds: ThresholdsArg) -> list[Label[Any]]:
    record = CallRecord
    answered = record.outcome == "answered"
    abandoned = record.outcome == "abandoned"

    # FILTER rather than CASE inside the aggregate: both databases evaluate it faster, and the
    # report reads every row of the period. COUNT(column) and SUM skip NULLs, so a call without a
    # known wait or talk time is left out of the mean.
    def count(condition: ColumnElement[bool], name: str) -> Label[Any]:
        return func.count().filter(condition).label(name)

    def known(condition: ColumnElement[bool], value: QueryableAttribute[int | None], name: str) -> Label[Any]:
        return func.count(value).filter(condition).label(name)

    def total(condition: ColumnElement[bool], value: QueryableAttribute[int | None], name: str) -> Label[Any]:
        return func.coalesce(func.sum(value).filter(condition), 0).label(name)

    return [
        func.count().label("offered"),
        count(record.open_on_arrival.is_(True), "offered_open"),
        *(count(record.outcome == outcome, outcome) for outcome in OUTCOMES),
        # Only an overflowed call has a reason.
        *(count(record.overflow_reason == reason, f"overflowed_{reason}") for reason in OVERFLOW_REASONS),
        count(and_(abandoned, record.wait_s < _threshold(thresholds, "short_abandon")), "short_abandoned"),
        count(record.entered_queue.is_(True), "entered_queue"),
        func.count(record.returning_attempt_id).label("returning_calls"),
        count(and_(answered, record.wait_s <= _threshold(thresholds, "service_level_s")), "answered_in_sl"),
        total(answered, record.wait_s, "answered_wait"),
        known(answered, record.wait_s, "answered_waits"),
        total(abandoned, record.wait_s, "abandoned_wait"),
        known(abandoned, record.wait_s, "abandoned_waits"),
        func.max(record.wait_s).filter(record.entered_queue.is_(True)).label("max_wait"),
        total(answered, record.talk_s, "talk"),
        known(answered, record.talk_s, "talks"),
    ]


def _kpis(row: Mapping[Any, Any], invitations: int | None) -> Kpis:
    def n(name: str) -> int:
        return int(row[name] or 0)

    entered, short = n("entered_queue"), n("short_abandoned")
    max_wait = row["max_wait"]
    return Kpis(
        offered=n("offered"),
        offered_open=n("offered_open"),
        answered=n("answered"),
        abandoned=n("abandoned"),
        short_abandoned=short,
        overflowed=n("overflowed"),
        overflowed_by_reason={reason: n(f"overflowed_{reason}") for reason in OVERFLOW_REASONS},
        closing_message=n("closing_message"),
        busy_message=n("busy_message"),
        in_progress=n("in_progress"),
        entered_queue=entered,
        returning_calls=n("returning_calls"),
        reachability=_ratio(n("answered"), n("offered_open")),
        service_level=_ratio(n("answered_in_sl"), entered - short),
        asa_s=_mean(n("answered_wait"), n("answered_waits")),
        avg_abandon_wait_s=_mean(n("abandoned_wait"), n("abandoned_waits")),
        max_wait_s=int(max_wait) if max_wait is not None else None,
        avg_talk_s=_mean(n("talk"), n("talks")),
        invitations=invitations,
        contact_rate=_ratio(n("offered"), invitations) if invitations is not None else None,
    )


def _empty(invitations: int | None) -> Kpis:
    zero: dict[str, int | None] = dict.fromkeys(_aggregate_names(), 0)
    zero["max_wait"] = None
    return _kpis(zero, invitations)


@functools.cache
def _aggregate_names() -> Sequence[str]:
    return tuple(column.name for column in _aggregates(Thresholds()))


def _ratio(numerator: int, denominator: int) -> float | None:
    if denominator <= 0:
        return None
    return float((Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def _mean(total: int, count: int) -> float | None:
    if count <= 0:
        return None
    return float((Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), ROUND_HALF_UP))
