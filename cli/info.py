"""``ivr info seed``: store the playbook's own questions 1.3.1.1 to 1.3.1.9 as info scripts in the
database of ``DATABASE_URL``; sections already there are left as they are (run it at every
deployment).

Exit codes: 0 done, 1 the database is unusable.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from cli.errors import OK, database_failed
from config import Settings
from database import make_engine, make_sessionmaker
from infoscripts import seed, seed_entries


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``info`` and its subcommands on the ``ivr`` command's subparsers."""
    info = subparsers.add_parser("info", help="the info scripts for agents (playbook 1.3.1)")
    commands = info.add_subparsers(dest="info_command", required=True)
    commands.add_parser("seed", help="store the playbook's questions 1.3.1.1-1.3.1.9 that are not there yet")


def run(args: argparse.Namespace) -> int:
    engine = make_engine(Settings().database_url)
    try:
        with make_sessionmaker(engine).begin() as session:
            added = seed(session, datetime.now(UTC))
    except SQLAlchemyError as exc:
        return database_failed("ivr info seed", exc)
    finally:
        engine.dispose()
    print(f"info scripts: {added} of the playbook's {len(seed_entries())} questions added")
    return OK
