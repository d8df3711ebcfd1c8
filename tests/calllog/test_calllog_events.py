"""Call events: one outcome per call, whatever order Twilio's callbacks arrive in, retries ignored."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calllog import CallEvent, CallRecord, local_arrival, new_event, record_event, record_events
from tests.calllog.conftest import (
    BRUSSELS,
    Ev,
    abandoned,
    add,
    answered,
    local,
    offer,
    overflowed,
    play,
    record,
    sid,
    status,
)

ARRIVED = local("2026-12-02 10:00:00")
DESK = "voorkempen"
FIELDS = (
    "helpdesk_id",
    "arrived_at",
    "arrival_date",
    "arrival_minute",
    "open_on_arrival",
    "outcome",
    "overflow_reason",
    "entered_queue",
    "wait_s",
    "answered_by",
    "talk_s",
    "central_status",
    "call_status",
    "call_duration_s",
    "ended_at",
    "last_sequence",
)


def fields(row: CallRecord) -> dict[str, object]:
    return {name: getattr(row, name) for name in FIELDS}


def expected(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "helpdesk_id": DESK,
        "arrived_at": ARRIVED.astimezone(UTC),
        "arrival_date": date(2026, 12, 2),
        "arrival_minute": 600,
        "open_on_arrival": True,
        "outcome": "in_progress",
        "overflow_reason": None,
        "entered_queue": False,
        "wait_s": None,
        "answered_by": None,
        "talk_s": None,
        "central_status": None,
        "call_status": None,
        "call_duration_s": None,
        "ended_at": None,
        "last_sequence": -1,
    }
    return base | changes


def _ended(after_s: int) -> datetime:
    return (ARRIVED + timedelta(seconds=after_s)).astimezone(UTC)


SCENARIOS = [
    pytest.param([], expected(), id="offered-only"),
    pytest.param(
        answered(wait=42, talk=95),
        expected(
            outcome="answered",
            entered_queue=True,
            wait_s=42,
            answered_by="an",
            talk_s=95,
            call_status="completed",
            call_duration_s=300,
            ended_at=_ended(300),
            last_sequence=0,
        ),
        id="answered",
    ),
    pytest.param(
        abandoned(wait=37),
        expected(
            outcome="abandoned",
            entered_queue=True,
            wait_s=37,
            call_status="completed",
            call_duration_s=300,
            ended_at=_ended(300),
            last_sequence=0,
        ),
        id="abandoned-in-queue",
    ),
    pytest.param(
        abandoned(wait=None),
        expected(
            outcome="abandoned",
            entered_queue=True,
            wait_s=0,
            call_status="completed",
            call_duration_s=300,
            ended_at=_ended(300),
            last_sequence=0,
        ),
        id="abandoned-during-welcome-waited-nothing",
    ),
    pytest.param(
        [
            *overflowed("wait_timeout", wait=180),
            Ev("central_result", 250, {"status": "busy", "duration_s": 0}),
        ],
        expected(
            outcome="overflowed",
            overflow_reason="wait_timeout",
            entered_queue=True,
            wait_s=180,
            central_status="busy",
            call_status="completed",
            call_duration_s=300,
            ended_at=_ended(300),
            last_sequence=0,
        ),
        id="overflow-after-waiting-central-busy",
    ),
    pytest.param(
        [Ev("overflow", 0, {"reason": "no_agents"}), Ev("closing_message", 30)],
        expected(outcome="overflowed", overflow_reason="no_agents"),
        id="overflow-beats-closing-after-central-failed",
    ),
    pytest.param(
        [Ev("closing_message", 0), status(0, after_s=40, duration=40)],
        expected(
            outcome="closing_message",
            call_status="completed",
            call_duration_s=40,
            ended_at=_ended(40),
            last_sequence=0,
        ),
        id="closing-message",
    ),
    pytest.param(
        [
            Ev("entered_queue", 10),
            Ev("left_queue", 190, {"result": "leave", "wait_s": 180}),
            Ev("closing_message", 190),
            status(0, after_s=220, duration=220),
        ],
        expected(
            outcome="closing_message",
            entered_queue=True,
            wait_s=180,
            call_status="completed",
            call_duration_s=220,
            ended_at=_ended(220),
            last_sequence=0,
        ),
        id="taken-out-of-the-queue-to-the-closing-message-is-not-abandoned",
    ),
    pytest.param(
        [Ev("busy_message", 0), Ev("closing_message", 1)],
        expected(outcome="busy_message"),
        id="busy-beats-closing",
    ),
    pytest.param(
        [Ev("entered_queue", 10), Ev("left_queue", 70, {"result": "bridged", "wait_s": 60})],
        expected(outcome="answered", entered_queue=True, wait_s=60),
        id="bridged-without-connected-event",
    ),
    pytest.param(
        [Ev("entered_queue", 10), Ev("abandoned", 14, {"wait_s": 4})],
        expected(outcome="abandoned", entered_queue=True, wait_s=4),
        id="abandoned-event",
    ),
    pytest.param(
        [Ev("entered_queue", 10), Ev("error", 11, {"where": "wait"})],
        expected(entered_queue=True),
        id="still-waiting-error-changes-nothing",
    ),
]


@pytest.mark.parametrize(("events", "want"), SCENARIOS)
def test_the_events_of_a_call_give_its_record(
    session: Session, events: list[Ev], want: dict[str, object]
) -> None:
    play(session, sid(1), DESK, ARRIVED, events)
    assert fields(record(session, sid(1))) == want


ANSWERED_OUT_OF_ORDER = [
    Ev("offered"),
    Ev("connected", 52, {"agent": "an", "wait_s": 42}),
    Ev("talk_ended", 147, {"agent": "an", "talk_s": 95}),
    Ev("status", 150, {"status": "completed", "sequence": 2, "duration_s": 150}),
    Ev("status", 1, {"status": "in-progress", "sequence": 1, "duration_s": None}),
]


def _record_all(session: Session, call: str, events: tuple[Ev, ...]) -> None:
    for event in events:
        if event.kind == "offered":
            offer(session, call, DESK, ARRIVED)
        else:
            add(session, call, DESK, ARRIVED, event)


@pytest.mark.parametrize(
    "events",
    list(itertools.permutations(ANSWERED_OUT_OF_ORDER)),
    ids=lambda events: "-".join(f"{event.kind}{event.data.get('sequence', '')}" for event in events),
)
def test_the_outcome_does_not_depend_on_the_order_of_arrival(
    session: Session, events: tuple[Ev, ...]
) -> None:
    _record_all(session, sid(7), events)

    assert fields(record(session, sid(7))) == expected(
        outcome="answered",
        entered_queue=True,
        wait_s=42,
        answered_by="an",
        talk_s=95,
        call_status="completed",
        call_duration_s=150,
        ended_at=_ended(150),
        last_sequence=2,
    )


def test_an_overflow_after_the_final_status_still_wins_in_every_order(session: Session) -> None:
    events = [
        Ev("offered"),
        Ev("entered_queue", 10),
        Ev("left_queue", 190, {"result": "leave", "wait_s": 180}),
        Ev("overflow", 190, {"reason": "wait_timeout"}),
        Ev("status", 260, {"status": "completed", "sequence": 0, "duration_s": 260}),
    ]
    records = []
    for number, order in enumerate(itertools.permutations(events)):
        _record_all(session, sid(100 + number), order)
        records.append(fields(record(session, sid(100 + number))))

    assert len(records) == 120
    assert all(
        row
        == expected(
            outcome="overflowed",
            overflow_reason="wait_timeout",
            entered_queue=True,
            wait_s=180,
            call_status="completed",
            call_duration_s=260,
            ended_at=_ended(260),
            last_sequence=0,
        )
        for row in records
    )


def _event_count(session: Session, call: str) -> int:
    return session.execute(
        select(func.count()).select_from(CallEvent).where(CallEvent.call_sid == call)
    ).scalar_one()


def test_a_retried_event_is_stored_once_and_changes_nothing(session: Session) -> None:
    events = [*answered(wait=42, talk=95), Ev("central_result", 5, {"status": "completed", "duration_s": 10})]
    assert offer(session, sid(2), DESK, ARRIVED) is True
    first = [add(session, sid(2), DESK, ARRIVED, event) for event in events]
    before = fields(record(session, sid(2)))

    assert offer(session, sid(2), DESK, ARRIVED + timedelta(seconds=9), open_=False) is False
    again = [add(session, sid(2), DESK, ARRIVED + timedelta(seconds=30), event) for event in events]
    different_payload = add(session, sid(2), DESK, ARRIVED, Ev("connected", 99, {"agent": "bo", "wait_s": 7}))

    assert first == [True] * len(events)
    assert again == [False] * len(events)
    assert different_payload is False
    assert fields(record(session, sid(2))) == before
    assert _event_count(session, sid(2)) == len(events) + 1


def test_a_lower_status_sequence_never_overrides_a_higher_one(session: Session) -> None:
    offer(session, sid(3), DESK, ARRIVED)
    add(session, sid(3), DESK, ARRIVED, status(3, "completed", after_s=200, duration=200))
    add(session, sid(3), DESK, ARRIVED, status(1, "ringing", after_s=1, duration=None))
    add(session, sid(3), DESK, ARRIVED, status(2, "in-progress", after_s=2, duration=2))
    after_stale = record(session, sid(3))
    stale = (
        after_stale.call_status,
        after_stale.call_duration_s,
        after_stale.ended_at,
        after_stale.last_sequence,
    )

    add(session, sid(3), DESK, ARRIVED, status(4, "completed", after_s=210, duration=210))
    newer = record(session, sid(3))

    assert stale == ("completed", 200, _ended(200), 3)
    assert (newer.call_status, newer.call_duration_s, newer.ended_at, newer.last_sequence) == (
        "completed",
        210,
        _ended(210),
        4,
    )


def test_twilio_timestamp_is_the_end_of_the_call(session: Session) -> None:
    offer(session, sid(4), DESK, ARRIVED)
    stamp = "Wed, 02 Dec 2026 09:04:05 +0000"
    add(
        session,
        sid(4),
        DESK,
        ARRIVED,
        Ev("status", 600, {"status": "completed", "sequence": 0, "duration_s": 245, "timestamp": stamp}),
    )
    assert record(session, sid(4)).ended_at == datetime(2026, 12, 2, 9, 4, 5, tzinfo=UTC)


def test_an_event_before_the_arrival_makes_a_minimal_record_that_offered_completes(session: Session) -> None:
    add(session, sid(5), DESK, ARRIVED, Ev("entered_queue", 10))
    add(session, sid(5), DESK, ARRIVED, status(0, after_s=50))
    minimal = record(session, sid(5))
    before = (
        minimal.arrival_date,
        minimal.caller_masked,
        minimal.outcome,
        minimal.wait_s,
        minimal.arrived_at,
    )

    offer(session, sid(5), DESK, ARRIVED)
    complete = record(session, sid(5))

    assert before == (None, None, "abandoned", 0, (ARRIVED + timedelta(seconds=10)).astimezone(UTC))
    assert fields(complete) == expected(
        outcome="abandoned",
        entered_queue=True,
        wait_s=0,
        call_status="completed",
        call_duration_s=300,
        ended_at=_ended(50),
        last_sequence=0,
    )
    assert complete.caller_masked == "+32 4** ** ** 56"


def test_the_offered_event_keeps_no_number(session: Session) -> None:
    offer(session, sid(6), DESK, ARRIVED)
    data = session.execute(select(CallEvent.data).where(CallEvent.call_sid == sid(6))).scalar_one()
    assert data == '{"arrival_date":"2026-12-02","arrival_minute":600,"open_on_arrival":true}'


@pytest.mark.parametrize(
    ("kind", "data", "error", "match"),
    [
        pytest.param("ringing", {}, ValueError, "unknown call event kind 'ringing'", id="unknown-kind"),
        pytest.param("overflow", {}, ValueError, "overflow events need reason", id="missing-field"),
        pytest.param(
            "abandoned", {"wait_s": "12"}, TypeError, "abandoned.wait_s must be int", id="text-seconds"
        ),
        pytest.param(
            "connected", {"wait_s": True}, TypeError, "connected.wait_s must be int", id="flag-seconds"
        ),
        pytest.param(
            "closing_message",
            {"reason": "x"},
            ValueError,
            "closing_message events do not carry reason",
            id="unknown-field",
        ),
        pytest.param("offered", {}, TypeError, "offered events need caller", id="offered-without-caller"),
        pytest.param(
            "overflow", {"reason": "busy"}, ValueError, "unknown overflow reason 'busy'", id="bad-reason"
        ),
        pytest.param(
            "entered_queue", {"dedupe": "x" * 41}, ValueError, "dedupe must be 1 to 40", id="long-dedupe"
        ),
    ],
)
def test_malformed_events_are_refused(
    session: Session, kind: str, data: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        record_event(session, call_sid=sid(8), helpdesk_id=DESK, kind=kind, at=ARRIVED, **data)


def test_naive_times_are_refused(session: Session) -> None:
    naive = datetime(2026, 12, 2, 10)  # noqa: DTZ001  # the mistake under test
    with pytest.raises(ValueError, match="naive datetime"):
        record_event(session, call_sid=sid(9), helpdesk_id=DESK, kind="entered_queue", at=naive)


def test_negative_seconds_from_twilio_count_as_unknown(session: Session) -> None:
    play(
        session,
        sid(10),
        DESK,
        ARRIVED,
        [Ev("entered_queue", 1), Ev("left_queue", 9, {"result": "hangup", "wait_s": -1})],
    )
    assert (record(session, sid(10)).outcome, record(session, sid(10)).wait_s) == ("abandoned", 0)


@pytest.mark.parametrize(
    ("at", "day", "minute"),
    [
        pytest.param("2026-12-02T00:00:00+01:00", date(2026, 12, 2), 0, id="midnight"),
        pytest.param("2026-12-02T23:59:59+01:00", date(2026, 12, 2), 1439, id="last-second"),
        pytest.param("2026-03-29T03:30:00+02:00", date(2026, 3, 29), 150, id="spring-after-the-gap"),
        pytest.param("2026-10-25T02:30:00+02:00", date(2026, 10, 25), 150, id="autumn-first-02:30"),
        pytest.param("2026-10-25T02:30:00+01:00", date(2026, 10, 25), 210, id="autumn-second-02:30"),
        pytest.param("2026-10-25T23:59:00+01:00", date(2026, 10, 25), 1499, id="autumn-25th-hour"),
    ],
)
def test_local_arrival_counts_real_minutes_since_local_midnight(at: str, day: date, minute: int) -> None:
    assert local_arrival(datetime.fromisoformat(at), BRUSSELS) == (day, minute)


def test_records_are_kept_per_call(session: Session) -> None:
    play(session, sid(11), DESK, ARRIVED, abandoned(wait=3))
    play(session, sid(12), "kempen-zuid", ARRIVED, answered(wait=8, talk=20))
    outcomes = session.execute(
        select(CallRecord.call_sid, CallRecord.helpdesk_id, CallRecord.outcome).order_by(CallRecord.call_sid)
    ).all()
    assert [tuple(row) for row in outcomes] == [
        (sid(11), DESK, "abandoned"),
        (sid(12), "kempen-zuid", "answered"),
    ]


def test_overlong_values_from_twilio_are_clipped_not_refused(session: Session) -> None:
    play(
        session,
        sid(13),
        DESK,
        ARRIVED,
        [
            Ev("connected", 5, {"agent": "a" * 150, "wait_s": 5}),
            Ev("status", 9, {"status": "s" * 40, "sequence": 0, "duration_s": 9}),
        ],
    )
    row = record(session, sid(13))
    assert (row.answered_by, row.call_status) == ("a" * 100, "s" * 32)


def test_a_large_batch_gives_the_records_one_event_at_a_time_gives(session: Session) -> None:
    # The write-behind stores a batch of many calls' events at once (one array per column on
    # PostgreSQL); repeats inside the batch count once, as they do one after the other.
    calls = [sid(1000 + number) for number in range(1500)]
    at = ARRIVED.astimezone(UTC)
    arrival = local_arrival(ARRIVED, BRUSSELS)
    batch = []
    for number, call in enumerate(calls):
        batch += [
            new_event(
                call_sid=call,
                helpdesk_id=DESK,
                kind="offered",
                at=at,
                caller="+32470000000",
                hash_key=b"k",
                arrival_date=arrival.date,
                arrival_minute=arrival.minute,
                open_on_arrival=True,
            ),
            new_event(call_sid=call, helpdesk_id=DESK, kind="entered_queue", at=at + timedelta(seconds=5)),
            new_event(
                call_sid=call,
                helpdesk_id=DESK,
                kind="abandoned",
                at=at + timedelta(seconds=9),
                wait_s=number % 60,
            ),
        ]
        batch.append(batch[-1])  # a retried webhook
    assert record_events(session, batch) == 3 * len(calls)
    assert session.execute(select(func.count()).select_from(CallEvent)).scalar_one() == 3 * len(calls)
    assert record_events(session, batch[:8]) == 0
    rows = session.execute(select(CallRecord).order_by(CallRecord.call_sid)).scalars().all()
    assert [row.call_sid for row in rows] == calls
    assert {(row.outcome, row.entered_queue, row.caller_masked is not None) for row in rows} == {
        ("abandoned", True, True)
    }
    assert [row.wait_s for row in rows] == [number % 60 for number in range(len(calls))]
