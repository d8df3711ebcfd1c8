"""The queue mirror on SQLite and PostgreSQL: exact counts, retries change nothing, one round trip."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from agents import PresenceStatus, set_presence
from calls import (
    QueueEntry,
    QueueNow,
    answered_since,
    callers_waiting,
    enter_queue,
    leave_queue,
    line_state,
    line_states,
    longest_wait,
    mark_answered,
    queues_now,
    returning_waiting,
    waiting_call_sids,
)
from routing import LineState

T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def sid(n: int) -> str:
    return f"CA{n:032x}"


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def entries(session: Session) -> list[tuple[Any, ...]]:
    columns = (
        QueueEntry.call_sid,
        QueueEntry.helpdesk_id,
        QueueEntry.enqueued_at,
        QueueEntry.left_at,
        QueueEntry.result,
        QueueEntry.from_number,
    )
    return [tuple(row) for row in session.execute(select(*columns).order_by(QueueEntry.call_sid))]


def test_entering_records_the_call(session: Session) -> None:
    created = enter_queue(session, sid(1), "voorkempen", T0, from_number="+32470123456")

    assert created is True
    assert entries(session) == [(sid(1), "voorkempen", T0, None, None, "+32470123456")]


def test_a_retried_enter_creates_no_second_entry_and_keeps_the_first(session: Session) -> None:
    first = enter_queue(session, sid(1), "voorkempen", T0)
    retry = enter_queue(session, sid(1), "voorkempen", at(4), from_number="+32470123456")

    assert (first, retry) == (True, False)
    assert entries(session) == [(sid(1), "voorkempen", T0, None, None, None)]
    assert callers_waiting(session, "voorkempen") == 1


def test_the_first_leave_wins(session: Session) -> None:
    enter_queue(session, sid(1), "voorkempen", T0)

    first = leave_queue(session, sid(1), at(42), "bridged")
    late = leave_queue(session, sid(1), at(300), "hangup")

    assert (first, late) == (True, False)
    assert entries(session) == [(sid(1), "voorkempen", T0, at(42), "bridged", None)]


def test_leaving_an_unknown_call_records_nothing(session: Session) -> None:
    assert leave_queue(session, sid(9), T0, "hangup") is False
    assert entries(session) == []


@pytest.mark.parametrize(
    ("entered", "left", "expected"),
    [
        pytest.param([], [], 0, id="empty"),
        pytest.param([1], [], 1, id="one-waiting"),
        pytest.param([1, 2, 3], [], 3, id="three-waiting"),
        pytest.param([1, 2, 3], [2], 2, id="one-of-three-left"),
        pytest.param([1, 2], [1, 2], 0, id="all-left"),
    ],
)
def test_callers_waiting_counts_entries_not_yet_left(
    session: Session, entered: list[int], left: list[int], expected: int
) -> None:
    for n in entered:
        enter_queue(session, sid(n), "voorkempen", at(n))
    for n in left:
        leave_queue(session, sid(n), at(100 + n), "bridged")
    enter_queue(session, sid(50), "kempen-zuid", T0)

    assert callers_waiting(session, "voorkempen") == expected


def test_waiting_calls_are_listed_longest_waiting_first(session: Session) -> None:
    enter_queue(session, sid(3), "voorkempen", at(30))
    enter_queue(session, sid(1), "voorkempen", at(10))
    enter_queue(session, sid(2), "voorkempen", at(20))
    enter_queue(session, sid(4), "kempen-zuid", at(0))
    leave_queue(session, sid(2), at(25), "hangup")

    assert waiting_call_sids(session, "voorkempen") == [sid(1), sid(3)]
    assert waiting_call_sids(session, "nowhere") == []


def test_longest_wait_is_none_when_nobody_waits(session: Session) -> None:
    enter_queue(session, sid(1), "voorkempen", T0)
    leave_queue(session, sid(1), at(5), "bridged")

    assert longest_wait(session, "voorkempen", at(60)) is None


def test_longest_wait_is_whole_seconds_of_the_oldest_waiting_caller(session: Session) -> None:
    enter_queue(session, sid(1), "voorkempen", at(0))
    enter_queue(session, sid(2), "voorkempen", at(90.5))
    enter_queue(session, sid(3), "kempen-zuid", at(-600))

    before = longest_wait(session, "voorkempen", at(180.9))
    leave_queue(session, sid(1), at(181), "bridged")
    after = longest_wait(session, "voorkempen", at(180.9))

    assert (before, after) == (180, 90)


def test_longest_wait_is_never_negative(session: Session) -> None:
    enter_queue(session, sid(1), "voorkempen", at(2))

    assert longest_wait(session, "voorkempen", at(0)) == 0


def test_longest_wait_accepts_local_time(session: Session) -> None:
    enter_queue(session, sid(1), "voorkempen", T0)
    brussels = dt.timezone(dt.timedelta(hours=1))

    assert longest_wait(session, "voorkempen", dt.datetime(2026, 12, 2, 10, 2, 5, tzinfo=brussels)) == 125


def test_longest_wait_refuses_naive_time(session: Session) -> None:
    with pytest.raises(ValueError, match=r"naive datetime 2026-12-02T10:00:00 refused"):
        longest_wait(session, "voorkempen", dt.datetime(2026, 12, 2, 10, 0))  # noqa: DTZ001


@pytest.fixture
def statements(session: Session) -> Iterator[list[str]]:
    executed: list[str] = []

    def record(*args: Any) -> None:
        executed.append(args[2])

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", record)
    yield executed
    event.remove(connection, "before_cursor_execute", record)


def test_line_state_reads_agents_and_callers_in_one_statement(
    session: Session, statements: list[str]
) -> None:
    for agent, status in [
        ("An", PresenceStatus.AVAILABLE),
        ("Bart", PresenceStatus.AVAILABLE),
        ("Chris", PresenceStatus.BREAK),
        ("Dirk", PresenceStatus.OFFLINE),
    ]:
        set_presence(session, "voorkempen", agent, status, T0)
    set_presence(session, "kempen-zuid", "Eva", PresenceStatus.AVAILABLE, T0)
    for n in (1, 2, 3, 4):
        enter_queue(session, sid(n), "voorkempen", at(n))
    leave_queue(session, sid(4), at(10), "bridged")
    enter_queue(session, sid(5), "kempen-zuid", T0)
    statements.clear()

    state = line_state(session, "voorkempen")

    assert state == LineState(agents_logged_in=2, callers_waiting=3)
    assert len(statements) == 1


def test_line_state_of_an_idle_helpdesk_is_zero_and_zero(session: Session) -> None:
    assert line_state(session, "voorkempen") == LineState(agents_logged_in=0, callers_waiting=0)


def test_line_states_of_several_helpdesks_are_read_in_one_statement(
    session: Session, statements: list[str]
) -> None:
    set_presence(session, "voorkempen", "An", PresenceStatus.AVAILABLE, T0)
    set_presence(session, "kempen-zuid", "Eva", PresenceStatus.AVAILABLE, T0)
    set_presence(session, "kempen-zuid", "Fien", PresenceStatus.AVAILABLE, T0)
    enter_queue(session, sid(1), "kempen-zuid", T0)
    statements.clear()

    states = line_states(session, ["kempen-zuid", "nergens", "voorkempen", "kempen-zuid"])

    assert states == {
        "kempen-zuid": LineState(agents_logged_in=2, callers_waiting=1),
        "nergens": LineState(agents_logged_in=0, callers_waiting=0),
        "voorkempen": LineState(agents_logged_in=1, callers_waiting=0),
    }
    assert len(statements) == 1
    assert line_states(session, []) == {}


def test_nothing_is_committed_by_the_data_functions(session: Session) -> None:
    # Rolling back undoes the savepoint the session works in; had a data function committed,
    # its rows would have outlived that savepoint.
    enter_queue(session, sid(1), "voorkempen", T0)
    leave_queue(session, sid(1), at(1), "hangup")
    set_presence(session, "voorkempen", "An", PresenceStatus.AVAILABLE, T0)
    session.rollback()

    assert session.execute(select(func.count()).select_from(QueueEntry)).scalar_one() == 0


@pytest.mark.parametrize(
    ("agent", "helpdesk", "since", "expected"),
    [
        ("101", "voorkempen", 10, True),
        ("101", "voorkempen", 20, True),
        ("101", "voorkempen", 21, False),
        ("102", "voorkempen", 10, False),
        ("101", "kempen-zuid", 10, False),
    ],
    ids=["since-the-dial", "at-the-answer", "after-the-answer", "another-agent", "another-helpdesk"],
)
def test_answered_since_finds_the_agents_caller_waiting_or_gone(
    session: Session, agent: str, helpdesk: str, since: int, expected: bool
) -> None:
    # Taken by 101 at 20 s; the caller's Enqueue action (bridged) may or may not have come yet.
    enter_queue(session, sid(1), "voorkempen", T0)
    mark_answered(session, sid(1), "101", 20, at(20))
    still_bridged = answered_since(session, helpdesk, agent, at(since))
    leave_queue(session, sid(1), at(80), "bridged")

    assert (still_bridged, answered_since(session, helpdesk, agent, at(since))) == (expected, expected)


def test_the_queues_of_every_helpdesk_read_at_once_equal_each_ones_own(session: Session) -> None:
    enter_queue(session, sid(1), "voorkempen", at(0))
    enter_queue(session, sid(2), "voorkempen", at(30), returning_queue=True)
    enter_queue(session, sid(3), "voorkempen", at(40), returning_queue=True)
    enter_queue(session, sid(4), "kempen-zuid", at(50))
    enter_queue(session, sid(5), "kempen-zuid", at(-600))
    leave_queue(session, sid(5), at(10), "hangup")
    mark_answered(session, sid(3), "101", 20, at(60))
    enter_queue(session, sid(6), "elders", at(0))
    ids = ["voorkempen", "kempen-zuid", "nobody-waits"]

    together = queues_now(session, ids, at(120.5))

    assert together == {"voorkempen": QueueNow(1, 120), "kempen-zuid": QueueNow(0, 70)}
    for helpdesk in ids:
        own = QueueNow(returning_waiting(session, helpdesk), longest_wait(session, helpdesk, at(120.5)))
        assert together.get(helpdesk, QueueNow(0, None)) == own
