"""Handling escalations (on SQLite and PostgreSQL): the order of the list, the status transitions,
the audited contact reveal, the recording to delete on closing, erasure after retention, and the
figures of the KPIs."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from escalations import (
    Change,
    ContactErasedError,
    Escalation,
    EscalationClosedError,
    EscalationFigures,
    NoContactError,
    Priority,
    RecordingStatus,
    Status,
    TransitionRefusedError,
    UnknownEscalationError,
    contact_reveals,
    erase_closed_escalations,
    escalation,
    escalation_counts,
    escalation_figures,
    escalations,
    figures,
    recording_deleted,
    recording_sid,
    recording_to_delete,
    recordings_to_delete,
    reveal_contact,
    update_escalation,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
WHO = "api:supervisor#1"
_TOKENS = itertools.count(1)


def add(
    session: Session,
    *,
    helpdesk: str = "voorkempen",
    priority: Priority = Priority.NORMAL,
    at: dt.datetime = NOW,
    contact: str | None = "+32470123456",
    recording: RecordingStatus = RecordingStatus.COMPLETED,
) -> int:
    number = next(_TOKENS)
    row = Escalation(
        token=f"{number:032x}",
        helpdesk_id=helpdesk,
        priority=priority.value,
        source="central" if priority is Priority.URGENT else "agent",
        agent=None if priority is Priority.URGENT else "1001",
        call_sid=None if priority is Priority.URGENT else f"CA{number:032x}",
        recording_call_sid=f"CA{number + 1000:032x}",
        contact_number=contact,
        contact_masked="+32470****56" if contact else None,
        recording_sid=f"RE{number:032x}",
        recording_status=recording.value,
        recording_duration_s=12,
        status="open",
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    session.flush()
    return row.id


@pytest.mark.parametrize(
    ("path", "final"),
    [
        ([Status.IN_PROGRESS, Status.ANSWERED], Status.ANSWERED),
        ([Status.IN_PROGRESS, Status.FORWARDED], Status.FORWARDED),
        ([Status.ANSWERED], Status.ANSWERED),
        ([Status.FORWARDED], Status.FORWARDED),
        ([Status.IN_PROGRESS, Status.IN_PROGRESS, Status.ANSWERED], Status.ANSWERED),
    ],
    ids=["taken-answered", "taken-forwarded", "answered-at-once", "forwarded-at-once", "note-while-taken"],
)
def test_an_escalation_moves_on_and_closing_stamps_closed_at(
    session: Session, path: list[Status], final: Status
) -> None:
    escalation_id = add(session)
    for step, status in enumerate(path, start=1):
        changed = update_escalation(
            session,
            escalation_id,
            Change(status=status, note=f"stap {step}"),
            now=NOW + dt.timedelta(minutes=step),
            who=WHO,
        )
    done = NOW + dt.timedelta(minutes=len(path))
    assert (changed.status, changed.note, changed.updated_by) == (final, f"stap {len(path)}", WHO)
    assert (changed.closed_at, changed.updated_at) == (done, done)


@pytest.mark.parametrize("closed", [Status.ANSWERED, Status.FORWARDED], ids=["answered", "forwarded"])
@pytest.mark.parametrize(
    "change",
    [Change(status=Status.OPEN), Change(status=Status.ANSWERED), Change(note="nog iets")],
    ids=["reopen", "again", "note"],
)
def test_a_closed_escalation_changes_no_more(session: Session, closed: Status, change: Change) -> None:
    escalation_id = add(session)
    update_escalation(session, escalation_id, Change(status=closed), now=NOW, who=WHO)
    refusal = f"^escalation {escalation_id} is {closed}: it changes no more$"
    with pytest.raises(EscalationClosedError, match=refusal):
        update_escalation(session, escalation_id, change, now=NOW, who=WHO)


def test_a_taken_escalation_does_not_go_back_to_open(session: Session) -> None:
    escalation_id = add(session)
    update_escalation(session, escalation_id, Change(status=Status.IN_PROGRESS), now=NOW, who=WHO)
    with pytest.raises(TransitionRefusedError, match=r"is in_progress: it cannot go back to open$"):
        update_escalation(session, escalation_id, Change(status=Status.OPEN), now=NOW, who=WHO)
    assert escalation(session, escalation_id).status is Status.IN_PROGRESS


def test_unknown_escalations_are_refused(session: Session) -> None:
    with pytest.raises(UnknownEscalationError):
        escalation(session, 999)
    with pytest.raises(UnknownEscalationError):
        update_escalation(session, 999, Change(note="x"), now=NOW, who=WHO)
    with pytest.raises(UnknownEscalationError):
        reveal_contact(session, 999, now=NOW, who=WHO)


def test_the_list_puts_the_work_first_urgent_and_longest_waiting_then_the_latest_closed(
    session: Session,
) -> None:
    old = add(session, at=NOW - dt.timedelta(hours=2))
    new = add(session, at=NOW - dt.timedelta(hours=1))
    urgent = add(session, priority=Priority.URGENT, at=NOW)
    closed_first = add(session, at=NOW - dt.timedelta(hours=5))
    closed_last = add(session, at=NOW - dt.timedelta(hours=4))
    other_desk = add(session, helpdesk="kempen-zuid")
    update_escalation(session, closed_first, Change(status=Status.ANSWERED), now=NOW, who=WHO)
    update_escalation(
        session, closed_last, Change(status=Status.FORWARDED), now=NOW + dt.timedelta(minutes=1), who=WHO
    )
    update_escalation(session, new, Change(status=Status.IN_PROGRESS), now=NOW, who=WHO)
    assert [e.id for e in escalations(session, helpdesk_id="voorkempen")] == [
        urgent,
        old,
        new,
        closed_last,
        closed_first,
    ]
    assert [e.id for e in escalations(session, status=Status.IN_PROGRESS)] == [new]
    assert [e.id for e in escalations(session, helpdesk_id="kempen-zuid")] == [other_desk]


def test_the_number_is_revealed_only_with_an_audit_row(session: Session) -> None:
    escalation_id = add(session)
    assert escalation(session, escalation_id).contact_masked == "+32470****56"
    assert contact_reveals(session, escalation_id) == []
    later = NOW + dt.timedelta(minutes=3)
    assert reveal_contact(session, escalation_id, now=NOW, who=WHO) == "+32470123456"
    assert reveal_contact(session, escalation_id, now=later, who="api:ops#2") == "+32470123456"
    assert contact_reveals(session, escalation_id) == [(NOW, WHO), (later, "api:ops#2")]


def test_no_number_and_an_erased_number_are_told_apart(session: Session) -> None:
    never = add(session, contact=None)
    with pytest.raises(NoContactError):
        reveal_contact(session, never, now=NOW, who=WHO)
    erased = add(session)
    update_escalation(session, erased, Change(status=Status.ANSWERED), now=NOW, who=WHO)
    assert erase_closed_escalations(session, NOW + dt.timedelta(seconds=1), NOW) == 1
    with pytest.raises(ContactErasedError):
        reveal_contact(session, erased, now=NOW, who=WHO)
    assert contact_reveals(session, never) == contact_reveals(session, erased) == []


def test_retention_erases_the_numbers_of_escalations_closed_before_the_limit(session: Session) -> None:
    closed_long_ago = add(session)
    closed_lately = add(session)
    still_open = add(session, at=NOW - dt.timedelta(days=400))
    update_escalation(session, closed_long_ago, Change(status=Status.ANSWERED), now=NOW, who=WHO)
    later = NOW + dt.timedelta(days=10)
    update_escalation(session, closed_lately, Change(status=Status.FORWARDED), now=later, who=WHO)
    erase_at = NOW + dt.timedelta(days=40)
    assert erase_closed_escalations(session, erase_at - dt.timedelta(days=30), erase_at) == 1
    assert erase_closed_escalations(session, erase_at - dt.timedelta(days=30), erase_at) == 0
    session.expire_all()
    rows = {row.id: row for row in session.query(Escalation)}
    assert (rows[closed_long_ago].contact_number, rows[closed_long_ago].erased_at) == (None, erase_at)
    assert rows[closed_long_ago].contact_masked == "+32470****56"
    assert (rows[closed_lately].contact_number, rows[closed_lately].erased_at) == ("+32470123456", None)
    assert (rows[still_open].contact_number, rows[still_open].erased_at) == ("+32470123456", None)


def test_closing_leaves_the_recording_to_delete_until_twilio_deleted_it(session: Session) -> None:
    escalation_id = add(session)
    sid = session.get_one(Escalation, escalation_id).recording_sid
    pending = add(session, recording=RecordingStatus.PENDING)
    failed = add(session, recording=RecordingStatus.FAILED)
    assert recording_to_delete(session, escalation_id) is None
    assert recording_sid(session, escalation_id) == sid
    assert recording_sid(session, failed) is None
    assert recording_sid(session, pending) == session.get_one(Escalation, pending).recording_sid
    update_escalation(session, escalation_id, Change(status=Status.ANSWERED), now=NOW, who=WHO)
    assert recording_to_delete(session, escalation_id) == sid
    assert recordings_to_delete(session, 10) == [(escalation_id, sid)]
    recording_deleted(session, escalation_id, NOW)
    session.expire_all()
    gone = escalation(session, escalation_id)
    assert (gone.recording_status, gone.recording_deleted_at) == (RecordingStatus.DELETED, NOW)
    assert recording_to_delete(session, escalation_id) is None
    assert recordings_to_delete(session, 10) == []
    assert recording_sid(session, escalation_id) is None


@pytest.mark.parametrize(
    ("escalated", "urgent", "answered", "expected"),
    [
        (4, 1, 40, EscalationFigures(4, 1, 0.925)),
        (0, 0, 0, EscalationFigures(0, 0, None)),
        (1, 1, 0, EscalationFigures(1, 1, None)),
        (2, 2, 7, EscalationFigures(2, 2, 1.0)),
        (1, 0, 3, EscalationFigures(1, 0, 0.6667)),
    ],
    ids=["done-when-day", "nothing", "urgent-only-no-answered", "urgent-only", "rounded-half-up"],
)
def test_one_and_done_leaves_central_questions_out(
    escalated: int, urgent: int, answered: int, expected: EscalationFigures
) -> None:
    assert figures(escalated, urgent, answered) == expected


def test_the_figures_count_by_the_helpdesks_local_date(session: Session) -> None:
    # 2026-12-02 in Brussels runs from 2026-12-01 23:00 UTC for 24 hours.
    day_start = dt.datetime(2026, 12, 1, 23, 0, tzinfo=dt.UTC)
    for minutes in (0, 60, 120):
        add(session, at=day_start + dt.timedelta(minutes=minutes))
    add(session, priority=Priority.URGENT, at=day_start + dt.timedelta(hours=24, seconds=-1))
    add(session, at=day_start - dt.timedelta(seconds=1))  # the evening before
    add(session, at=day_start + dt.timedelta(hours=24))  # the next day
    add(session, helpdesk="kempen-zuid", at=day_start + dt.timedelta(hours=3))
    day = dt.date(2026, 12, 2)
    assert escalation_figures(session, "voorkempen", day, day, BRUSSELS, 40) == EscalationFigures(4, 1, 0.925)
    assert escalation_figures(session, None, day, day, BRUSSELS, 40) == EscalationFigures(5, 1, 0.9)
    hours = [day_start + dt.timedelta(hours=hour) for hour in range(24)]
    counts = escalation_counts(session, "voorkempen", hours, day_start + dt.timedelta(hours=24))
    assert counts[:3] == [(1, 0), (1, 0), (1, 0)]
    assert counts[23] == (1, 1)
    assert sum(total for total, _ in counts) == 4
