"""The returning queue in the queue mirror, and reads folded into the line states' round trip."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Integer, String, bindparam, event, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import ScalarSelect

from agents import PresenceStatus, set_presence
from calls import (
    FoldedRead,
    QueueChanges,
    QueueEntry,
    apply_queue_changes,
    callers_waiting,
    claim_for_redirect,
    enter_queue,
    leave_queue,
    line_states,
    line_states_with,
    mark_answered,
    returning_waiting,
)
from routing import LineState

T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def sid(n: int) -> str:
    return f"CA{n:032x}"


def at(seconds: int) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture
def statements(session: Session) -> Iterator[list[str]]:
    executed: list[str] = []

    def record(*args: Any) -> None:
        executed.append(args[2])

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", record)
    yield executed
    event.remove(connection, "before_cursor_execute", record)


def _returning(session: Session) -> dict[str, bool]:
    rows = session.execute(select(QueueEntry.call_sid, QueueEntry.returning_queue)).all()
    return {str(call_sid): bool(returning) for call_sid, returning in rows}


def test_a_returning_caller_counts_as_waiting_and_apart(session: Session) -> None:
    enter_queue(session, sid(1), "voorkempen", T0)
    enter_queue(session, sid(2), "voorkempen", at(1), returning_queue=True)
    enter_queue(session, sid(3), "voorkempen", at(2), returning_queue=True)
    enter_queue(session, sid(4), "kempen-zuid", at(3), returning_queue=True)

    assert callers_waiting(session, "voorkempen") == 3
    assert returning_waiting(session, "voorkempen") == 2
    assert returning_waiting(session, "kempen-zuid") == 1
    assert _returning(session) == {sid(1): False, sid(2): True, sid(3): True, sid(4): True}


def test_a_returning_caller_taken_or_gone_waits_no_more(session: Session) -> None:
    enter_queue(session, sid(1), "voorkempen", T0, returning_queue=True)
    enter_queue(session, sid(2), "voorkempen", at(1), returning_queue=True)
    enter_queue(session, sid(3), "voorkempen", at(2), returning_queue=True)
    mark_answered(session, sid(1), "101", 12, at(12))
    leave_queue(session, sid(2), at(20), "hangup")

    assert returning_waiting(session, "voorkempen") == 1
    assert returning_waiting(session, "nergens") == 0


def test_the_redirect_to_central_claims_both_queues_callers(session: Session) -> None:
    enter_queue(session, sid(1), "voorkempen", T0, returning_queue=True)
    enter_queue(session, sid(2), "voorkempen", at(1))

    assert claim_for_redirect(session, "voorkempen", at(30)) == [sid(1), sid(2)]


def test_a_batch_keeps_the_queue_each_call_entered(session: Session) -> None:
    apply_queue_changes(
        session,
        QueueChanges(
            entered=[
                {"call_sid": sid(1), "helpdesk_id": "voorkempen", "now": T0, "returning_queue": True},
                {"call_sid": sid(2), "helpdesk_id": "voorkempen", "now": at(1)},
            ],
            answered=[],
            # A departure standing in for an entry another instance still holds.
            left=[{"call_sid": sid(3), "helpdesk_id": "voorkempen", "now": at(2), "result": "hangup"}],
        ),
    )

    assert _returning(session) == {sid(1): True, sid(2): False, sid(3): False}
    assert returning_waiting(session, "voorkempen") == 1
    assert callers_waiting(session, "voorkempen") == 2


def _twice(prefix: str) -> ScalarSelect[Any]:
    # A read of a layer above, as the service folds them: its own bind parameters.
    return select(bindparam(f"{prefix}value", type_=Integer()) * literal(2, Integer())).scalar_subquery()


def _waiting_of(prefix: str) -> ScalarSelect[Any]:
    helpdesk = bindparam(f"{prefix}helpdesk", type_=String())
    return (
        select(func.count())
        .select_from(QueueEntry)
        .where(QueueEntry.helpdesk_id == helpdesk, QueueEntry.returning_queue.is_(True))
        .scalar_subquery()
    )


def _nothing(prefix: str) -> ScalarSelect[Any]:
    return (
        select(QueueEntry.queue_time)
        .where(QueueEntry.call_sid == bindparam(f"{prefix}call_sid", type_=String()))
        .scalar_subquery()
    )


def test_folded_reads_come_with_the_line_states_in_one_statement(
    session: Session, statements: list[str]
) -> None:
    set_presence(session, "voorkempen", "An", PresenceStatus.AVAILABLE, T0)
    set_presence(session, "voorkempen", "Bert", PresenceStatus.OUTBOUND, T0)
    enter_queue(session, sid(1), "voorkempen", T0, returning_queue=True)
    enter_queue(session, sid(2), "kempen-zuid", T0)
    statements.clear()

    lines, values = line_states_with(
        session,
        ["voorkempen", "kempen-zuid", "voorkempen"],
        [
            FoldedRead(_twice, {"value": 21}),
            FoldedRead(_waiting_of, {"helpdesk": "voorkempen"}),
            FoldedRead(_nothing, {"call_sid": "CA-unknown"}),
            FoldedRead(_twice, {"value": 5}),
        ],
    )

    assert lines == {
        "voorkempen": LineState(agents_logged_in=1, callers_waiting=1),
        "kempen-zuid": LineState(agents_logged_in=0, callers_waiting=1),
    }
    assert values == [42, 1, None, 10]
    assert len(statements) == 1


def test_without_folded_reads_it_is_the_line_states_read(session: Session, statements: list[str]) -> None:
    enter_queue(session, sid(1), "voorkempen", T0)
    statements.clear()

    assert line_states_with(session, ["voorkempen"], []) == (
        line_states(session, ["voorkempen"]),
        [],
    )
    assert statements[0] == statements[1]
