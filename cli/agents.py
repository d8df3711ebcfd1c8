"""``ivr agents …``: add, list, reset the PIN of, disable, enable and remove agents.

A PIN is typed at a hidden prompt (twice), or read as one line from standard input with
``--pin-stdin`` for scripts; never as an argument, which would end up in the shell history and
in the process list. Exit codes: 0 done, 1 could not be done (the agent exists or does not, the
config or database is unusable), 2 wrong input (unknown helpdesk, bad code, name or PIN).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from datetime import UTC, datetime, time

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from agents import (
    AgentDataError,
    AgentError,
    AgentState,
    agent_states,
    create_agent,
    remove_agent,
    reset_pin,
    set_enabled,
    validate_code,
    validate_name,
    validate_pin,
)
from cli.errors import FAILED, OK, USAGE, database_failed
from config import ConfigError, HelpdeskConfig, Settings, load_config
from database import make_engine, make_sessionmaker


class _UsageError(Exception):
    pass


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``agents`` and its subcommands on the ``ivr`` command's subparsers."""
    agents = subparsers.add_parser("agents", help="manage the agents who log in on the agent line")
    commands = agents.add_subparsers(dest="agents_command", required=True)

    # No abbreviations: "--pin 1234" must not pass for "--pin-stdin".
    add = commands.add_parser("add", help="add an agent; asks for the PIN", allow_abbrev=False)
    _identify(add)
    add.add_argument("--name", required=True, help="the agent's name, 1 to 80 characters")
    _pin_stdin(add)

    listing = commands.add_parser("list", help="the agents and their status")
    listing.add_argument("--helpdesk", help="only this helpdesk (its id in the config)")

    reset = commands.add_parser(
        "reset-pin", help="give an agent a new PIN; asks for the PIN", allow_abbrev=False
    )
    _identify(reset)
    _pin_stdin(reset)

    for name, text in (
        ("disable", "refuse the agent's logins (and take the agent offline)"),
        ("enable", "allow the agent's logins again"),
        ("remove", "delete the agent (and take the agent offline)"),
    ):
        _identify(commands.add_parser(name, help=text))


def run(args: argparse.Namespace) -> int:
    """Carry out ``ivr agents …`` on ``DATABASE_URL``, checking helpdesk ids against ``IVR_CONFIG``."""
    settings = Settings()
    try:
        config = load_config(settings.ivr_config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        print(f"{settings.ivr_config}: {len(exc.errors)} error(s); fix the config first", file=sys.stderr)
        return FAILED
    try:
        action = _action(args, config)
    except (_UsageError, AgentDataError) as exc:
        print(f"ivr agents: {exc}", file=sys.stderr)
        return USAGE
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            message = action(session)
    except AgentError as exc:
        print(f"ivr agents: {exc}", file=sys.stderr)
        return FAILED
    except SQLAlchemyError as exc:
        return database_failed("ivr agents", exc)
    finally:
        engine.dispose()
    print(message)
    return OK


Action = Callable[[Session], str]


def _action(args: argparse.Namespace, config: HelpdeskConfig) -> Action:
    """Check the input and read the PIN before the database is touched."""
    command: str = args.agents_command
    desk: str | None = args.helpdesk
    if desk is not None and config.helpdesk(desk) is None:
        known = ", ".join(helpdesk.id for helpdesk in config.helpdesks)
        raise _UsageError(f"unknown helpdesk {desk!r}; this file has: {known}")
    now = datetime.now(UTC)
    if command == "list":
        zone = config.zone
        day_start = datetime.combine(now.astimezone(zone).date(), time(), tzinfo=zone)
        return lambda session: _table(agent_states(session, desk, day_start, now), desk)
    return _change(command, args, args.helpdesk, now)


def _change(command: str, args: argparse.Namespace, desk: str, now: datetime) -> Action:
    code = validate_code(args.code)
    match command:
        case "add":
            name = validate_name(args.name)
            pin = _read_pin(args.pin_stdin)

            def add(session: Session) -> str:
                create_agent(session, desk, code, name, pin, now)
                return f"added agent {code} ({name}) to {desk}"

            return add
        case "reset-pin":
            pin = _read_pin(args.pin_stdin)

            def reset(session: Session) -> str:
                reset_pin(session, desk, code, pin)
                return f"new PIN set for agent {code} of {desk}"

            return reset
        case "disable" | "enable":
            enabled = command == "enable"

            def toggle(session: Session) -> str:
                set_enabled(session, desk, code, enabled, now)
                return f"agent {code} of {desk} {command}d"

            return toggle
        case "remove":

            def remove(session: Session) -> str:
                remove_agent(session, desk, code, now)
                return f"removed agent {code} of {desk}"

            return remove
        case _:
            raise _UsageError(f"unknown command {command}")


def _read_pin(from_stdin: bool) -> str:
    if from_stdin:
        return validate_pin(sys.stdin.readline().rstrip("\r\n"))
    pin = validate_pin(getpass.getpass("PIN (4 to 8 digits): "))
    if getpass.getpass("The same PIN again: ") != pin:
        raise _UsageError("the two PINs differ; nothing was changed")
    return pin


def _table(states: list[AgentState], desk: str | None) -> str:
    if not states:
        return f"no agents for {desk}" if desk is not None else "no agents"
    rows = [("HELPDESK", "CODE", "NAME", "ENABLED", "STATUS")]
    rows += [
        (state.helpdesk_id, state.code, state.name, "yes" if state.enabled else "no", state.status.value)
        for state in states
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def _identify(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--helpdesk", required=True, help="the helpdesk's id in the config")
    parser.add_argument("--code", required=True, help="the agent's login code, 3 to 8 digits")


def _pin_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pin-stdin",
        action="store_true",
        help="read the PIN as one line from standard input (for scripts) instead of asking for it",
    )
