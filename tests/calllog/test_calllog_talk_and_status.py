"""Talk time from the requests Twilio documents, and status callbacks with or without SequenceNumber."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calllog import CallEvent
from tests.calllog.conftest import Ev, add, local, offer, play, record, sid

ARRIVED = local("2026-12-02 10:00:00")
DESK = "voorkempen"
CONNECTED = Ev("connected", 52, {"agent": "an", "wait_s": 42})


def plain_status(after_s: int, call_status: str = "completed", duration: int | None = None) -> Ev:
    """A number's plain status callback: no SequenceNumber."""
    return Ev("status", after_s, {"status": call_status, "sequence": None, "duration_s": duration})


def bridged(after_s: int, result: str = "bridged") -> Ev:
    return Ev("left_queue", after_s, {"result": result, "wait_s": 42})


TALK = [
    pytest.param([CONNECTED, bridged(147)], 95, id="queue-url-to-the-bridged-enqueue-action"),
    pytest.param(
        [CONNECTED, bridged(147), plain_status(150, duration=150)],
        95,
        id="the-action-ends-the-talk-not-the-call",
    ),
    pytest.param([CONNECTED, plain_status(160, duration=160)], 108, id="no-action-the-final-status-ends-it"),
    pytest.param(
        [CONNECTED, Ev("status", 160, {"status": "completed", "sequence": 3, "duration_s": 160})],
        108,
        id="no-action-the-final-sequenced-status-ends-it",
    ),
    pytest.param(
        [
            CONNECTED,
            Ev(
                "status",
                170,
                {"status": "completed", "sequence": None, "timestamp": "Wed, 02 Dec 2026 09:02:32 +0000"},
            ),
        ],
        100,
        id="twilio-timestamp-ends-it",
    ),
    pytest.param(
        [CONNECTED, bridged(148), Ev("talk_ended", 148, {"agent": "an", "talk_s": 95})],
        95,
        id="dial-call-duration-preferred-when-sent",
    ),
    pytest.param(
        [CONNECTED, bridged(100, "redirected-from-bridged")], 48, id="redirected-during-the-conversation"
    ),
    pytest.param([CONNECTED], None, id="conversation-still-going"),
    pytest.param(
        [CONNECTED, Ev("status", 60, {"status": "in-progress", "sequence": 1})], None, id="not-final"
    ),
    pytest.param([CONNECTED, bridged(55, "hangup")], None, id="hung-up-before-the-bridge"),
    pytest.param([bridged(147)], None, id="bridged-without-queue-url-request"),
]


@pytest.mark.parametrize(("events", "talk"), TALK)
def test_talk_time_is_from_the_queue_url_request_to_the_end_of_the_conversation(
    session: Session, events: list[Ev], talk: int | None
) -> None:
    play(session, sid(1), DESK, ARRIVED, [Ev("entered_queue", 0), *events])
    row = record(session, sid(1))
    assert (row.outcome, row.talk_s) == ("answered", talk)


def test_a_caller_gone_during_the_welcome_with_a_plain_status_callback_is_abandoned(session: Session) -> None:
    play(session, sid(2), DESK, ARRIVED, [Ev("entered_queue", 0), plain_status(8, duration=8)])
    row = record(session, sid(2))
    assert (
        row.outcome,
        row.wait_s,
        row.call_status,
        row.call_duration_s,
        row.ended_at,
        row.last_sequence,
    ) == (
        "abandoned",
        0,
        "completed",
        8,
        (ARRIVED + timedelta(seconds=8)).astimezone(UTC),
        -1,
    )


def test_a_retried_plain_status_is_stored_once(session: Session) -> None:
    offer(session, sid(3), DESK, ARRIVED)
    add(session, sid(3), DESK, ARRIVED, Ev("entered_queue", 0))
    first = add(session, sid(3), DESK, ARRIVED, plain_status(8, duration=8))
    again = add(session, sid(3), DESK, ARRIVED, plain_status(11, duration=8))
    other = add(session, sid(3), DESK, ARRIVED, plain_status(12, "canceled"))
    keys = session.execute(
        select(CallEvent.dedupe).where(CallEvent.call_sid == sid(3), CallEvent.kind == "status")
    ).scalars()

    assert (first, again, other) == (True, False, True)
    assert sorted(keys) == ["status:canceled", "status:completed"]
    assert session.execute(select(func.count()).select_from(CallEvent)).scalar_one() == 4


MIXED = [
    Ev("offered"),
    Ev("entered_queue", 0),
    Ev("status", 0, {"status": "ringing", "sequence": 1}),
    Ev("status", 1, {"status": "in-progress", "sequence": 2}),
    plain_status(30, duration=30),
]


@pytest.mark.parametrize(
    "events",
    list(itertools.permutations(MIXED)),
    ids=lambda events: "-".join(f"{e.kind}{e.data.get('sequence', '')}" for e in events),
)
def test_statuses_with_and_without_sequence_give_one_record_in_every_order(
    session: Session, events: tuple[Ev, ...]
) -> None:
    for event in events:
        if event.kind == "offered":
            offer(session, sid(4), DESK, ARRIVED)
        else:
            add(session, sid(4), DESK, ARRIVED, event)
    row = record(session, sid(4))
    assert (row.outcome, row.call_status, row.call_duration_s, row.ended_at, row.last_sequence) == (
        "abandoned",
        "completed",
        30,
        datetime(2026, 12, 2, 9, 0, 30, tzinfo=UTC),
        2,
    )
