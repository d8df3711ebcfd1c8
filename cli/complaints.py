"""``ivr complaints export``: the quarter's complaints register for the Flemish government (playbook
1.4.3.3), as CSV without personal data; the same file as ``GET /api/complaints/export``, read
straight from the database of ``DATABASE_URL``.

Exit codes: 0 written, 1 could not be done (the config or database is unusable, the file cannot be
written), 2 wrong input (a quarter not written like ``2026Q4``).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from cli.errors import FAILED, OK, USAGE, database_failed
from complaints import export_csv, parse_quarter, quarter_complaints
from config import ConfigError, Settings, load_config
from database import make_engine, make_sessionmaker


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``complaints`` and its subcommands on the ``ivr`` command's subparsers."""
    complaints = subparsers.add_parser("complaints", help="the complaints register (playbook 1.4.3)")
    commands = complaints.add_subparsers(dest="complaints_command", required=True)
    export = commands.add_parser(
        "export", help="a quarter's register as CSV, without personal data", allow_abbrev=False
    )
    export.add_argument("--quarter", required=True, help='the quarter of receipt, like "2026Q4"')
    export.add_argument("--output", type=Path, help="write the CSV to this file; default: standard output")


def run(args: argparse.Namespace) -> int:
    """Carry out ``ivr complaints export`` on ``DATABASE_URL``."""
    quarter: str = args.quarter
    try:
        parse_quarter(quarter)
    except ValueError as exc:
        print(f"ivr complaints export: --quarter: {exc}", file=sys.stderr)
        return USAGE
    settings = Settings()
    try:
        config = load_config(settings.ivr_config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        print(f"{settings.ivr_config}: {len(exc.errors)} error(s); fix the config first", file=sys.stderr)
        return FAILED
    today = datetime.now(UTC).astimezone(config.zone).date()
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            text = export_csv(quarter_complaints(session, quarter, today))
    except SQLAlchemyError as exc:
        return database_failed("ivr complaints export", exc)
    finally:
        engine.dispose()
    output: Path | None = args.output
    if output is None:
        sys.stdout.write(text)
        return OK
    try:
        # Bytes as the API sends them: RFC 4180 line ends, whatever the platform.
        output.write_bytes(text.encode("utf-8"))
    except OSError as exc:
        print(f"ivr complaints export: cannot write {output}: {exc.strerror}", file=sys.stderr)
        return FAILED
    print(f"{output}: {text.count(chr(10)) - 1} complaints received in {quarter}", file=sys.stderr)
    return OK
