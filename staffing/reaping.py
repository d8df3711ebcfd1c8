"""Calls whose end we may have missed: a status callback Twilio never delivered, or that failed.

An agent stays "logged in" and a caller stays "waiting" until we hear the call ended; these are
the rows to check with Twilio. Only the calls are returned; the caller asks Twilio about each.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from agents import AgentPresence, PresenceStatus
from calls import QueueEntry


def agent_call_sids(session: Session, limit: int) -> list[str]:
    """The phone calls through which agents are logged in (or on break), longest first."""
    sids = session.execute(
        select(AgentPresence.call_sid)
        .where(AgentPresence.call_sid.is_not(None), AgentPresence.status != PresenceStatus.OFFLINE)
        .order_by(AgentPresence.since, AgentPresence.call_sid)
        .limit(limit)
    ).scalars()
    return [sid for sid in sids if sid is not None]


def stale_queue_call_sids(session: Session, entered_before: dt.datetime, limit: int) -> list[str]:
    """Callers still counted as waiting who entered the queue before ``entered_before``, oldest first."""
    return list(
        session.execute(
            select(QueueEntry.call_sid)
            .where(QueueEntry.left_at.is_(None), QueueEntry.enqueued_at < entered_before)
            .order_by(QueueEntry.enqueued_at, QueueEntry.call_sid)
            .limit(limit)
        ).scalars()
    )
