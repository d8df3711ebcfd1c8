"""Answered callers stop counting as waiting; waiting callers are claimed for a redirect once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from calls import (
    QueueEntry,
    callers_waiting,
    claim_for_redirect,
    enter_queue,
    leave_queue,
    mark_answered,
)

T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def sid(n: int) -> str:
    return f"CA{n:032x}"


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_answered_caller_is_no_longer_waiting(session: Session) -> None:
    for n in range(3):
        enter_queue(session, sid(n), "voorkempen", at(n))
    assert mark_answered(session, sid(1), "101", 42, at(45)) is True
    assert callers_waiting(session, "voorkempen") == 2
    row = session.execute(
        select(QueueEntry.answered_by, QueueEntry.answered_at, QueueEntry.queue_time).where(
            QueueEntry.call_sid == sid(1)
        )
    ).one()
    assert tuple(row) == ("101", at(45), 42)


def test_first_answer_wins(session: Session) -> None:
    enter_queue(session, sid(1), "voorkempen", at(0))
    assert mark_answered(session, sid(1), "101", 12, at(12)) is True
    assert mark_answered(session, sid(1), "102", 30, at(30)) is False
    answered_by = session.execute(select(QueueEntry.answered_by)).scalar_one()
    assert answered_by == "101"


def test_waiting_callers_are_claimed_once_in_queue_order(session: Session) -> None:
    enter_queue(session, sid(3), "voorkempen", at(3))
    enter_queue(session, sid(1), "voorkempen", at(1))
    enter_queue(session, sid(2), "voorkempen", at(2))
    enter_queue(session, sid(9), "kempen-zuid", at(0))
    enter_queue(session, sid(4), "voorkempen", at(4))
    mark_answered(session, sid(2), "101", 5, at(7))
    leave_queue(session, sid(4), at(8), "hangup")

    assert claim_for_redirect(session, "voorkempen", at(10)) == [sid(1), sid(3)]
    assert claim_for_redirect(session, "voorkempen", at(11)) == []
    assert claim_for_redirect(session, "kempen-zuid", at(12)) == [sid(9)]
