"""Command line ``ivr``: serve, check-config, simulate, agents, close, reopen, lists, complaints,
report, forecast, staffing-plan, contact-card, info seed, db upgrade."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from cli import APP_FACTORY
from config import ConfigError, HelpdeskConfig, Menu, Settings, load_config
from routing import menu_prompt_text
from schedules import DayPlan, Schedule

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LAZY_COMMANDS = ("simulate", "report", "forecast")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ivr", description="Call flow of the local vaccination helpdesks.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web service (Twilio webhooks and APIs)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)

    check = commands.add_parser("check-config", help="validate the YAML and show the coming week")
    check.add_argument("path", nargs="?", type=Path, help="config file (default: IVR_CONFIG)")
    check.add_argument(
        "--from", dest="start", type=date.fromisoformat, help="first day shown (default: today)"
    )
    check.add_argument("--days", type=int, default=7)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply all migrations to DATABASE_URL")

    # simulate loads the whole app and FastAPI, report the call-log API, forecast scipy as well:
    # their modules are imported only when that command runs, so that the other commands start
    # without them. Their sub-parsers here take no options (not even -h); what follows the command
    # is parsed by the options the module defines, once imported.
    commands.add_parser("simulate", help="play one call through the real call flow, offline", add_help=False)

    from cli import agents as agents_cli

    agents_cli.add_arguments(commands)
    from cli import contact_card as contact_card_cli

    contact_card_cli.add_arguments(commands)

    from cli import closures as closures_cli

    closures_cli.add_arguments(commands)
    from cli import lists as lists_cli

    lists_cli.add_arguments(commands)
    from cli import complaints as complaints_cli

    complaints_cli.add_arguments(commands)
    from cli import staffing_plan as staffing_plan_cli

    staffing_plan_cli.add_arguments(commands)
    from cli import info as info_cli

    info_cli.add_arguments(commands)
    commands.add_parser("report", help="call KPIs of a period as a table or CSV", add_help=False)
    commands.add_parser(
        "forecast",
        help="expected calls and agents needed per day or hour; backtest: the check",
        add_help=False,
    )

    args, rest = parser.parse_known_args(argv)
    command: str = args.command
    if rest and command not in LAZY_COMMANDS:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    match command:
        case "serve":
            return _serve(args.host, args.port, args.workers)
        case "check-config":
            return _check_config(args.path or Settings().ivr_config, args.start, args.days)
        case "db":
            from database import upgrade

            upgrade(Settings().database_url)
            print("database is at the latest migration")
            return 0
        case "simulate":
            from cli.simulate import add_arguments, run_simulation

            return run_simulation(_lazy_arguments(command, add_arguments, rest))
        case "agents":
            return agents_cli.run(args)
        case "contact-card":
            return contact_card_cli.run(args)
        case "close" | "reopen":
            return closures_cli.run(args)
        case "lists":
            return lists_cli.run(args)
        case "complaints":
            return complaints_cli.run(args)
        case "staffing-plan":
            return staffing_plan_cli.run(args)
        case "info":
            return info_cli.run(args)
        case "report":
            from cli import report as report_cli

            return report_cli.run(_lazy_arguments(command, report_cli.add_arguments, rest))
        case "forecast":
            from cli import forecast as forecast_cli

            return forecast_cli.main(rest)
        case _:
            parser.error(f"unknown command {command}")


def _lazy_arguments(
    command: str, add_arguments: Callable[[argparse.ArgumentParser], None], argv: Sequence[str]
) -> argparse.Namespace:
    """The options of a lazily imported sub-command, parsed as its sub-parser would have."""
    parser = argparse.ArgumentParser(prog=f"ivr {command}")
    add_arguments(parser)
    return parser.parse_args(argv, argparse.Namespace(command=command))


def _serve(host: str, port: int, workers: int) -> int:
    import uvicorn

    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers, proxy_headers=True)
    return 0


def _check_config(path: Path, start: date | None, days: int) -> int:
    try:
        from ivr.media import measure_remote_audio

        config = load_config(path, measure_audio=measure_remote_audio)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        print(f"{path}: {len(exc.errors)} error(s); the service refuses this file", file=sys.stderr)
        return 1
    now = datetime.now(UTC)
    first = start or now.astimezone(config.zone).date()
    print(f"{path}: OK, {len(config.helpdesks)} helpdesk(s), time zone {config.timezone}")
    print(describe(config, first, days))
    from cli.closures import describe_closures

    print()
    print(describe_closures(config, Settings().database_url, now))
    return 0


def describe(config: HelpdeskConfig, first: date, days: int) -> str:
    """Per helpdesk (and the central back-up) the coming days open/closed and the next holidays."""
    blocks = [
        _block(f"{desk.id}: {desk.name} ({', '.join(desk.numbers)})", config.schedule(desk), first, days)
        for desk in config.helpdesks
    ]
    central = config.central_schedule()
    blocks.append(_block(f"central back-up ({config.central.number})", central, first, days))
    blocks.extend(_menu_block(config, menu) for menu in config.menus)
    return "\n\n".join(blocks)


def _menu_block(config: HelpdeskConfig, menu: Menu) -> str:
    """A shared number's menu: where each key leads, the default, and the prompt callers hear."""
    name = f": {menu.name}" if menu.name else ""
    lines = [f"menu {menu.number}{name}"]
    for choice in menu.choices:
        target = f"helpdesk {choice.helpdesk}" if choice.helpdesk else f"forward to {choice.forward}"
        words = f" (or says {', '.join(choice.words)})" if choice.words else ""
        lines.append(f"  key {choice.key}{words} -> {target}")
    lines.append(f"  no input or another key: asked again {menu.retries} time(s), then key {menu.default}")
    lines.append(f"  prompt: {menu_prompt_text(config, menu)}")
    return "\n".join(lines)


def _block(title: str, schedule: Schedule, first: date, days: int) -> str:
    lines = [title]
    lines += [f"  {_day_line(plan)}" for plan in schedule.week(first, days)]
    coming = schedule.coming_holidays(first)
    if coming is not None:
        listed = ", ".join(f"{day.isoformat()} {name}" for day, name in coming) or "none within a year"
        lines.append(f"  next holidays: {listed}")
    return "\n".join(lines)


def _day_line(plan: DayPlan) -> str:
    hours = ", ".join(str(span) for span in plan.ranges) or "closed"
    note = {"exception": "  (exception)", "holiday": f"  ({plan.holiday})", "weekday": ""}[plan.source]
    if plan.source == "weekday" and plan.holiday:
        note = f"  ({plan.holiday}, normal hours)"
    return f"{WEEKDAYS[plan.day.weekday()]} {plan.day.isoformat()}  {hours}{note}"


if __name__ == "__main__":
    raise SystemExit(main())
