"""The KPIs and the call list as flat rows: one column per figure, for CSV and the ``ivr report``
table. JSON, CSV and the table show the same figures because they all come from here."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from typing import Final

from calllog.events import OVERFLOW_REASONS
from calllog.kpis import Kpis
from calllog.listing import CallEntry

Cell = str | int | float | bool | None

KPI_COLUMNS: Final = tuple(
    name
    for field in fields(Kpis)
    for name in (
        [f"overflowed_{reason}" for reason in OVERFLOW_REASONS]
        if field.name == "overflowed_by_reason"
        else [field.name]
    )
)
CALL_COLUMNS: Final = tuple(field.name for field in fields(CallEntry))


def kpi_row(kpis: Kpis) -> dict[str, Cell]:
    """The KPIs with ``overflowed_by_reason`` spread over one column per reason."""
    row: dict[str, Cell] = {}
    for field in fields(Kpis):
        value = getattr(kpis, field.name)
        if field.name == "overflowed_by_reason":
            row.update({f"overflowed_{reason}": value[reason] for reason in OVERFLOW_REASONS})
        else:
            row[field.name] = value
    return row


def call_row(call: CallEntry, zone: dt.tzinfo) -> dict[str, Cell]:
    """One call, its times in local time with their UTC offset."""
    row: dict[str, Cell] = {}
    for field in fields(CallEntry):
        value = getattr(call, field.name)
        if isinstance(value, dt.datetime):
            row[field.name] = value.astimezone(zone).isoformat()
        elif isinstance(value, dt.date):
            row[field.name] = value.isoformat()
        else:
            row[field.name] = value
    return row


def cell_text(value: Cell) -> str:
    """How a value is written in CSV: empty for unknown, ``true``/``false`` for flags."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Cell]]) -> str:
    """RFC 4180 CSV (CRLF line ends) with a header line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell_text(row[column]) for column in columns])
    return out.getvalue()
