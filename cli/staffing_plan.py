"""``ivr staffing-plan``: the week's rota and the advice on its planned batches, as
``GET /api/staffing-plan`` answers them, read straight from the database of ``DATABASE_URL``.

Exit codes: 0 printed, 1 could not be done (the config or database is unusable, the need cannot be
covered: the half hours are named), 2 wrong input (a week not written like ``2026-W50``, an
unknown helpdesk).
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from cli.errors import FAILED, OK, USAGE, database_failed
from config import ConfigError, HelpdeskConfig, Settings, load_config
from database import make_engine, make_sessionmaker
from planning import (
    AgentsOutOfReachError,
    Inputs,
    RotaInfeasibleError,
    ShiftRules,
    StaffingPlan,
    Targets,
    WeekError,
    parse_week,
    plan_week,
    week_name,
    write_half_hours_csv,
    write_shifts_csv,
)


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``staffing-plan`` on the ``ivr`` command's subparsers."""
    parser = subparsers.add_parser(
        "staffing-plan", help="a week's rota from the forecast, with the advice on planned batches"
    )
    parser.add_argument("--helpdesk", required=True, help="helpdesk id")
    parser.add_argument("--week", required=True, help='ISO week, like "2026-W50"')
    parser.add_argument("--csv", action="store_true", help="CSV instead of a table")
    parser.add_argument(
        "--table",
        choices=("half_hours", "shifts"),
        default="half_hours",
        help="with --csv: the half hours (default) or the shifts",
    )


def run(args: argparse.Namespace) -> int:
    """Carry out ``ivr staffing-plan`` on ``DATABASE_URL``."""
    try:
        monday = parse_week(args.week)
    except WeekError as exc:
        print(f"ivr staffing-plan: --week: {exc}", file=sys.stderr)
        return USAGE
    settings = Settings()
    try:
        config = load_config(settings.ivr_config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        print(f"{settings.ivr_config}: {len(exc.errors)} error(s); fix the config first", file=sys.stderr)
        return FAILED
    desk = config.helpdesk(args.helpdesk)
    if desk is None:
        known = ", ".join(item.id for item in config.helpdesks)
        print(
            f"ivr staffing-plan: unknown helpdesk {args.helpdesk!r}; the helpdesks are {known}",
            file=sys.stderr,
        )
        return USAGE
    inputs = Inputs(
        helpdesk_id=desk.id,
        schedule=config.schedule(desk),
        lag_prior=config.staffing.lag_profile,
        targets=Targets(
            service_level=config.staffing.target_service_level,
            within_s=desk.queue.service_level_s,
            min_agents=desk.queue.min_agents,
            wrap_up_s=desk.agent_line.wrap_up,
        ),
        today=datetime.now(UTC).astimezone(config.zone).date(),
    )
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            plan = plan_week(session, inputs, monday, ShiftRules.from_staffing(config.staffing))
    except RotaInfeasibleError as exc:
        print(f"ivr staffing-plan: {exc}", file=sys.stderr)
        return FAILED
    except AgentsOutOfReachError as exc:
        print(f"ivr staffing-plan: the forecast is out of reach: {exc}", file=sys.stderr)
        return FAILED
    except SQLAlchemyError as exc:
        return database_failed("ivr staffing-plan", exc)
    finally:
        engine.dispose()
    if args.csv:
        out = io.StringIO()
        (write_half_hours_csv if args.table == "half_hours" else write_shifts_csv)(plan.rota, out)
        sys.stdout.write(out.getvalue())
    else:
        print(describe_plan(config, desk.id, plan))
    return OK


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def describe_plan(config: HelpdeskConfig, helpdesk: str, plan: StaffingPlan) -> str:
    """The plan as text: what it rests on, the totals, the advice, then per day the half hours and
    the shifts."""
    response, rota = plan.response, plan.rota
    limit = "no limit (no agent account)" if plan.max_agents is None else f"at most {plan.max_agents}"
    lines = [
        f"{helpdesk} {week_name(plan.monday)} ({config.timezone}): forecast {response.basis.value}, "
        f"{response.history_days} open days of history",
        f"agents on shift at once: {limit}",
        f"{len(rota.shifts)} shifts, {rota.agent_hours:g} agent-hours, lower bound {rota.lower_bound:.2f}, "
        f"gap {rota.gap:.1%}",
    ]
    for advice in plan.advice:
        state = "fine" if advice.ok else "; ".join(flag.detail for flag in advice.flags)
        lines.append(f"batch {advice.date.isoformat()} ({advice.invitations} invitations): {state}")
    for offset in range(7):
        day = plan.monday.toordinal() + offset
        halves = [item for item in rota.half_hours if item.day.toordinal() == day]
        shifts = [shift for shift in rota.shifts if shift.day.toordinal() == day]
        if not halves:
            continue
        lines.append("")
        lines.append(f"{halves[0].day.isoformat()}  time  needed  planned  at lunch")
        lines.extend(
            f"            {_clock(item.start)}  {item.needed:>6}  {item.planned:>7}  {item.at_lunch:>8}"
            for item in halves
        )
        for shift in shifts:
            lunch = (
                "no lunch"
                if shift.lunch_start is None or shift.lunch_end is None
                else f"lunch {_clock(shift.lunch_start)}-{_clock(shift.lunch_end)}"
            )
            lines.append(f"  shift {_clock(shift.start)}-{_clock(shift.end)}, {lunch}")
    return "\n".join(lines)
