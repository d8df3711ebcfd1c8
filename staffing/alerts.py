"""Staffing alerts: too few agents logged in while a helpdesk is open.

Playbook 1.2.1: "Voorzie de nodige agenten om steeds minstens 2 personen aangelogd te hebben
tijdens openingsuren" — ``queue.min_agents`` (default 2) per helpdesk (reason ``min_agents``); and
"hou rekening met mogelijke pieken": fewer agents than the forecast needs for the current hour
(reason ``forecast``). Agents on break do not count. A closed helpdesk never raises an alert. An
alert is one row for the whole stretch it lasts with one reason, so supervisors are warned once
when it starts and told once when it ends; when the reason changes, the alert ends and one with
the new reason starts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from database import dialect_insert
from staffing.tables import StaffingAlert, StaffingReason


def understaffed(open_now: bool, agents: int, required: int) -> bool:
    """Whether a helpdesk needs more agents right now (playbook 1.2.1)."""
    return open_now and agents < required


def shortfall(
    open_now: bool, agents: int, min_agents: int, forecast_need: int | None
) -> tuple[StaffingReason, int] | None:
    """Why and how many agents a helpdesk needs right now, or ``None`` when it has enough.

    ``min_agents`` first: it is the playbook's floor whatever the forecast says; then the forecast's
    need for the current hour (``None``: no forecast, only the floor applies).
    """
    if understaffed(open_now, agents, min_agents):
        return StaffingReason.MIN_AGENTS, min_agents
    if forecast_need is not None and understaffed(open_now, agents, forecast_need):
        return StaffingReason.FORECAST, forecast_need
    return None


@dataclass(frozen=True, slots=True)
class Alert:
    helpdesk_id: str
    tick: dt.datetime
    agents: int
    required: int
    resolved_at: dt.datetime | None
    reason: StaffingReason = StaffingReason.MIN_AGENTS


def _alert(row: StaffingAlert) -> Alert:
    return Alert(
        row.helpdesk_id, row.tick, row.agents, row.required, row.resolved_at, StaffingReason(row.reason)
    )


def raise_alert(
    session: Session,
    helpdesk_id: str,
    tick: dt.datetime,
    agents: int,
    required: int,
    reason: StaffingReason = StaffingReason.MIN_AGENTS,
) -> bool:
    """Record that ``helpdesk_id`` is understaffed from ``tick`` on; False if already recorded."""
    insert = dialect_insert(session, StaffingAlert).values(
        helpdesk_id=helpdesk_id, tick=tick, agents=agents, required=required, reason=reason.value
    )
    created = session.execute(
        insert.on_conflict_do_nothing(
            index_elements=[StaffingAlert.helpdesk_id, StaffingAlert.tick]
        ).returning(StaffingAlert.id)
    ).scalar_one_or_none()
    return created is not None


def resolve_alert(session: Session, helpdesk_id: str, tick: dt.datetime) -> Alert | None:
    """End the alert of ``helpdesk_id`` that is still going on, at ``tick``; the alert, or None."""
    row = session.execute(
        update(StaffingAlert)
        .where(StaffingAlert.helpdesk_id == helpdesk_id, StaffingAlert.resolved_at.is_(None))
        .values(resolved_at=tick)
        .returning(StaffingAlert)
    ).scalar_one_or_none()
    return None if row is None else _alert(row)


def open_alerts(session: Session) -> dict[str, Alert]:
    """The alerts going on now, by helpdesk."""
    rows = session.execute(select(StaffingAlert).where(StaffingAlert.resolved_at.is_(None))).scalars()
    return {row.helpdesk_id: _alert(row) for row in rows}


def alerts(session: Session, helpdesk_id: str) -> list[Alert]:
    """Every alert of ``helpdesk_id``, oldest first."""
    rows = session.execute(
        select(StaffingAlert).where(StaffingAlert.helpdesk_id == helpdesk_id).order_by(StaffingAlert.tick)
    ).scalars()
    return [_alert(row) for row in rows]
