"""Queue changes of many calls in one batch, as the webhooks' write-behind applies them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from calls import QueueChanges, QueueEntry, apply_queue_changes, line_state

T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def _at(seconds: int) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def _entry(session: Session, call_sid: str) -> tuple[object, ...]:
    row = session.execute(select(QueueEntry).where(QueueEntry.call_sid == call_sid)).scalar_one()
    return (row.helpdesk_id, row.enqueued_at, row.left_at, row.result, row.answered_by, row.queue_time)


def test_a_batch_applies_each_call_in_its_own_order(session: Session) -> None:
    # Handed in out of order: the departure first, as a batch may hold them.
    changes = QueueChanges(
        entered=[
            {"call_sid": "CA1", "helpdesk_id": "voorkempen", "now": _at(0)},
            {"call_sid": "CA2", "helpdesk_id": "voorkempen", "now": _at(1)},
            {"call_sid": "CA3", "helpdesk_id": "voorkempen", "now": _at(2)},
        ],
        answered=[{"call_sid": "CA2", "agent": "101", "queue_time": 30, "now": _at(31)}],
        left=[{"call_sid": "CA1", "now": _at(40), "result": "hangup"}],
    )
    apply_queue_changes(session, changes)
    assert _entry(session, "CA1") == ("voorkempen", _at(0), _at(40), "hangup", None, None)
    assert _entry(session, "CA2") == ("voorkempen", _at(1), None, None, "101", 30)
    assert line_state(session, "voorkempen").callers_waiting == 1  # CA3


def test_the_first_answer_and_the_first_departure_win(session: Session) -> None:
    apply_queue_changes(
        session,
        QueueChanges(
            entered=[{"call_sid": "CA1", "helpdesk_id": "voorkempen", "now": _at(0)}], answered=[], left=[]
        ),
    )
    for agent, left in (("101", "bridged"), ("102", "completed")):
        apply_queue_changes(
            session,
            QueueChanges(
                entered=[{"call_sid": "CA1", "helpdesk_id": "voorkempen", "now": _at(5)}],
                answered=[{"call_sid": "CA1", "agent": agent, "queue_time": 20, "now": _at(20)}],
                left=[{"call_sid": "CA1", "now": _at(90), "result": left, "helpdesk_id": "voorkempen"}],
            ),
        )
    assert _entry(session, "CA1") == ("voorkempen", _at(0), _at(90), "bridged", "101", 20)


def test_a_departure_before_its_arrival_keeps_the_call_out_of_the_queue(session: Session) -> None:
    # Another instance wrote the caller's hang-up before this one wrote the arrival.
    left = {"call_sid": "CA9", "now": _at(3), "result": "completed", "helpdesk_id": "voorkempen"}
    apply_queue_changes(session, QueueChanges(entered=[], answered=[], left=[left]))
    entered = {"call_sid": "CA9", "helpdesk_id": "voorkempen", "now": _at(1)}
    apply_queue_changes(session, QueueChanges(entered=[entered], answered=[], left=[]))
    assert _entry(session, "CA9") == ("voorkempen", _at(3), _at(3), "completed", None, None)
    assert line_state(session, "voorkempen").callers_waiting == 0


def test_a_departure_without_its_helpdesk_only_updates(session: Session) -> None:
    # As spooled before departures carried the helpdesk: nothing to stand in for.
    left = {"call_sid": "CA7", "now": _at(3), "result": "completed"}
    apply_queue_changes(session, QueueChanges(entered=[], answered=[], left=[left]))
    assert session.execute(select(QueueEntry)).scalars().all() == []


def test_repeats_of_one_call_within_a_batch_keep_the_first(session: Session) -> None:
    # Twilio's retries and the status callback can put two changes of one kind to one call into
    # the same batch; applied together they give what one after the other would.
    desk = "voorkempen"
    apply_queue_changes(
        session,
        QueueChanges(
            entered=[
                {"call_sid": "CA1", "helpdesk_id": desk, "now": _at(0)},
                {"call_sid": "CA1", "helpdesk_id": desk, "now": _at(2)},
                {"call_sid": "CA2", "helpdesk_id": desk, "now": _at(1)},
            ],
            answered=[
                {"call_sid": "CA1", "agent": "101", "queue_time": 20, "now": _at(20)},
                {"call_sid": "CA1", "agent": "102", "queue_time": 21, "now": _at(21)},
            ],
            left=[
                {"call_sid": "CA1", "now": _at(90), "result": "bridged", "helpdesk_id": desk},
                {"call_sid": "CA1", "now": _at(91), "result": "completed", "helpdesk_id": desk},
                {"call_sid": "CA2", "now": _at(30), "result": "hangup"},
                {"call_sid": "CA2", "now": _at(31), "result": "completed"},
            ],
        ),
    )
    assert _entry(session, "CA1") == (desk, _at(0), _at(90), "bridged", "101", 20)
    assert _entry(session, "CA2") == (desk, _at(1), _at(30), "hangup", None, None)


def test_a_large_batch_is_applied_whole(session: Session) -> None:
    calls = [f"CA{number:032d}" for number in range(3000)]
    apply_queue_changes(
        session,
        QueueChanges(
            entered=[{"call_sid": sid, "helpdesk_id": "voorkempen", "now": _at(0)} for sid in calls],
            answered=[{"call_sid": sid, "agent": "101", "now": _at(9)} for sid in calls[:1000]],
            left=[{"call_sid": sid, "now": _at(10), "result": "hangup"} for sid in calls[1000:1500]],
        ),
    )
    assert line_state(session, "voorkempen").callers_waiting == 1500
    assert _entry(session, calls[0]) == ("voorkempen", _at(0), None, None, "101", None)
    assert _entry(session, calls[1200]) == ("voorkempen", _at(0), _at(10), "hangup", None, None)
