"""Helpdesks closed at once by operations, and the audit log of every close and reopen.

One row per closed helpdesk in ``helpdesk_closures``; every change appends to ``closure_audit``
with who made it. A closure whose ``until`` has passed stops applying without anyone acting (the
decisions compare it with the time of the call); the row stays until the helpdesk is next closed
or reopened, which notes its expiry in the audit log. The functions take the caller's session and
never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from calls.tables import ClosureAudit, HelpdeskClosure
from database import dialect_insert
from routing import Closure

REASON_LENGTH = 200
WHO_LENGTH = 120


@dataclass(frozen=True)
class ClosureState:
    """A stored closure: the value the decisions take, and when and by whom it was set."""

    helpdesk_id: str
    closure: Closure
    closed_at: dt.datetime
    closed_by: str


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    helpdesk_id: str
    action: str
    until: dt.datetime | None
    reason: str | None
    message: str | None
    who: str


def close_helpdesk(
    session: Session,
    helpdesk_id: str,
    *,
    now: dt.datetime,
    reason: str,
    until: dt.datetime | None = None,
    message: str | None = None,
    who: str,
) -> ClosureState:
    """Close ``helpdesk_id`` from ``now``; a closure already there is replaced. Audited."""
    _note_expired(session, [helpdesk_id], now)
    values = {
        "closed_at": now,
        "until": until,
        "reason": reason,
        "message": message,
        "closed_by": who[:WHO_LENGTH],
    }
    insert = dialect_insert(session, HelpdeskClosure).values(helpdesk_id=helpdesk_id, **values)
    session.execute(insert.on_conflict_do_update(index_elements=[HelpdeskClosure.helpdesk_id], set_=values))
    _audit(session, now, helpdesk_id, "close", until, reason, message, who)
    return ClosureState(helpdesk_id, Closure(reason=reason, until=until, message=message), now, who)


def reopen_helpdesk(session: Session, helpdesk_id: str, *, now: dt.datetime, who: str) -> bool:
    """Reopen ``helpdesk_id``; returns whether a closure applied (only then is it audited)."""
    _note_expired(session, [helpdesk_id], now)
    removed = session.execute(
        delete(HelpdeskClosure)
        .where(HelpdeskClosure.helpdesk_id == helpdesk_id)
        .returning(HelpdeskClosure.reason)
    ).scalar_one_or_none()
    if removed is None:
        return False
    _audit(session, now, helpdesk_id, "reopen", None, removed, None, who)
    return True


def closures(session: Session) -> dict[str, ClosureState]:
    """Every stored closure by helpdesk, expired ones included (:meth:`Closure.applies` tells)."""
    rows = session.execute(select(HelpdeskClosure)).scalars()
    return {
        row.helpdesk_id: ClosureState(
            row.helpdesk_id,
            Closure(reason=row.reason, until=row.until, message=row.message),
            row.closed_at,
            row.closed_by,
        )
        for row in rows
    }


def closure_audit(session: Session, helpdesk_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
    """The latest audit entries (of one helpdesk), newest first."""
    query = select(ClosureAudit).order_by(ClosureAudit.at.desc(), ClosureAudit.id.desc()).limit(limit)
    if helpdesk_id is not None:
        query = query.where(ClosureAudit.helpdesk_id == helpdesk_id)
    return [
        AuditEntry(row.at, row.helpdesk_id, row.action, row.until, row.reason, row.message, row.who)
        for row in session.execute(query).scalars()
    ]


def _note_expired(session: Session, helpdesk_ids: list[str], now: dt.datetime) -> None:
    """Remove the closures of ``helpdesk_ids`` whose time has passed, noting each in the audit log."""
    expired = session.execute(
        delete(HelpdeskClosure)
        .where(
            HelpdeskClosure.helpdesk_id.in_(helpdesk_ids),
            HelpdeskClosure.until.is_not(None),
            HelpdeskClosure.until <= now,
        )
        .returning(HelpdeskClosure.helpdesk_id, HelpdeskClosure.until, HelpdeskClosure.reason)
    ).all()
    for helpdesk_id, until, reason in expired:
        _audit(session, until or now, helpdesk_id, "expired", until, reason, None, "-")


def _audit(
    session: Session,
    at: dt.datetime,
    helpdesk_id: str,
    action: str,
    until: dt.datetime | None,
    reason: str | None,
    message: str | None,
    who: str,
) -> None:
    session.add(
        ClosureAudit(
            at=at,
            helpdesk_id=helpdesk_id,
            action=action,
            until=until,
            reason=reason,
            message=message,
            who=who[:WHO_LENGTH],
        )
    )
    session.flush()
