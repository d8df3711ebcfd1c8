"""``ivr close`` and ``ivr reopen``: close a helpdesk at once for an incident, and reopen it.

The same as ``POST``/``DELETE /api/helpdesks/{id}/closure``, written straight to the database of
``DATABASE_URL`` (as ``ivr agents`` does), with the operating-system user in the audit log. Every
running instance applies the change within 2 seconds. Also what ``ivr check-config`` shows of
the closures. Exit codes: 0 done, 1 could not be done (not closed, the config or database is
unusable), 2 wrong input (unknown helpdesk, a time not in the future, a bad reason or message).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError

from calls import ClosureState, close_helpdesk, closures, reopen_helpdesk
from cli.errors import FAILED, OK, USAGE, database_failed
from config import ConfigError, HelpdeskConfig, Settings, load_config
from database import make_engine, make_sessionmaker
from routing import closure_problems, parse_until


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``close`` and ``reopen`` on the ``ivr`` command's subparsers."""
    close = subparsers.add_parser(
        "close", help="close a helpdesk now (an incident), for every instance", allow_abbrev=False
    )
    close.add_argument("helpdesk", help="the helpdesk's id in the config")
    close.add_argument(
        "--until",
        help='local time it reopens by itself: "14:00" (today) or "2026-12-15T14:00"; default: never',
    )
    close.add_argument("--reason", required=True, help="why, for the audit log and the live state")
    close.add_argument(
        "--message",
        help="said instead of the closing message while closed (placeholders as in the closing message)",
    )
    reopen = subparsers.add_parser("reopen", help="reopen a helpdesk closed with ivr close or the API")
    reopen.add_argument("helpdesk", help="the helpdesk's id in the config")


def run(args: argparse.Namespace) -> int:
    """Carry out ``ivr close`` or ``ivr reopen`` on ``DATABASE_URL``."""
    settings = Settings()
    try:
        config = load_config(settings.ivr_config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        print(f"{settings.ivr_config}: {len(exc.errors)} error(s); fix the config first", file=sys.stderr)
        return FAILED
    command: str = args.command
    desk = config.helpdesk(args.helpdesk)
    if desk is None:
        known = ", ".join(helpdesk.id for helpdesk in config.helpdesks)
        print(f"ivr {command}: unknown helpdesk {args.helpdesk!r}; this file has: {known}", file=sys.stderr)
        return USAGE
    now = datetime.now(UTC)
    who = f"cli:{_os_user()}"
    until: datetime | None = None
    if command == "close":
        problems = closure_problems(args.reason, args.message)
        if args.until is not None:
            try:
                until = parse_until(args.until, now, config.zone)
            except ValueError as exc:
                problems.append(f"--until: {exc}")
        if problems:
            print(f"ivr close: {'; '.join(problems)}", file=sys.stderr)
            return USAGE
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            if command == "close":
                state = close_helpdesk(
                    session, desk.id, now=now, reason=args.reason, until=until, message=args.message, who=who
                )
                print(f"{desk.id} closed {_until(state, config)}: {args.reason}")
                return OK
            if not reopen_helpdesk(session, desk.id, now=now, who=who):
                print(f"ivr reopen: {desk.id} is not closed", file=sys.stderr)
                return FAILED
            print(f"{desk.id} reopened")
            return OK
    except SQLAlchemyError as exc:
        return database_failed(f"ivr {command}", exc)
    finally:
        engine.dispose()


def describe_closures(config: HelpdeskConfig, database_url: str, now: datetime) -> str:
    """What ``ivr check-config`` says of the closures set by ops, read from ``database_url``.

    A SQLite file that does not exist is not created; an unreachable or unmigrated database is
    reported as not checked, never as "none".
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return "closures set by ops: not checked (the database of DATABASE_URL does not exist)"
    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine)() as session:
            stored = closures(session)
    except SQLAlchemyError as exc:
        return f"closures set by ops: not checked (database error {exc.__class__.__name__})"
    finally:
        engine.dispose()
    return _listed(config, {key: state for key, state in stored.items() if state.closure.applies(now)})


def _listed(config: HelpdeskConfig, closed: Mapping[str, ClosureState]) -> str:
    lines = [
        f"  {desk.id}: closed {_until(closed[desk.id], config)}: {closed[desk.id].closure.reason} "
        f"(by {closed[desk.id].closed_by})"
        for desk in config.helpdesks
        if desk.id in closed
    ]
    if not lines:
        return "closures set by ops: none"
    return "\n".join(["closures set by ops (they beat the hours above):", *lines])


def _until(state: ClosureState, config: HelpdeskConfig) -> str:
    until = state.closure.until
    if until is None:
        return "until reopened"
    return f"until {until.astimezone(config.zone).strftime('%Y-%m-%d %H:%M')}"


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return "unknown"
