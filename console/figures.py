"""What the "Vandaag" and "Periode" pages show, in Dutch: the report figures of
``service.reports`` (the API's own) put into words, and the data of their charts.

Every figure is written from the API's value by one rule per kind: a count as a whole number
(``1.234``), a ratio as a percentage to two decimals (``0.4444`` is ``44,44 %``), a mean in
seconds to one decimal (``63,4 s``), the longest wait in whole seconds, and a dash for ``null``.
Nothing is recomputed: the pages show what ``GET /api/metrics``, ``/api/metrics/series`` and
``/api/metrics/waits`` answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from calllog import OVERFLOW_REASONS, Cell, Step, WaitBand, kpi_row
from escalations import escalation_row
from service.reports import BucketFigures, PeriodFigures

NOTHING: Final = "–"
RATIOS: Final = frozenset({"reachability", "service_level", "contact_rate", "one_and_done"})
MEANS: Final = frozenset({"asa_s", "avg_abandon_wait_s", "avg_talk_s"})
REASON_WORDS: Final[Mapping[str, str]] = {
    "closed": "gesloten",
    "no_agents": "geen medewerkers",
    "queue_full": "wachtrij vol",
    "wait_timeout": "te lang gewacht",
    "error": "storing",
}
# The KPIs (and the escalations beside them) in the order the pages list them, with their names.
KPI_LABELS: Final[Mapping[str, str]] = {
    "offered": "Aangeboden oproepen",
    "offered_open": "Aangeboden tijdens de openingsuren",
    "answered": "Beantwoord",
    "abandoned": "Afgehaakt",
    "short_abandoned": "Snel afgehaakt",
    "overflowed": "Doorgeschakeld naar centraal",
    **{f"overflowed_{reason}": f"Doorgeschakeld: {REASON_WORDS[reason]}" for reason in OVERFLOW_REASONS},
    "closing_message": "Sluitingsboodschap",
    "busy_message": "Bezetboodschap",
    "in_progress": "Nog bezig",
    "entered_queue": "In de wachtrij gekomen",
    "returning_calls": "Terugbellers na een gemiste oproep",
    "reachability": "Bereikbaarheid",
    "service_level": "Service level",
    "asa_s": "Gemiddelde wachttijd (beantwoord)",
    "avg_abandon_wait_s": "Gemiddelde wachttijd (afgehaakt)",
    "max_wait_s": "Langste wachttijd",
    "avg_talk_s": "Gemiddelde gespreksduur",
    "invitations": "Uitnodigingen verstuurd",
    "contact_rate": "Oproepen per uitnodiging",
    "escalations": "Escalaties",
    "escalations_urgent": "Escalaties: dringend (centraal)",
    "one_and_done": "Zonder collega geholpen (one-and-done)",
}
# The columns of the per-hour (per-step) table and chart.
BUCKET_COLUMNS: Final[Mapping[str, str]] = {
    "offered": "Aangeboden",
    "answered": "Beantwoord",
    "abandoned": "Afgehaakt",
    **{f"overflowed_{reason}": f"Centraal: {REASON_WORDS[reason]}" for reason in OVERFLOW_REASONS},
    "service_level": "Service level",
}
WAIT_COLUMNS: Final[Mapping[str, str]] = {
    "calls": "Oproepen",
    "answered": "Beantwoord",
    "abandoned": "Afgehaakt",
    "overflowed": "Doorgeschakeld",
}
STEP_WORDS: Final[Mapping[Step, str]] = {"15m": "per kwartier", "hour": "per uur", "day": "per dag"}


def figure_text(key: str, value: Cell) -> str:
    """One figure of the API as the pages write it (see the module's docstring)."""
    if value is None:
        return NOTHING
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if key in RATIOS:
        percent = (Decimal(str(value)) * 100).quantize(Decimal("0.01"))
        return f"{percent} %".replace(".", ",")
    if key in MEANS:
        return f"{Decimal(str(value)).quantize(Decimal('0.1'))} s".replace(".", ",")
    if key == "max_wait_s":
        return f"{value} s"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return str(value)


def wait_band_text(band: WaitBand) -> str:
    """``0–14 s``, … ``180 s en langer``."""
    if band.to_s is None:
        return f"{band.from_s} s en langer"
    return f"{band.from_s}–{band.to_s - 1} s"


def bucket_text(start: dt.datetime, step: Step, one_day: bool) -> str:
    """A bucket's first instant in local time: ``14:00`` within one day, ``10-03-2026`` per day,
    else ``10-03-2026 14:00``."""
    if step == "day":
        return f"{start:%d-%m-%Y}"
    if one_day:
        return f"{start:%H:%M}"
    return f"{start:%d-%m-%Y %H:%M}"


@dataclass(frozen=True, slots=True)
class Figure:
    key: str
    label: str
    texts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    cells: tuple[tuple[str, str], ...]


def _figures_row(found: PeriodFigures) -> dict[str, Cell]:
    return {**kpi_row(found.kpis), **escalation_row(found.escalations)}


def kpi_figures(*periods: PeriodFigures) -> list[Figure]:
    """Every KPI, one text per period given (e.g. today and the same weekday a week before)."""
    rows = [_figures_row(found) for found in periods]
    return [
        Figure(key, label, tuple(figure_text(key, row[key]) for row in rows))
        for key, label in KPI_LABELS.items()
    ]


def _bucket_row(bucket: BucketFigures) -> dict[str, Cell]:
    return {**kpi_row(bucket.kpis), **escalation_row(bucket.escalations)}


def bucket_rows(buckets: Sequence[BucketFigures], step: Step, one_day: bool) -> list[Row]:
    """The per-step table: one row per bucket, the columns of ``BUCKET_COLUMNS``."""
    rows: list[Row] = []
    for bucket in buckets:
        values = _bucket_row(bucket)
        rows.append(
            Row(
                bucket_text(bucket.start, step, one_day),
                tuple((key, figure_text(key, values[key])) for key in BUCKET_COLUMNS),
            )
        )
    return rows


def wait_rows(bands: Sequence[WaitBand]) -> list[Row]:
    return [
        Row(wait_band_text(band), tuple((key, figure_text(key, getattr(band, key))) for key in WAIT_COLUMNS))
        for band in bands
    ]


def chart_data(
    buckets: Sequence[BucketFigures], bands: Sequence[WaitBand], zone: str, step: Step
) -> dict[str, object]:
    """What the page's script draws: the series per bucket (times as Unix seconds, the service
    level in percent) and the waits per band. The same values as the tables."""
    series: dict[str, list[float | int | None]] = {key: [] for key in BUCKET_COLUMNS}
    for bucket in buckets:
        values = _bucket_row(bucket)
        for key in BUCKET_COLUMNS:
            value = values[key]
            if key == "service_level":
                series[key].append(None if value is None else float(Decimal(str(value)) * 100))
            else:
                series[key].append(value if isinstance(value, int) else None)
    return {
        "timezone": zone,
        "step": step,
        "times": [int(bucket.start.timestamp()) for bucket in buckets],
        # In this order (the JSON's objects are written with sorted keys).
        "keys": list(BUCKET_COLUMNS),
        "labels": dict(BUCKET_COLUMNS),
        "series": series,
        "waits": {
            "bands": [wait_band_text(band) for band in bands],
            "answered": [band.answered for band in bands],
            "abandoned": [band.abandoned for band in bands],
            "overflowed": [band.overflowed for band in bands],
        },
    }
