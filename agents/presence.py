"""Agent presence: who is logged in, on break or offline (playbook 1.2.2: agents often work from
home and log in on the agent line).

Only ``available`` agents count as logged in for the call flow; an agent on break keeps a line
but takes no callers, and so does an agent calling citizens (``outbound``, playbook 1.5). These
functions take the caller's session and never commit: the request owns the unit of work.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Select, case, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from agents.tables import AgentPresence, PresenceStatus
from database import dialect_insert


@dataclass(frozen=True, slots=True)
class Presence:
    agent: str
    status: PresenceStatus
    call_sid: str | None
    since: dt.datetime


class AgentKey(NamedTuple):
    helpdesk_id: str
    agent: str


def set_presence(
    session: Session,
    helpdesk_id: str,
    agent: str,
    status: PresenceStatus,
    now: dt.datetime,
    call_sid: str | None = None,
) -> None:
    """Record that ``agent`` of ``helpdesk_id`` has ``status`` as of ``now``.

    ``since`` is when the agent entered the status: repeating the same status (a retried
    webhook, a second login on a new call) keeps it and only replaces ``call_sid``.
    """
    insert = dialect_insert(session, AgentPresence).values(
        helpdesk_id=helpdesk_id, agent=agent, status=status, call_sid=call_sid, since=now
    )
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[AgentPresence.helpdesk_id, AgentPresence.agent],
            set_={
                "status": insert.excluded.status,
                "call_sid": insert.excluded.call_sid,
                "since": case(
                    (AgentPresence.status == insert.excluded.status, AgentPresence.since),
                    else_=insert.excluded.since,
                ),
            },
        )
    )


def end_agent_call(session: Session, call_sid: str, now: dt.datetime) -> list[AgentKey]:
    """Log out whoever was logged in through the phone call ``call_sid``, which has ended.

    Keyed by the call rather than the agent so that a late status callback for an earlier call
    cannot log out an agent who has meanwhile called in again. Returns the agents logged out.
    """
    rows = session.execute(
        update(AgentPresence)
        .where(AgentPresence.call_sid == call_sid, AgentPresence.status != PresenceStatus.OFFLINE)
        .values(status=PresenceStatus.OFFLINE, call_sid=None, since=now)
        .returning(AgentPresence.helpdesk_id, AgentPresence.agent)
    ).all()
    return sorted(AgentKey(helpdesk_id, agent) for helpdesk_id, agent in rows)


def logged_in_query(helpdesk_id: str | BindParameter[str]) -> Select[int]:
    """The count of agents taking callers for ``helpdesk_id``, as a query to embed or run."""
    return (
        select(func.count())
        .select_from(AgentPresence)
        .where(AgentPresence.helpdesk_id == helpdesk_id, AgentPresence.status == PresenceStatus.AVAILABLE)
    )


def agents_logged_in(session: Session, helpdesk_id: str) -> int:
    """How many agents of ``helpdesk_id`` are available; agents on break do not count."""
    return session.execute(logged_in_query(helpdesk_id)).scalar_one()


def agents_outbound(session: Session, helpdesk_id: str) -> int:
    """How many agents of ``helpdesk_id`` are calling citizens (playbook 1.5): logged in, but
    taking no callers, so neither counted by :func:`agents_logged_in` nor for the staffing alert."""
    return session.execute(
        select(func.count())
        .select_from(AgentPresence)
        .where(AgentPresence.helpdesk_id == helpdesk_id, AgentPresence.status == PresenceStatus.OUTBOUND)
    ).scalar_one()


def agents_outbound_by_helpdesk(session: Session) -> dict[str, int]:
    """:func:`agents_outbound` of every helpdesk with such agents, in one statement (others: 0)."""
    rows = session.execute(
        select(AgentPresence.helpdesk_id, func.count())
        .where(AgentPresence.status == PresenceStatus.OUTBOUND)
        .group_by(AgentPresence.helpdesk_id)
    )
    return {row[0]: row[1] for row in rows}


def presence(session: Session, helpdesk_id: str) -> list[Presence]:
    """Every agent known to ``helpdesk_id`` with their status, by name."""
    rows = session.execute(
        select(AgentPresence.agent, AgentPresence.status, AgentPresence.call_sid, AgentPresence.since)
        .where(AgentPresence.helpdesk_id == helpdesk_id)
        .order_by(AgentPresence.agent)
    ).all()
    return [Presence(agent, status, call_sid, since) for agent, status, call_sid, since in rows]
