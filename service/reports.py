"""The figures of a period's report, one reading for every adapter that shows them.

The JSON API (``GET /api/metrics`` and ``/api/metrics/series``, their CSV), ``ivr report`` and
the web console's "Vandaag" and "Periode" pages all take their figures from here: the call KPIs
with the escalations (playbook 1.4.2), the calls to citizens (1.5) and the complaints register
(1.4.3.3). A page therefore never disagrees with the API it is checked against.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy.orm import Session

from calllog import (
    FIRST_REPORT_DATE,
    KPI_COLUMNS,
    LAST_REPORT_DATE,
    Cell,
    Kpis,
    Step,
    Thresholds,
    bucket_count,
    kpi_row,
    local_midnight,
    series,
    summary,
    to_csv,
)
from complaints import COMPLAINT_COLUMNS, ComplaintFigures, complaint_days, complaint_figures, complaint_row
from config import HelpdeskConfig
from escalations import (
    ESCALATION_COLUMNS,
    EscalationFigures,
    escalation_counts,
    escalation_figures,
    escalation_row,
    figures,
)
from outbound import OUTBOUND_COLUMNS, OutboundFigures, outbound_row, period_figures

MAX_DAYS: Final = 366
# A 15-minute series over a whole year would be 35,000 rows; past this, ask for a coarser step.
MAX_BUCKETS: Final = 10_000
PERIOD_COLUMNS: Final = (*KPI_COLUMNS, *ESCALATION_COLUMNS, *OUTBOUND_COLUMNS, *COMPLAINT_COLUMNS)
SERIES_COLUMNS: Final = (*KPI_COLUMNS, *ESCALATION_COLUMNS, *COMPLAINT_COLUMNS)


class UnknownHelpdeskError(LookupError):
    """The report names a helpdesk the config does not have."""


class BadPeriodError(ValueError):
    """The period cannot be reported: reversed, outside the dates a report may ask, too long, or
    too many buckets for its step."""


def check_period(config: HelpdeskConfig, helpdesk: str | None, first: dt.date, last: dt.date) -> None:
    """Raise :class:`UnknownHelpdeskError` or :class:`BadPeriodError` for a report the API refuses."""
    if helpdesk is not None and config.helpdesk(helpdesk) is None:
        raise UnknownHelpdeskError(f"unknown helpdesk {helpdesk!r}")
    if first > last:
        raise BadPeriodError(f"from ({first}) is after to ({last})")
    if first < FIRST_REPORT_DATE or last > LAST_REPORT_DATE:
        raise BadPeriodError(f"dates must lie between {FIRST_REPORT_DATE} and {LAST_REPORT_DATE}")
    if (last - first).days + 1 > MAX_DAYS:
        raise BadPeriodError(f"the period is longer than {MAX_DAYS} days")


def check_buckets(config: HelpdeskConfig, first: dt.date, last: dt.date, step: Step) -> None:
    """Raise :class:`BadPeriodError` when the series would have more than ``MAX_BUCKETS`` buckets."""
    if bucket_count(first, last, step, config.zone) > MAX_BUCKETS:
        raise BadPeriodError(f"more than {MAX_BUCKETS} buckets; choose a longer step or a shorter period")


def thresholds_for(config: HelpdeskConfig, helpdesk: str | None) -> Thresholds | Mapping[str, Thresholds]:
    """The helpdesk's ``short_abandon`` and ``service_level_s``, or every helpdesk's for ``None``."""
    by_desk = {
        desk.id: Thresholds(
            short_abandon=desk.queue.short_abandon, service_level_s=desk.queue.service_level_s
        )
        for desk in config.helpdesks
    }
    return by_desk[helpdesk] if helpdesk is not None else by_desk


@dataclass(frozen=True)
class PeriodFigures:
    """Everything a period's report shows: the call KPIs with the escalations, the calls to
    citizens and the complaints register."""

    kpis: Kpis
    escalations: EscalationFigures
    outbound: OutboundFigures
    complaints: ComplaintFigures

    def row(self) -> dict[str, Cell]:
        return {
            **kpi_row(self.kpis),
            **escalation_row(self.escalations),
            **outbound_row(self.outbound),
            **complaint_row(self.complaints),
        }


@dataclass(frozen=True)
class BucketFigures:
    """One bucket of a series: the call KPIs with the escalations, and the complaints of the day
    (``None`` in buckets shorter than a day)."""

    start: dt.datetime
    kpis: Kpis
    escalations: EscalationFigures
    complaints: ComplaintFigures | None

    def row(self) -> dict[str, Cell]:
        complaints: dict[str, Cell] = (
            dict(complaint_row(self.complaints))
            if self.complaints is not None
            else dict.fromkeys(COMPLAINT_COLUMNS)
        )
        return {
            "start": self.start.isoformat(),
            **kpi_row(self.kpis),
            **escalation_row(self.escalations),
            **complaints,
        }


def period_figures_of(
    session: Session, config: HelpdeskConfig, helpdesk: str | None, first: dt.date, last: dt.date
) -> PeriodFigures:
    """The figures of ``helpdesk`` (None: all) for the local dates ``first`` to ``last``."""
    kpis = summary(session, helpdesk, first, last, thresholds_for(config, helpdesk))
    return PeriodFigures(
        kpis=kpis,
        escalations=escalation_figures(session, helpdesk, first, last, config.zone, kpis.answered),
        outbound=period_figures(session, helpdesk, first, last, config.zone),
        complaints=complaint_figures(session, helpdesk, first, last),
    )


def series_figures(
    session: Session,
    config: HelpdeskConfig,
    helpdesk: str | None,
    first: dt.date,
    last: dt.date,
    step: Step,
) -> list[BucketFigures]:
    """The figures per ``step`` of local time; daily buckets add up to :func:`period_figures_of`."""
    zone = config.zone
    buckets = series(session, helpdesk, first, last, step, zone, thresholds_for(config, helpdesk))
    end = local_midnight(last + dt.timedelta(days=1), zone)
    counts = escalation_counts(session, helpdesk, [bucket.start for bucket in buckets], end)
    days = complaint_days(session, helpdesk, first, last) if step == "day" else {}
    return [
        BucketFigures(
            start=bucket.start,
            kpis=bucket.kpis,
            escalations=figures(total, urgent, bucket.kpis.answered),
            complaints=days.get(bucket.start.date()),
        )
        for bucket, (total, urgent) in zip(buckets, counts, strict=True)
    ]


def report_name(kind: str, helpdesk: str | None, first: dt.date, last: dt.date) -> str:
    """A report's file name without ``.csv``, e.g. ``metrics-voorkempen-2026-12-01-2026-12-31``."""
    return f"{kind}-{helpdesk or 'all'}-{first.isoformat()}-{last.isoformat()}"


def period_csv(helpdesk: str | None, first: dt.date, last: dt.date, found: PeriodFigures) -> str:
    """The period's figures as CSV: a header line and one row."""
    row: dict[str, Cell] = {"helpdesk": helpdesk, "from": first.isoformat(), "to": last.isoformat()}
    row.update(found.row())
    return to_csv(("helpdesk", "from", "to", *PERIOD_COLUMNS), [row])


def series_csv(buckets: Sequence[BucketFigures]) -> str:
    """A series as CSV: a header line and one row per bucket."""
    return to_csv(("start", *SERIES_COLUMNS), [bucket.row() for bucket in buckets])
