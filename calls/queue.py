"""Callers waiting in a helpdesk's queue.

Twilio owns the real queue; these rows mirror it so that every instance behind the load balancer
sees the same count of waiting callers when it decides whether there is room for one more
(``lines_per_agent`` times the agents logged in). The functions take the caller's session and never
commit: the request owns the unit of work.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from agents import logged_in_query
from calls.tables import QueueEntry
from database import dialect_insert


class LineState(NamedTuple):
    agents_logged_in: int
    callers_waiting: int


def enter_queue(
    session: Session,
    call_sid: str,
    helpdesk_id: str,
    now: dt.datetime,
    from_number: str | None = None,
) -> bool:
    """Record that call ``call_sid`` entered the queue of ``helpdesk_id`` at ``now``.

    Twilio retries a webhook that timed out, so the same call may arrive twice: the first
    arrival wins and a repeat changes nothing. Returns whether this call created the entry.
    """
    insert = dialect_insert(session, QueueEntry).values(
        call_sid=call_sid, helpdesk_id=helpdesk_id, enqueued_at=now, from_number=from_number
    )
    created = session.execute(
        insert.on_conflict_do_nothing(index_elements=[QueueEntry.call_sid]).returning(QueueEntry.call_sid)
    ).scalar_one_or_none()
    return created is not None


def leave_queue(session: Session, call_sid: str, now: dt.datetime, result: str) -> bool:
    """Record that call ``call_sid`` left the queue at ``now`` with ``result``.

    The first departure wins: a retried or late callback keeps the time and result already
    recorded. Returns whether this call recorded the departure.
    """
    left = session.execute(
        update(QueueEntry)
        .where(QueueEntry.call_sid == call_sid, QueueEntry.left_at.is_(None))
        .values(left_at=now, result=result)
        .returning(QueueEntry.call_sid)
    ).scalar_one_or_none()
    return left is not None


def _waiting(helpdesk_id: str) -> ColumnElement[bool]:
    # Twilio reports a bridged caller's departure only when the conversation ends, so a caller
    # talking to an agent has no left_at yet but is not waiting any more.
    return (
        (QueueEntry.helpdesk_id == helpdesk_id)
        & QueueEntry.left_at.is_(None)
        & QueueEntry.answered_at.is_(None)
    )


def mark_answered(
    session: Session, call_sid: str, agent: str, queue_time: int | None, now: dt.datetime
) -> bool:
    """Record that ``agent`` took call ``call_sid`` after ``queue_time`` seconds (Twilio's QueueTime).

    The first answer wins (a retried ``<Queue url>`` request changes nothing).
    """
    answered = session.execute(
        update(QueueEntry)
        .where(QueueEntry.call_sid == call_sid, QueueEntry.answered_at.is_(None))
        .values(answered_at=now, answered_by=agent, queue_time=queue_time)
        .returning(QueueEntry.call_sid)
    ).scalar_one_or_none()
    return answered is not None


def claim_for_redirect(session: Session, helpdesk_id: str, now: dt.datetime) -> list[str]:
    """Claim every caller still waiting at ``helpdesk_id`` for a redirect to central.

    A caller is claimed once: a second claim (another instance, a repeated logout) finds
    nobody, so nobody is redirected twice.
    """
    claimed = session.execute(
        update(QueueEntry)
        .where(_waiting(helpdesk_id), QueueEntry.redirected_at.is_(None))
        .values(redirected_at=now)
        .returning(QueueEntry.call_sid, QueueEntry.enqueued_at)
    ).all()
    return [call_sid for call_sid, _ in sorted(claimed, key=lambda row: (row[1], row[0]))]


def callers_waiting(session: Session, helpdesk_id: str) -> int:
    """How many callers are in the queue of ``helpdesk_id`` now."""
    return session.execute(
        select(func.count()).select_from(QueueEntry).where(_waiting(helpdesk_id))
    ).scalar_one()


def waiting_call_sids(session: Session, helpdesk_id: str) -> list[str]:
    """The calls in the queue of ``helpdesk_id``, longest waiting first.

    Needed when the last agent logs out: those callers are redirected to the central helpdesk
    right away rather than at their next wait-message tick.
    """
    return list(
        session.execute(
            select(QueueEntry.call_sid)
            .where(_waiting(helpdesk_id))
            .order_by(QueueEntry.enqueued_at, QueueEntry.call_sid)
        ).scalars()
    )


def longest_wait(session: Session, helpdesk_id: str, now: dt.datetime) -> int | None:
    """Whole seconds the longest-waiting caller of ``helpdesk_id`` has waited at ``now``.

    ``None`` when nobody waits. Never negative: instances' clocks may differ by a little.
    """
    if now.tzinfo is None:
        raise ValueError(f"naive datetime {now.isoformat()} refused: pass a timezone-aware datetime")
    # MIN over no rows is NULL, which the column's own type does not admit.
    oldest: dt.datetime | None = session.execute(
        select(func.min(QueueEntry.enqueued_at)).where(_waiting(helpdesk_id))
    ).scalar_one()
    if oldest is None:
        return None
    return max(0, int((now - oldest).total_seconds()))


def line_state(session: Session, helpdesk_id: str) -> LineState:
    """Agents logged in and callers waiting for ``helpdesk_id``, read in one round trip."""
    waiting = select(func.count()).select_from(QueueEntry).where(_waiting(helpdesk_id))
    row = session.execute(
        select(logged_in_query(helpdesk_id).scalar_subquery(), waiting.scalar_subquery())
    ).one()
    return LineState(agents_logged_in=row[0], callers_waiting=row[1])
