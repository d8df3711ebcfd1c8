"""An escalation is stored from the recording's two Twilio requests in either order (on SQLite and
PostgreSQL): the action and the status callback each report what they know, one row per token."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calllog import CallRecord
from escalations import (
    Escalation,
    NewEscalation,
    Priority,
    RecordingReport,
    RecordingStatus,
    Source,
    record_escalation,
)

NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(seconds=3)
CITIZEN = "CA" + "1" * 32
AGENT_LEG = "CA" + "2" * 32
RECORDING = "RE" + "3" * 32


def agent_escalation(token: str = "a" * 32) -> NewEscalation:
    return NewEscalation(
        token=token,
        helpdesk_id="voorkempen",
        priority=Priority.NORMAL,
        source=Source.AGENT,
        agent="1001",
        call_sid=CITIZEN,
        recording_call_sid=AGENT_LEG,
    )


def citizen_call(session: Session, number: str | None) -> None:
    session.add(
        CallRecord(
            call_sid=CITIZEN,
            helpdesk_id="voorkempen",
            arrived_at=NOW - dt.timedelta(minutes=5),
            open_on_arrival=True,
            caller_raw=number,
            outcome="answered",
            entered_queue=True,
            last_sequence=3,
        )
    )
    session.flush()


def stored(session: Session) -> list[Escalation]:
    return list(session.scalars(select(Escalation).order_by(Escalation.id)))


def test_the_action_first_then_the_callback_store_one_escalation_with_the_citizens_number(
    session: Session,
) -> None:
    citizen_call(session, "+32470123456")
    first = record_escalation(
        session, agent_escalation(), RecordingReport(RECORDING, RecordingStatus.PENDING, 14), NOW
    )
    second = record_escalation(
        session, agent_escalation(), RecordingReport(RECORDING, RecordingStatus.COMPLETED, 14), LATER
    )
    assert first.created
    assert not second.created
    assert first.escalation_id == second.escalation_id
    [row] = stored(session)
    assert (row.recording_sid, row.recording_status, row.recording_duration_s) == (RECORDING, "completed", 14)
    assert (row.contact_number, row.status, row.priority, row.source) == (
        "+32470123456",
        "open",
        "normal",
        "agent",
    )
    assert row.contact_masked is not None
    assert "123456" not in row.contact_masked
    assert (row.created_at, row.updated_at) == (NOW, LATER)


def test_the_callback_first_is_not_taken_back_to_pending_by_the_action(session: Session) -> None:
    citizen_call(session, None)
    created = record_escalation(
        session, agent_escalation(), RecordingReport(RECORDING, RecordingStatus.COMPLETED, 9), NOW
    )
    record_escalation(session, agent_escalation(), RecordingReport(None, RecordingStatus.PENDING, 9), LATER)
    assert created.created
    [row] = stored(session)
    assert (row.recording_sid, row.recording_status, row.contact_number) == (RECORDING, "completed", None)


def test_nothing_said_is_nothing_escalated_in_either_order(session: Session) -> None:
    absent = RecordingReport(RECORDING, RecordingStatus.ABSENT, 0)
    assert record_escalation(session, agent_escalation("b" * 32), absent, NOW).escalation_id is None
    pending = RecordingReport(RECORDING, RecordingStatus.PENDING, 0)
    assert record_escalation(session, agent_escalation("c" * 32), pending, NOW).created
    assert record_escalation(session, agent_escalation("c" * 32), absent, LATER).escalation_id is None
    assert stored(session) == []


def test_a_failed_recording_keeps_the_escalation_for_a_call_back(session: Session) -> None:
    citizen_call(session, "+32470123456")
    failed = RecordingReport(RECORDING, RecordingStatus.FAILED, None)
    assert record_escalation(session, agent_escalation(), failed, NOW).created
    [row] = stored(session)
    assert (row.recording_status, row.contact_number) == ("failed", "+32470123456")


def test_central_gives_its_own_number_and_no_citizen_call(session: Session) -> None:
    urgent = NewEscalation(
        token="d" * 32,
        helpdesk_id="voorkempen",
        priority=Priority.URGENT,
        source=Source.CENTRAL,
        agent=None,
        call_sid=None,
        recording_call_sid=AGENT_LEG,
        contact_number="+3227138799",
    )
    record_escalation(session, urgent, RecordingReport(RECORDING, RecordingStatus.COMPLETED, 30), NOW)
    [row] = stored(session)
    assert (row.priority, row.source, row.agent, row.call_sid, row.contact_number) == (
        "urgent",
        "central",
        None,
        None,
        "+3227138799",
    )
    assert session.scalar(select(func.count()).select_from(Escalation)) == 1
