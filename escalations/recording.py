"""Recording an escalated question: the ``<Record>`` action and the recording status callback each
report what they know, in either order, and the first report that has something to keep stores
the escalation (``token`` ties them together; see :mod:`escalations.tables`).

Twilio documents both requests but not their order; the action may come before the recording is
ready (``pending``), the callback says whether it is ``completed``, ``absent`` (nothing was said:
nothing is escalated, a row already stored is removed) or ``failed`` (the question is lost, the
citizen's call is still known, so the escalation stays for a call back).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from calllog import CallRecord, mask_number
from escalations.tables import Escalation, Priority, RecordingStatus, Source, Status

# A later report never takes a recording back to an earlier state.
_RANK = {
    RecordingStatus.PENDING: 0,
    RecordingStatus.COMPLETED: 1,
    RecordingStatus.FAILED: 1,
    RecordingStatus.ABSENT: 1,
    RecordingStatus.DELETED: 2,
}


@dataclass(frozen=True)
class NewEscalation:
    """What the recording's URLs say about the question (ours, in signed requests).

    ``contact_number``: the number to call back when the request knows it (central's own number
    for an urgent question); for an agent's escalation it is read from the citizen's call record.
    """

    token: str
    helpdesk_id: str
    priority: Priority
    source: Source
    agent: str | None
    call_sid: str | None
    recording_call_sid: str
    contact_number: str | None = None


@dataclass(frozen=True)
class RecordingReport:
    """What one of Twilio's two requests says about the recording."""

    sid: str | None
    status: RecordingStatus
    duration_s: int | None


@dataclass(frozen=True)
class Recorded:
    """The outcome of a report: the escalation's id (``None`` when nothing is kept) and whether
    this report stored it (a new escalation, to be announced)."""

    escalation_id: int | None
    created: bool


def record_escalation(
    session: Session, new: NewEscalation, report: RecordingReport, now: dt.datetime
) -> Recorded:
    """Store or update the escalation ``new.token`` names with ``report``; idempotent.

    The caller commits. Two reports racing in two processes: the loser's insert meets the unique
    token and updates the winner's row instead.
    """
    row = session.scalars(select(Escalation).where(Escalation.token == new.token)).one_or_none()
    if row is None:
        if report.status is RecordingStatus.ABSENT:
            return Recorded(escalation_id=None, created=False)
        row = _new_row(session, new, report, now)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            row = session.scalars(select(Escalation).where(Escalation.token == new.token)).one()
        else:
            return Recorded(escalation_id=row.id, created=True)
    if report.status is RecordingStatus.ABSENT and row.recording_status == RecordingStatus.PENDING:
        session.execute(delete(Escalation).where(Escalation.id == row.id))
        return Recorded(escalation_id=None, created=False)
    _apply(row, report, now)
    return Recorded(escalation_id=row.id, created=False)


def _new_row(session: Session, new: NewEscalation, report: RecordingReport, now: dt.datetime) -> Escalation:
    contact = new.contact_number
    if contact is None and new.call_sid is not None:
        contact = session.scalar(select(CallRecord.caller_raw).where(CallRecord.call_sid == new.call_sid))
    return Escalation(
        token=new.token,
        helpdesk_id=new.helpdesk_id,
        priority=new.priority.value,
        source=new.source.value,
        agent=new.agent,
        call_sid=new.call_sid,
        recording_call_sid=new.recording_call_sid,
        contact_number=contact,
        contact_masked=mask_number(contact) if contact else None,
        recording_sid=report.sid,
        recording_status=report.status.value,
        recording_duration_s=report.duration_s,
        status=Status.OPEN.value,
        note=None,
        created_at=now,
        updated_at=now,
        updated_by=None,
        closed_at=None,
        recording_deleted_at=None,
        erased_at=None,
        announced_at=None,
    )


def _apply(row: Escalation, report: RecordingReport, now: dt.datetime) -> None:
    if row.recording_sid is None and report.sid is not None:
        row.recording_sid = report.sid
    if report.duration_s is not None:
        row.recording_duration_s = report.duration_s
    if _RANK[report.status] > _RANK[RecordingStatus(row.recording_status)]:
        row.recording_status = report.status.value
    row.updated_at = max(row.updated_at, now)
