"""Handle escalated questions (playbook 1.3.2.2, 1.5.2, 1.2.3.3): list, read, move along, reveal
the number to call back, and erase it after retention.

A supervisor takes an escalation (``open`` → ``in_progress``) and closes it once the citizen was
called back (``answered``) or the question was passed on (``forwarded``); taking it first is not
required, and a closed escalation changes no more. Closing is when the recording at Twilio is no
longer needed: the caller deletes it there after the commit (:func:`recording_to_delete`) and
records that with :func:`recording_deleted`; the retention job retries what was not deleted.

The citizen's number is masked in every view; :func:`reveal_contact` gives it in full and writes
who asked, and when, in the same transaction. The functions take the caller's session and never
commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from escalations.tables import CLOSED, ContactReveal, Escalation, Priority, RecordingStatus, Source, Status

MAX_NOTE: Final = 4000
# Where each status may go next; a closed one goes nowhere (EscalationClosedError).
NEXT: Final[dict[Status, frozenset[Status]]] = {
    Status.OPEN: frozenset({Status.OPEN, Status.IN_PROGRESS, *CLOSED}),
    Status.IN_PROGRESS: frozenset({Status.IN_PROGRESS, *CLOSED}),
    Status.ANSWERED: frozenset(),
    Status.FORWARDED: frozenset(),
}
# Recordings whose question can still be listened to.
AUDIBLE: Final = frozenset({RecordingStatus.PENDING, RecordingStatus.COMPLETED})


class UnknownEscalationError(LookupError):
    """No escalation with that id."""


class EscalationClosedError(ValueError):
    """The escalation was answered or forwarded: it changes no more."""


class TransitionRefusedError(ValueError):
    """A status the escalation cannot go to from where it is (back to ``open``)."""


class NoContactError(LookupError):
    """The escalation never had a number to call back (the call record held none)."""


class ContactErasedError(LookupError):
    """The number to call back was erased after retention."""


@dataclass(frozen=True, slots=True)
class Change:
    """A supervisor's handling: a new ``status`` and/or a ``note`` (``None`` leaves it as it was)."""

    status: Status | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class EscalationView:
    """One escalation as supervisors see it: the number only masked, no Twilio identifier but the
    citizen's call (to find it in the call log)."""

    id: int
    helpdesk_id: str
    priority: Priority
    source: Source
    agent: str | None
    call_sid: str | None
    contact_masked: str | None
    recording_status: RecordingStatus
    recording_duration_s: int | None
    status: Status
    note: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    updated_by: str | None
    closed_at: dt.datetime | None
    recording_deleted_at: dt.datetime | None
    erased_at: dt.datetime | None

    @property
    def audible(self) -> bool:
        """Whether the recording can be fetched (Twilio has or will have it)."""
        return self.recording_status in AUDIBLE


def view(row: Escalation) -> EscalationView:
    return EscalationView(
        id=row.id,
        helpdesk_id=row.helpdesk_id,
        priority=Priority(row.priority),
        source=Source(row.source),
        agent=row.agent,
        call_sid=row.call_sid,
        contact_masked=row.contact_masked,
        recording_status=RecordingStatus(row.recording_status),
        recording_duration_s=row.recording_duration_s,
        status=Status(row.status),
        note=row.note,
        created_at=row.created_at,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        closed_at=row.closed_at,
        recording_deleted_at=row.recording_deleted_at,
        erased_at=row.erased_at,
    )


def escalation(session: Session, escalation_id: int) -> EscalationView:
    row = session.get(Escalation, escalation_id)
    if row is None:
        raise UnknownEscalationError(escalation_id)
    return view(row)


def escalations(
    session: Session,
    *,
    helpdesk_id: str | None = None,
    status: Status | None = None,
    agent: str | None = None,
) -> list[EscalationView]:
    """The escalations in the order of the work: those still to handle first (``open`` and
    ``in_progress``), urgent before normal and the longest waiting first; then the closed ones,
    the most recently closed first. ``agent``: only those this agent's code escalated."""
    closed = Escalation.status.in_([state.value for state in CLOSED])
    query = select(Escalation).order_by(
        case((closed, 1), else_=0),
        case((closed, 0), (Escalation.priority == Priority.URGENT.value, 0), else_=1),
        case((closed, None), else_=Escalation.created_at),
        Escalation.closed_at.desc(),
        Escalation.id,
    )
    if helpdesk_id is not None:
        query = query.where(Escalation.helpdesk_id == helpdesk_id)
    if status is not None:
        query = query.where(Escalation.status == status.value)
    if agent is not None:
        query = query.where(Escalation.agent == agent)
    return [view(row) for row in session.scalars(query)]


def update_escalation(
    session: Session, escalation_id: int, change: Change, *, now: dt.datetime, who: str
) -> EscalationView:
    """Move an escalation along and/or note what was done; closing it stamps ``closed_at``."""
    row = session.get(Escalation, escalation_id, with_for_update=True)
    if row is None:
        raise UnknownEscalationError(escalation_id)
    current = Status(row.status)
    if current in CLOSED:
        raise EscalationClosedError(f"escalation {escalation_id} is {current}: it changes no more")
    if change.status is not None and change.status not in NEXT[current]:
        raise TransitionRefusedError(
            f"escalation {escalation_id} is {current}: it cannot go back to {change.status}"
        )
    if change.note is not None:
        row.note = change.note
    if change.status is not None:
        row.status = change.status.value
        if change.status in CLOSED:
            row.closed_at = now
    row.updated_at = now
    row.updated_by = who
    session.flush()
    return view(row)


def recording_to_delete(session: Session, escalation_id: int) -> str | None:
    """The recording of a closed escalation that Twilio still holds (its SID), else ``None``."""
    row = session.get(Escalation, escalation_id)
    if row is None or row.closed_at is None or row.recording_deleted_at is not None:
        return None
    return row.recording_sid


def recordings_to_delete(session: Session, limit: int) -> list[tuple[int, str]]:
    """The closed escalations whose recording Twilio still holds (a deletion that failed, or a
    recording reported after the escalation closed), oldest closed first: ``(id, recording SID)``."""
    query = (
        select(Escalation.id, Escalation.recording_sid)
        .where(
            Escalation.closed_at.is_not(None),
            Escalation.recording_sid.is_not(None),
            Escalation.recording_deleted_at.is_(None),
        )
        .order_by(Escalation.closed_at, Escalation.id)
        .limit(limit)
    )
    return [(int(row.id), str(row.recording_sid)) for row in session.execute(query)]


def recording_deleted(session: Session, escalation_id: int, now: dt.datetime) -> None:
    """Twilio deleted the escalation's recording (or no longer had it)."""
    session.execute(
        update(Escalation)
        .where(Escalation.id == escalation_id, Escalation.recording_deleted_at.is_(None))
        .values(recording_status=RecordingStatus.DELETED.value, recording_deleted_at=now)
        .execution_options(synchronize_session=False)
    )


def recording_sid(session: Session, escalation_id: int) -> str | None:
    """The SID of the recording to listen to, while Twilio has it; ``None`` when there is none
    (nothing recorded yet, recording failed, or deleted on closing)."""
    row = session.get(Escalation, escalation_id)
    if row is None:
        raise UnknownEscalationError(escalation_id)
    if row.recording_deleted_at is not None or RecordingStatus(row.recording_status) not in AUDIBLE:
        return None
    return row.recording_sid


def reveal_contact(session: Session, escalation_id: int, *, now: dt.datetime, who: str) -> str:
    """The full number to call back; ``who`` and ``now`` are written to the audit log
    (:class:`ContactReveal`) in the caller's transaction, so no number is given unlogged."""
    row = session.get(Escalation, escalation_id)
    if row is None:
        raise UnknownEscalationError(escalation_id)
    if row.erased_at is not None:
        raise ContactErasedError(escalation_id)
    if row.contact_number is None:
        raise NoContactError(escalation_id)
    session.add(ContactReveal(escalation_id=row.id, at=now, by=who))
    session.flush()
    return row.contact_number


def contact_reveals(session: Session, escalation_id: int) -> list[tuple[dt.datetime, str]]:
    """The audit log of one escalation's number: ``(when, who)``, oldest first."""
    query = (
        select(ContactReveal.at, ContactReveal.by)
        .where(ContactReveal.escalation_id == escalation_id)
        .order_by(ContactReveal.at, ContactReveal.id)
    )
    return [(row.at, row.by) for row in session.execute(query)]


def erase_closed_escalations(session: Session, before: dt.datetime, now: dt.datetime) -> int:
    """Erase the number to call back of the escalations closed before ``before`` (the masked one
    stays); returns how many were erased."""
    result = session.execute(
        update(Escalation)
        .where(Escalation.closed_at < before, Escalation.erased_at.is_(None))
        .values(contact_number=None, erased_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
