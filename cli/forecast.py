"""``ivr forecast``: the expected offered calls and the agents needed per day or hour, and
``ivr forecast backtest``: how well each day would have been forecast from the days before it.
Both read the database of ``DATABASE_URL`` with the hours and settings of ``IVR_CONFIG``
(playbook 1.2.1, 1.4.1); the same model as ``GET /api/forecast``.

Exit codes: 0 printed, 1 the config or database is unusable, 2 wrong input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.forecast import ForecastRefused, forecast_desk, targets_of
from calllog import Cell, to_csv
from cli.errors import FAILED, OK, USAGE, database_failed
from config import ConfigError, Helpdesk, HelpdeskConfig, Settings, load_config
from database import make_engine, make_sessionmaker
from planning import AgentsOutOfReachError, Backtest, Forecast, Step, backtest_helpdesk, forecast_helpdesk

COLUMNS = ("start", "open", "invitations", "offered", "agents_needed")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _period_arguments(parser)
    parser.add_argument("--step", choices=[step.value for step in Step], default=Step.DAY.value)
    parser.add_argument("--format", choices=("table", "csv"), default="table")


def add_backtest_arguments(parser: argparse.ArgumentParser) -> None:
    _period_arguments(parser)


def _period_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--helpdesk", required=True, help="helpdesk id")
    parser.add_argument(
        "--from", dest="first", required=True, type=_date, help="first local date, YYYY-MM-DD"
    )
    parser.add_argument("--to", dest="last", required=True, type=_date, help="last local date (included)")


def main(argv: Sequence[str]) -> int:
    """``ivr forecast …`` or ``ivr forecast backtest …``, the words after ``forecast``."""
    if argv and argv[0] == "backtest":
        parser = argparse.ArgumentParser(
            prog="ivr forecast backtest", description="each open day forecast from the days before it"
        )
        add_backtest_arguments(parser)
        args = parser.parse_args(argv[1:])
        return _run(args, backtest=True)
    parser = argparse.ArgumentParser(
        prog="ivr forecast",
        description="expected calls and agents needed per day or hour (ivr forecast backtest: the check)",
    )
    add_arguments(parser)
    return _run(parser.parse_args(argv), backtest=False)


def _run(args: argparse.Namespace, *, backtest: bool) -> int:
    command = "ivr forecast backtest" if backtest else "ivr forecast"
    settings = Settings()
    try:
        config = load_config(settings.ivr_config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return FAILED
    helpdesk: str = args.helpdesk
    first: dt.date = args.first
    last: dt.date = args.last
    desk = forecast_desk(config, helpdesk, first, last)
    if isinstance(desk, ForecastRefused):
        print(f"{command}: {desk.problem}", file=sys.stderr)
        return USAGE
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            if backtest:
                text = backtest_text(config, desk, first, last, _backtest(session, config, desk, first, last))
            else:
                made = _forecast(session, config, desk, first, last, Step(args.step))
                text = forecast_csv(made) if args.format == "csv" else forecast_text(config, desk, made)
    except AgentsOutOfReachError as exc:
        print(f"{command}: the forecast is out of reach: {exc}", file=sys.stderr)
        return USAGE
    except SQLAlchemyError as exc:
        return database_failed(command, exc)
    finally:
        engine.dispose()
    sys.stdout.write(text)
    return OK


def _forecast(
    session: Session, config: HelpdeskConfig, desk: Helpdesk, first: dt.date, last: dt.date, step: Step
) -> Forecast:
    today = dt.datetime.now(dt.UTC).astimezone(config.zone).date()
    schedule = config.schedule(desk)
    targets = targets_of(config, desk)
    return forecast_helpdesk(
        session, desk.id, schedule, config.staffing.lag_profile, targets, first, last, step, today
    )


def _backtest(
    session: Session, config: HelpdeskConfig, desk: Helpdesk, first: dt.date, last: dt.date
) -> Backtest:
    return backtest_helpdesk(
        session, desk.id, config.schedule(desk), config.staffing.lag_profile, first, last
    )


def _rows(made: Forecast) -> list[dict[str, Cell]]:
    return [
        {
            "start": bucket.start.date().isoformat() if made.step is Step.DAY else bucket.start.isoformat(),
            "open": bucket.open,
            "invitations": bucket.invitations,
            "offered": round(bucket.offered, 1),
            "agents_needed": bucket.agents_needed,
        }
        for bucket in made.buckets
    ]


def forecast_csv(made: Forecast) -> str:
    """The buckets as RFC 4180 CSV, one line per day or hour."""
    return to_csv(COLUMNS, _rows(made))


def forecast_text(config: HelpdeskConfig, desk: Helpdesk, made: Forecast) -> str:
    """A title, what the model rests on, then an aligned line per bucket."""
    response, targets = made.response, made.targets
    first, last = made.buckets[0].start.date(), made.buckets[-1].start.date()
    if response.history_from is None:
        history = f"{response.history_days} open days of history"
    else:
        history = (
            f"{response.history_days} open days of history, {response.history_from.isoformat()} "
            f"to {response.history_to.isoformat() if response.history_to else '-'}"
        )
    patience = "infinite" if response.patience_s is None else f"{response.patience_s:.0f} s"
    lags = " ".join(f"{share:.2f}" for share in response.lag_profile)
    lines = [
        f"{desk.id}, {first.isoformat()} to {last.isoformat()}, per {made.step.value} ({config.timezone})",
        f"basis: {response.basis.value} ({history})",
        f"contact rate {response.contact_rate:.4f}, lag +0..+6: {lags}",
        f"handle time {response.talk_s:.0f} s talk + {targets.wrap_up_s} s wrap-up, patience {patience}; "
        f"target {targets.service_level:.0%} within {targets.within_s} s, "
        f"at least {targets.min_agents} agents while open",
    ]
    rows = [[_shown(row[name]) for name in COLUMNS] for row in _rows(made)]
    return "\n".join([*lines, *_aligned(COLUMNS, rows)]) + "\n"


def backtest_text(
    config: HelpdeskConfig, desk: Helpdesk, first: dt.date, last: dt.date, scored: Backtest
) -> str:
    """A line per open day (actual, forecast, WAPE) and the overall WAPE."""
    columns = ("day", "basis", "actual", "forecast", "wape")
    rows = [
        [
            day.day.isoformat(),
            day.basis.value,
            str(day.actual),
            f"{day.forecast:.1f}",
            _percent(day.wape),
        ]
        for day in scored.days
    ]
    actual = sum(day.actual for day in scored.days)
    forecast = sum(day.forecast for day in scored.days)
    rows.append(["overall", "", str(actual), f"{forecast:.1f}", _percent(scored.wape)])
    title = (
        f"{desk.id}, {first.isoformat()} to {last.isoformat()} ({config.timezone}): each open day forecast "
        "from the days before it"
    )
    return "\n".join([title, *_aligned(columns, rows)]) + "\n"


def _aligned(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max([len(name), *(len(row[index]) for row in rows)]) for index, name in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(width) if index == 0 else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(columns), *(line(row) for row in rows)]


def _shown(value: Cell) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-12-01") from None
