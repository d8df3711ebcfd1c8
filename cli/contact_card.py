"""``ivr contact-card``: print a helpdesk's contact card for the central back-up (playbook 1.6).

Exit codes: 0 printed, 1 the config is refused, 2 an unknown helpdesk.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from cli.errors import FAILED, OK, USAGE
from config import ConfigError, Settings, load_config
from routing.contact_card import contact_card


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``contact-card`` on the ``ivr`` command's subparsers."""
    card = subparsers.add_parser(
        "contact-card", help="a helpdesk's details for the central back-up, in Dutch (playbook 1.6)"
    )
    card.add_argument("--helpdesk", required=True, metavar="ID", help="the helpdesk's id in the config")
    card.add_argument("--config", type=Path, metavar="FILE", help="config file (default: IVR_CONFIG)")
    card.add_argument(
        "--from",
        dest="start",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="first date of the special days listed (default: today)",
    )


def run(args: argparse.Namespace) -> int:
    """Print the card of ``--helpdesk`` from ``--config`` (or ``IVR_CONFIG``)."""
    path: Path = args.config or Settings().ivr_config
    try:
        config = load_config(path)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        print(f"{path}: {len(exc.errors)} error(s); fix the config first", file=sys.stderr)
        return FAILED
    desk = config.helpdesk(args.helpdesk)
    if desk is None:
        known = ", ".join(helpdesk.id for helpdesk in config.helpdesks)
        print(f"unknown helpdesk {args.helpdesk!r}; this file has: {known}", file=sys.stderr)
        return USAGE
    first: date = args.start or datetime.now(UTC).astimezone(config.zone).date()
    print(contact_card(config, desk, first).text)
    return OK
