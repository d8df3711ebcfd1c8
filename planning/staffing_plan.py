"""A helpdesk's staffing plan for an ISO week and the advice on its planned batches, read from the
database (playbook 1.2.1: "maak een strikte planning voor je telefoonagenten en voorzie
middagpauzes op verschillende momenten voor verschillende personen"; 1.4.1).

The week's need is the hourly forecast (``planning.desk.forecast_helpdesk``) turned into half
hours: both halves of an hour need that hour's agents, every half hour the helpdesk is open (part
of) needs at least ``queue.min_agents``, and a closed one none. The open half hours of each day
come from the helpdesk's ``Schedule`` (weekly hours, holidays, dated exceptions). The rota
(``planning.rota.plan_rota``) then covers that need with the config's shifts and lunch rule.

**The agents available** (``max_agents`` of the rota) are the helpdesk's enabled agent accounts:
nobody else can log in on its agent line, so a half hour that needs more of them at once cannot be
staffed, and the rota names it (:class:`planning.rota.RotaInfeasibleError`) instead of planning
agents who do not exist. A helpdesk without any account yet is planned without that limit: its
accounts are still to be made, and the plan says how many it takes.

**The most agents ever logged in at once**, for the advice: the agent presence table keeps only
who is logged in now, so the history is read from the call log: the most distinct agents who
answered calls in the same local hour. An agent logged in who took no call in that hour is not
seen, so this errs low, which errs towards warning.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from agents import AgentRecord
from calllog import CallRecord, list_invitations
from planning.advice import BatchAdvice, advice_reach_end, advise
from planning.desk import forecast_helpdesk
from planning.forecast import Forecast, Step, Targets, forecast
from planning.learning import Response
from planning.rota import SLOT, DayNeed, Rota, ShiftRules, plan_rota
from schedules import Schedule, TimeRange

_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_DAY: Final = dt.timedelta(days=1)
MINUTES_PER_HOUR: Final = 60


class WeekError(ValueError):
    """A week not written like ``2026-W50``, or one that does not exist."""


def parse_week(text: str) -> dt.date:
    """The Monday of the ISO week ``text`` (``YYYY-Www``)."""
    match = _WEEK.fullmatch(text)
    if match is None:
        raise WeekError(f"week {text!r} is not written like 2026-W50")
    try:
        return dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise WeekError(f"week {text!r} does not exist: {match[1]} has no week {match[2]}") from None


def week_name(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def open_slots(ranges: Sequence[TimeRange]) -> list[int]:
    """The half hours (minutes since local midnight) the helpdesk is open in, at least in part:
    the slots the rota plans (it widens each range to whole half hours)."""
    slots = {slot for item in ranges for slot in range(item.start // SLOT, -(-item.end // SLOT))}
    return [slot * SLOT for slot in sorted(slots)]


def half_hour_needs(forecast: Forecast, schedule: Schedule, days: Sequence[dt.date]) -> list[DayNeed]:
    """Each day's need per open half hour from an hourly forecast (see the module)."""
    by_hour: dict[tuple[dt.date, int], int] = {}
    for bucket in forecast.buckets:
        key = (bucket.start.date(), bucket.start.hour)
        # The hour repeated when summer time ends counts with the first of the two.
        by_hour[key] = max(by_hour.get(key, 0), bucket.agents_needed)
    minimum = forecast.targets.min_agents
    needs: list[DayNeed] = []
    for day in days:
        ranges = schedule.plan(day).ranges
        need = {
            minute: max(minimum, by_hour.get((day, minute // MINUTES_PER_HOUR), 0))
            for minute in open_slots(ranges)
        }
        needs.append(DayNeed(day=day, open=ranges, need=need))
    return needs


def enabled_agents(session: Session, helpdesk_id: str) -> int:
    """The helpdesk's agent accounts that may log in."""
    query = select(func.count()).where(AgentRecord.helpdesk_id == helpdesk_id, AgentRecord.enabled.is_(True))
    return session.execute(query).scalar_one()


def most_agents_seen(session: Session, helpdesk_id: str) -> int | None:
    """The most distinct agents who answered the helpdesk's calls in one local hour, ever; ``None``
    before the first answered call (see the module)."""
    per_hour = (
        select(func.count(distinct(CallRecord.answered_by)).label("agents"))
        .where(CallRecord.helpdesk_id == helpdesk_id, CallRecord.answered_by.is_not(None))
        .group_by(CallRecord.arrival_date, CallRecord.arrival_minute // MINUTES_PER_HOUR)
        .subquery()
    )
    most = session.execute(select(func.max(per_hour.c.agents))).scalar_one_or_none()
    return None if most is None else int(most)


@dataclass(frozen=True)
class Inputs:
    """What a plan or advice of one helpdesk rests on, from the config and the clock."""

    helpdesk_id: str
    schedule: Schedule
    lag_prior: tuple[float, ...]
    targets: Targets
    today: dt.date


@dataclass(frozen=True)
class StaffingPlan:
    """The week from ``monday``: the forecast it rests on, the rota, the agents available and the
    advice on the planned batches whose calls reach the week."""

    monday: dt.date
    forecast: Forecast
    rota: Rota
    max_agents: int | None
    advice: tuple[BatchAdvice, ...]

    @property
    def response(self) -> Response:
        return self.forecast.response


def plan_week(session: Session, inputs: Inputs, monday: dt.date, shift_rules: ShiftRules) -> StaffingPlan:
    """The staffing plan of the week from ``monday``; ``shift_rules.max_agents`` is replaced by the
    helpdesk's enabled agents (none: no limit).

    Raises :class:`planning.rota.RotaInfeasibleError` when the need cannot be covered.
    """
    sunday = monday + 6 * _DAY
    made = _forecast(session, inputs, monday, sunday, Step.HOUR)
    days = [monday + offset * _DAY for offset in range(7)]
    accounts = enabled_agents(session, inputs.helpdesk_id)
    max_agents = accounts or None
    rules = ShiftRules(
        shift_hours=shift_rules.shift_hours,
        lunch_minutes=shift_rules.lunch_minutes,
        lunch_from_hours=shift_rules.lunch_from_hours,
        max_agents=max_agents,
    )
    rota = plan_rota(half_hour_needs(made, inputs.schedule, days), rules)
    advice = advice_for(session, inputs, monday, sunday, touching=True)
    return StaffingPlan(monday=monday, forecast=made, rota=rota, max_agents=max_agents, advice=advice)


def advice_for(
    session: Session, inputs: Inputs, first: dt.date, last: dt.date, *, touching: bool = False
) -> tuple[BatchAdvice, ...]:
    """The advice on the planned batches dated ``first`` to ``last``; with ``touching``, on those
    whose open days +0 … +6 reach into ``first`` to ``last`` instead (a week's plan)."""
    schedule = inputs.schedule
    since = first - dt.timedelta(days=31) if touching else first
    batches = {
        batch.date: batch.count
        for batch in list_invitations(session, inputs.helpdesk_id, max(since, inputs.today + _DAY), last)
    }
    if touching:
        batches = {day: count for day, count in batches.items() if advice_reach_end(schedule, day) >= first}
    if not batches:
        return ()
    # Learned once; each batch is then forecast alone over its open days +0 … +6.
    response = _forecast(session, inputs, min(batches), min(batches), Step.DAY).response
    needs: dict[dt.date, int] = {}
    for sent, count in batches.items():
        alone = forecast(
            response,
            schedule,
            {sent: count},
            inputs.targets,
            sent,
            advice_reach_end(schedule, sent),
            Step.DAY,
        )
        needs[sent] = max((bucket.agents_needed for bucket in alone.buckets), default=0)
    return advise(
        batches,
        schedule,
        response.lag_profile,
        needs,
        most_agents_seen(session, inputs.helpdesk_id),
        inputs.today,
    )


def _forecast(session: Session, inputs: Inputs, first: dt.date, last: dt.date, step: Step) -> Forecast:
    return forecast_helpdesk(
        session,
        inputs.helpdesk_id,
        inputs.schedule,
        inputs.lag_prior,
        inputs.targets,
        first,
        last,
        step,
        inputs.today,
    )
