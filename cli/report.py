"""``ivr report``: the call KPIs of a period as a table or CSV, read from the database of
``DATABASE_URL`` with the time zone and thresholds of ``IVR_CONFIG`` (playbook 1.2.2
"rapportering"), with the escalations and one-and-done (playbook 1.4.2); a total also gives the
figures of the calls to citizens (playbook 1.5) and the complaints register (1.4.3.3), a daily
series the complaints per day."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import get_args

from sqlalchemy.orm import Session

from calllog import (
    FIRST_REPORT_DATE,
    KPI_COLUMNS,
    LAST_REPORT_DATE,
    Cell,
    Step,
    cell_text,
    to_csv,
)
from config import ConfigError, HelpdeskConfig, Settings, load_config
from database import make_engine, make_sessionmaker
from service.reports import MAX_DAYS, PERIOD_COLUMNS, SERIES_COLUMNS, period_figures_of, series_figures


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--helpdesk", help="helpdesk id (default: all helpdesks together)")
    parser.add_argument(
        "--from", dest="first", required=True, type=_date, help="first local date, YYYY-MM-DD"
    )
    parser.add_argument("--to", dest="last", required=True, type=_date, help="last local date (included)")
    parser.add_argument("--format", choices=("table", "csv"), default="table")
    parser.add_argument(
        "--step", choices=get_args(Step), help="a line per day, hour or 15 minutes instead of the total"
    )


def run(args: argparse.Namespace) -> int:
    """Print the report: 0 when printed, 1 for a bad config file, 2 for a bad request."""
    settings = Settings()
    try:
        config = load_config(settings.ivr_config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    helpdesk: str | None = args.helpdesk
    first: dt.date = args.first
    last: dt.date = args.last
    problem = _problem(config, helpdesk, first, last)
    if problem is not None:
        print(f"ivr report: {problem}", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            table = build_report(session, config, helpdesk, first, last, args.step)
    finally:
        engine.dispose()
    print(table.csv() if args.format == "csv" else table.text(), end="")
    return 0


@dataclass(frozen=True)
class Report:
    """The figures of one report: a single total row, or one row per bucket of a series."""

    title: str
    key_columns: tuple[str, ...]
    rows: Sequence[Mapping[str, Cell]]
    is_series: bool
    # The call KPIs with the escalations; for a total the outbound and complaint figures after
    # them, for a series the complaints (of the day; empty in shorter buckets).
    figure_columns: tuple[str, ...] = KPI_COLUMNS

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.key_columns, *self.figure_columns)

    def csv(self) -> str:
        """The same CSV as the API's ``format=csv``."""
        return to_csv(self.columns, self.rows)

    def text(self) -> str:
        """A title line, then a figure per line (total) or a bucket per line (series), aligned."""
        if not self.is_series:
            row = self.rows[0]
            width = max(len(name) for name in self.figure_columns)
            values = {name: _shown(row[name]) for name in self.figure_columns}
            value_width = max(len(value) for value in values.values())
            lines = [f"{name:<{width}}  {values[name]:>{value_width}}" for name in self.figure_columns]
            return "\n".join([self.title, *lines]) + "\n"
        cells = [[_shown(row[name]) for name in self.columns] for row in self.rows]
        widths = [
            max([len(name), *(len(line[index]) for line in cells)]) for index, name in enumerate(self.columns)
        ]
        header = "  ".join(
            name.ljust(width) if index == 0 else name.rjust(width)
            for index, (name, width) in enumerate(zip(self.columns, widths, strict=True))
        )
        body = [
            "  ".join(
                cell.ljust(width) if index == 0 else cell.rjust(width)
                for index, (cell, width) in enumerate(zip(line, widths, strict=True))
            )
            for line in cells
        ]
        return "\n".join([self.title, header, *body]) + "\n"


def build_report(
    session: Session,
    config: HelpdeskConfig,
    helpdesk: str | None,
    first: dt.date,
    last: dt.date,
    step: Step | None,
) -> Report:
    """Read the KPIs of ``helpdesk`` (None: all) for local dates ``first`` to ``last``."""
    scope = helpdesk or "all helpdesks"
    if step is None:
        found = period_figures_of(session, config, helpdesk, first, last)
        title = f"{scope}, {first.isoformat()} to {last.isoformat()} ({config.timezone})"
        row: dict[str, Cell] = {"helpdesk": helpdesk, "from": first.isoformat(), "to": last.isoformat()}
        row.update(found.row())
        key = ("helpdesk", "from", "to")
        return Report(title, key, [row], is_series=False, figure_columns=PERIOD_COLUMNS)
    buckets = series_figures(session, config, helpdesk, first, last, step)
    title = f"{scope}, {first.isoformat()} to {last.isoformat()}, per {step} ({config.timezone})"
    rows = [bucket.row() for bucket in buckets]
    return Report(title, ("start",), rows, is_series=True, figure_columns=SERIES_COLUMNS)


def _problem(config: HelpdeskConfig, helpdesk: str | None, first: dt.date, last: dt.date) -> str | None:
    if helpdesk is not None and config.helpdesk(helpdesk) is None:
        known = ", ".join(desk.id for desk in config.helpdesks)
        return f"unknown helpdesk {helpdesk!r}; this file has: {known}"
    if first > last:
        return f"--from {first.isoformat()} is after --to {last.isoformat()}"
    if first < FIRST_REPORT_DATE or last > LAST_REPORT_DATE:
        return f"dates must lie between {FIRST_REPORT_DATE} and {LAST_REPORT_DATE}"
    if (last - first).days + 1 > MAX_DAYS:
        return f"the period is longer than {MAX_DAYS} days"
    return None


def _shown(value: Cell) -> str:
    return "-" if value is None else cell_text(value)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-12-01") from None
