"""``ivr lists …``: import a call list from a CSV file, show the lists and one list's progress, close
a list (playbook 1.5.2).

The same as ``POST /api/call-lists`` (with ``text/csv``), ``GET`` and ``…/close``, written straight
to the database of ``DATABASE_URL`` (as ``ivr agents`` does), with the operating-system user as
who imported. Numbers are hashed with the service's key (``IVR_CALLER_HASH_KEY``, or the one
derived from ``TWILIO_AUTH_TOKEN``), so the import needs the same setting as the service. Only
masked numbers are ever printed. Exit codes: 0 done, 1 could not be done (the list is closed
already, the config, key or database is unusable), 2 wrong input (a bad row, an unknown
helpdesk or list, a file that cannot be read).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from cli.errors import FAILED, OK, USAGE, database_failed
from config import ConfigError, HelpdeskConfig, Settings, load_config
from database import make_engine, make_sessionmaker
from outbound import (
    MAX_LABEL,
    MAX_PEOPLE,
    ListClosedError,
    ListDetail,
    ListRefusedError,
    ListSummary,
    NewList,
    Purpose,
    UnknownListError,
    close_list,
    create_list,
    list_detail,
    list_figures,
    list_summaries,
    read_csv,
)

Action = Callable[[Session], str]


class _UsageError(Exception):
    pass


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``lists`` and its subcommands on the ``ivr`` command's subparsers."""
    lists = subparsers.add_parser("lists", help="call lists: the people agents call (playbook 1.5)")
    commands = lists.add_subparsers(dest="lists_command", required=True)

    load = commands.add_parser(
        "import", help="import a CSV file (header number,reference) as a helpdesk's list", allow_abbrev=False
    )
    load.add_argument("file", type=Path, help="the CSV file, UTF-8, header line number,reference")
    load.add_argument("--helpdesk", required=True, help="the helpdesk's id in the config")
    load.add_argument("--purpose", required=True, choices=[purpose.value for purpose in Purpose])
    load.add_argument(
        "--label", required=True, help=f"spoken to the agent before each call, 1 to {MAX_LABEL} characters"
    )
    load.add_argument(
        "--slots",
        type=int,
        help=f"acceptances that fill the list (1 to {MAX_PEOPLE}); default: call everyone once",
    )

    show = commands.add_parser("show", help="the lists, or one list with its people (numbers masked)")
    show.add_argument(
        "list_id", nargs="?", type=int, metavar="ID", help="the list's id; all lists when left out"
    )
    show.add_argument("--helpdesk", help="only this helpdesk's lists")

    close = commands.add_parser("close", help="close a list: nobody on it is called any more")
    close.add_argument("list_id", type=int, metavar="ID", help="the list's id")


def run(args: argparse.Namespace) -> int:
    """Carry out ``ivr lists …`` on ``DATABASE_URL``, checking helpdesk ids against ``IVR_CONFIG``."""
    settings = Settings()
    try:
        config = load_config(settings.ivr_config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        print(f"{settings.ivr_config}: {len(exc.errors)} error(s); fix the config first", file=sys.stderr)
        return FAILED
    try:
        action = _action(args, config, settings)
    except _UsageError as exc:
        print(f"ivr lists {args.lists_command}: {exc}", file=sys.stderr)
        return USAGE
    except ListRefusedError as refused:
        return _refused(refused)
    except _KeyMissingError as exc:
        print(f"ivr lists {args.lists_command}: {exc}", file=sys.stderr)
        return FAILED
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            message = action(session)
    except ListRefusedError as refused:
        return _refused(refused)
    except UnknownListError as exc:
        print(f"ivr lists {args.lists_command}: {exc}", file=sys.stderr)
        return USAGE
    except ListClosedError as exc:
        print(f"ivr lists {args.lists_command}: {exc.describe(config.zone)}", file=sys.stderr)
        return FAILED
    except SQLAlchemyError as exc:
        return database_failed(f"ivr lists {args.lists_command}", exc)
    finally:
        engine.dispose()
    print(message)
    return OK


class _KeyMissingError(Exception):
    pass


def _refused(refused: ListRefusedError) -> int:
    """Every problem of a refused list on a line of its own."""
    problems = [*refused.problems, *(str(row) for row in refused.rows)]
    print(
        "ivr lists import: nothing imported",
        *(f"  {problem}" for problem in problems),
        sep="\n",
        file=sys.stderr,
    )
    return USAGE


def _action(args: argparse.Namespace, config: HelpdeskConfig, settings: Settings) -> Action:
    """Check the input and read the file before the database is touched."""
    command: str = args.lists_command
    now = datetime.now(UTC)
    zone = config.zone
    if command == "import":
        new = NewList(args.helpdesk, args.purpose, args.label, args.slots, read_csv(_read(args.file)))
        helpdesks = [desk.id for desk in config.helpdesks]
        key = _hash_key(settings)
        who = f"cli:{_os_user()}"

        def load(session: Session) -> str:
            created = create_list(session, new, helpdesks=helpdesks, key=key, now=now, created_by=who)
            summary = created.summary
            skipped = created.skipped_do_not_call
            left_out = f"; {skipped} left out: in the do-not-call register" if skipped else ""
            return (
                f"imported call list {summary.id} for {summary.helpdesk_id}: {summary.progress.people} "
                f"people{left_out}"
            )

        return load
    if command == "close":
        list_id: int = args.list_id

        def close(session: Session) -> str:
            summary = close_list(session, list_id, now)
            return f"closed call list {summary.id} ({summary.label}): nobody on it is called any more"

        return close
    desk: str | None = args.helpdesk
    if desk is not None and config.helpdesk(desk) is None:
        known = ", ".join(helpdesk.id for helpdesk in config.helpdesks)
        raise _UsageError(f"unknown helpdesk {desk!r}; this file has: {known}")
    if args.list_id is None:
        return lambda session: _lists(list_summaries(session, desk, limit=1000), zone)
    shown: int = args.list_id

    def show(session: Session) -> str:
        detail = list_detail(session, shown)
        if detail is None:
            raise UnknownListError(shown)
        return _detail(detail, asdict(list_figures(session, shown)), zone)

    return show


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _UsageError(f"cannot read {path}: {exc.strerror}") from None


def _hash_key(settings: Settings) -> bytes:
    """The call log's key, as the service makes it; refused when the service's own cannot be known."""
    if settings.ivr_caller_hash_key is None and settings.twilio_auth_token is None:
        raise _KeyMissingError(
            "set IVR_CALLER_HASH_KEY (or TWILIO_AUTH_TOKEN) as the service has it: numbers are hashed "
            "with that key, and the do-not-call register only matches numbers hashed with it"
        )
    # Imported here: the runtime brings the web framework, which the other commands do without.
    from service.runtime import caller_hash_key, twilio_token

    return caller_hash_key(settings, twilio_token(settings))


def _lists(summaries: Sequence[ListSummary], zone: tzinfo) -> str:
    if not summaries:
        return "no call lists"
    rows = [
        ("ID", "HELPDESK", "PURPOSE", "STATE", "SLOTS", "PEOPLE", "PENDING", "ACCEPTED", "CREATED", "LABEL")
    ]
    rows += [
        (
            str(summary.id),
            summary.helpdesk_id,
            summary.purpose,
            summary.state,
            "-" if summary.slots is None else str(summary.slots),
            str(summary.progress.people),
            str(summary.progress.pending),
            str(summary.progress.accepted),
            _local(summary.created_at, zone),
            summary.label,
        )
        for summary in summaries
    ]
    return _table(rows)


def _detail(detail: ListDetail, figures: dict[str, object], zone: tzinfo) -> str:
    summary = detail.summary
    progress = summary.progress
    closed = "-"
    if summary.closed_at is not None:
        closed = f"{_local(summary.closed_at, zone)} ({summary.state})"
    erased = "in clear while open and for retention_days after closing"
    if summary.erased_at is not None:
        erased = f"erased {_local(summary.erased_at, zone)}, masked only"
    facts = [
        ("helpdesk", summary.helpdesk_id),
        ("purpose", summary.purpose),
        ("state", summary.state),
        ("slots", "-" if summary.slots is None else str(summary.slots)),
        ("created", f"{_local(summary.created_at, zone)} by {summary.created_by}"),
        ("closed", closed),
        ("numbers", erased),
        (
            "progress",
            f"{progress.people} people: {progress.pending} pending, {progress.claimed} being called, "
            f"{progress.done} done, {progress.accepted} accepted",
        ),
    ]
    width = max(len(name) for name in (*(fact for fact, _ in facts), *figures))
    lines = [f"call list {summary.id}: {summary.label}"]
    lines += [f"{name:<{width}}  {value}" for name, value in facts]
    lines += [f"{name:<{width}}  {'-' if value is None else value}" for name, value in figures.items()]
    rows = [("POSITION", "NUMBER", "REFERENCE", "STATE", "OUTCOME", "ATTEMPTS", "LAST CALL")]
    rows += [
        (
            str(entry.position),
            entry.masked,
            entry.reference or "-",
            entry.state,
            entry.outcome or "-",
            str(entry.attempts),
            "-" if entry.last_call_at is None else _local(entry.last_call_at, zone),
        )
        for entry in detail.entries
    ]
    return "\n".join([*lines, "", _table(rows)])


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def _local(value: datetime, zone: tzinfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return "unknown"
