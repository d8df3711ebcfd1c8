"""The projection alone, without a database: a call's events in, its record out, in every order."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from calllog import FINAL_STATUSES, Event, Projection, project
from calllog.projection import JsonValue

ARRIVED = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # 10:00 in Brussels: minute 600 of the local day
DESK = "voorkempen"


def at(after_s: int) -> datetime:
    return ARRIVED + timedelta(seconds=after_s)


def ev(kind: str, after_s: int = 0, key: str | None = None, **data: JsonValue) -> Event:
    """An event as the store hands it back: its data as JSON gave it (dates as text)."""
    return Event(at(after_s), kind, key or kind, DESK, data)


def status(
    sequence: int | None, call_status: str = "completed", after_s: int = 300, duration: int | None = 300
) -> Event:
    key = f"status:{call_status if sequence is None else sequence}"
    return ev("status", after_s, key, status=call_status, sequence=sequence, duration_s=duration)


OFFERED = ev("offered", arrival_date="2026-12-02", arrival_minute=600, open_on_arrival=True)
QUEUED = ev("entered_queue", 10)
CONNECTED = ev("connected", 52, agent="an", wait_s=42)
COMPLETED = status(0)
OFFERED_ONLY = Projection(
    helpdesk_id=DESK,
    arrived_at=ARRIVED,
    arrival_date=date(2026, 12, 2),
    arrival_minute=600,
    open_on_arrival=True,
    outcome="in_progress",
    overflow_reason=None,
    entered_queue=False,
    wait_s=None,
    answered_by=None,
    talk_s=None,
    central_status=None,
    call_status=None,
    call_duration_s=None,
    ended_at=None,
    last_sequence=-1,
    returning_attempt_id=None,
)
# What COMPLETED adds to a record.
ENDED: dict[str, Any] = {
    "call_status": "completed",
    "call_duration_s": 300,
    "ended_at": at(300),
    "last_sequence": 0,
}


def record(**changes: Any) -> Projection:
    return replace(OFFERED_ONLY, **changes)


def left(after_s: int, result: str, wait: int | None) -> Event:
    return ev("left_queue", after_s, result=result, wait_s=wait)


ROWS = [
    pytest.param([OFFERED], OFFERED_ONLY, id="offered-only"),
    pytest.param(
        [ev("offered", arrival_date="2026-12-02", arrival_minute=600, open_on_arrival=False)],
        record(open_on_arrival=False),
        id="offered-while-closed",
    ),
    # Answered, and where the talk time comes from.
    pytest.param(
        [
            OFFERED,
            QUEUED,
            CONNECTED,
            left(147, "bridged", 42),
            ev("talk_ended", 148, agent="an", talk_s=95),
            COMPLETED,
        ],
        record(outcome="answered", entered_queue=True, wait_s=42, answered_by="an", talk_s=95, **ENDED),
        id="answered-talk-from-dial-call-duration",
    ),
    pytest.param(
        [OFFERED, QUEUED, CONNECTED, left(147, "bridged", 42), COMPLETED],
        record(outcome="answered", entered_queue=True, wait_s=42, answered_by="an", talk_s=95, **ENDED),
        id="answered-talk-to-the-bridged-enqueue-action",
    ),
    pytest.param(
        [OFFERED, QUEUED, CONNECTED, COMPLETED],
        record(outcome="answered", entered_queue=True, wait_s=42, answered_by="an", talk_s=248, **ENDED),
        id="answered-talk-to-the-end-of-the-call",
    ),
    pytest.param(
        [OFFERED, QUEUED, CONNECTED, left(100, "redirected-from-bridged", 42)],
        record(outcome="answered", entered_queue=True, wait_s=42, answered_by="an", talk_s=48),
        id="answered-then-redirected",
    ),
    pytest.param(
        [OFFERED, QUEUED, CONNECTED, status(1, "in-progress", after_s=60, duration=None)],
        record(
            outcome="answered",
            entered_queue=True,
            wait_s=42,
            answered_by="an",
            call_status="in-progress",
            last_sequence=1,
        ),
        id="answered-still-talking",
    ),
    pytest.param(
        [OFFERED, QUEUED, CONNECTED, left(55, "hangup", 42), COMPLETED],
        record(outcome="answered", entered_queue=True, wait_s=42, answered_by="an", **ENDED),
        id="answered-hung-up-before-the-bridge-no-talk-time",
    ),
    pytest.param(
        [OFFERED, QUEUED, left(70, "bridged", 60), ev("talk_ended", 100, agent="bo", talk_s=30)],
        record(outcome="answered", entered_queue=True, wait_s=60, answered_by="bo", talk_s=30),
        id="bridged-without-queue-url-request",
    ),
    pytest.param(
        [OFFERED, QUEUED, ev("connected", 52, agent="an", wait_s=None), left(147, "bridged", 44)],
        record(outcome="answered", entered_queue=True, wait_s=44, answered_by="an", talk_s=95),
        id="answered-wait-from-the-enqueue-action",
    ),
    pytest.param(
        [
            OFFERED,
            QUEUED,
            ev("connected", 30, "connected:2", agent="bo", wait_s=20),
            ev("connected", 20, agent="an", wait_s=10),
        ],
        record(outcome="answered", entered_queue=True, wait_s=10, answered_by="an"),
        id="two-events-of-a-kind-the-earlier-counts",
    ),
    # A citizen ringing back after a call of ours they missed (playbook 1.5.2).
    pytest.param(
        [OFFERED, ev("returning_outbound", 0, attempt_id=17), QUEUED, CONNECTED, COMPLETED],
        record(
            outcome="answered",
            entered_queue=True,
            wait_s=42,
            answered_by="an",
            talk_s=248,
            returning_attempt_id=17,
            **ENDED,
        ),
        id="returning-caller-answered",
    ),
    pytest.param(
        [OFFERED, ev("returning_outbound", 0, attempt_id=9), ev("overflow", 0, reason="closed")],
        record(outcome="overflowed", overflow_reason="closed", returning_attempt_id=9),
        id="returning-caller-while-closed-still-linked",
    ),
    # Overflowed to central, for each reason.
    pytest.param(
        [OFFERED, ev("overflow", 0, reason="closed"), COMPLETED],
        record(outcome="overflowed", overflow_reason="closed", **ENDED),
        id="overflow-closed",
    ),
    pytest.param(
        [OFFERED, ev("overflow", 0, reason="queue_full"), COMPLETED],
        record(outcome="overflowed", overflow_reason="queue_full", **ENDED),
        id="overflow-queue-full",
    ),
    pytest.param(
        [OFFERED, ev("overflow", 0, reason="no_agents"), COMPLETED],
        record(outcome="overflowed", overflow_reason="no_agents", **ENDED),
        id="overflow-no-agents-on-arrival",
    ),
    pytest.param(
        [OFFERED, QUEUED, left(40, "leave", 30), ev("overflow", 40, reason="no_agents"), COMPLETED],
        record(outcome="overflowed", overflow_reason="no_agents", entered_queue=True, wait_s=30, **ENDED),
        id="overflow-no-agents-while-waiting",
    ),
    pytest.param(
        [
            OFFERED,
            QUEUED,
            left(190, "leave", 180),
            ev("overflow", 190, reason="wait_timeout"),
            ev("central_result", 250, status="busy", duration_s=0),
            COMPLETED,
        ],
        record(
            outcome="overflowed",
            overflow_reason="wait_timeout",
            entered_queue=True,
            wait_s=180,
            central_status="busy",
            **ENDED,
        ),
        id="overflow-wait-timeout-central-busy",
    ),
    pytest.param(
        [
            OFFERED,
            ev("overflow", 0, reason="error"),
            ev("central_result", 30, status="completed", duration_s=25),
        ],
        record(outcome="overflowed", overflow_reason="error", central_status="completed"),
        id="overflow-error-central-answered",
    ),
    pytest.param(
        [OFFERED, ev("overflow", 0, reason="no_agents"), ev("closing_message", 30)],
        record(outcome="overflowed", overflow_reason="no_agents"),
        id="overflow-outranks-the-closing-message-after-central-failed",
    ),
    pytest.param(
        [OFFERED, QUEUED, CONNECTED, ev("overflow", 60, reason="error")],
        record(
            outcome="overflowed", overflow_reason="error", entered_queue=True, wait_s=42, answered_by="an"
        ),
        id="overflow-outranks-answered",
    ),
    # The messages that end a call.
    pytest.param(
        [OFFERED, ev("closing_message", 0), status(0, after_s=40, duration=40)],
        record(
            outcome="closing_message",
            call_status="completed",
            call_duration_s=40,
            ended_at=at(40),
            last_sequence=0,
        ),
        id="closing-message",
    ),
    pytest.param(
        [OFFERED, ev("busy_message", 0), COMPLETED],
        record(outcome="busy_message", **ENDED),
        id="busy-message",
    ),
    pytest.param(
        [OFFERED, ev("busy_message", 0), ev("closing_message", 1)],
        record(outcome="busy_message"),
        id="busy-outranks-closing",
    ),
    pytest.param(
        [OFFERED, QUEUED, left(190, "leave", 180), ev("closing_message", 190), COMPLETED],
        record(outcome="closing_message", entered_queue=True, wait_s=180, **ENDED),
        id="taken-out-of-the-queue-to-the-closing-message-is-not-abandoned",
    ),
    # Abandoned.
    pytest.param(
        [OFFERED, QUEUED, left(47, "hangup", 37), COMPLETED],
        record(outcome="abandoned", entered_queue=True, wait_s=37, **ENDED),
        id="abandoned-in-queue",
    ),
    pytest.param(
        [OFFERED, QUEUED, left(47, "hangup", 37)],
        record(outcome="abandoned", entered_queue=True, wait_s=37),
        id="abandoned-before-the-final-status",
    ),
    pytest.param(
        [OFFERED, QUEUED, COMPLETED],
        record(outcome="abandoned", entered_queue=True, wait_s=0, **ENDED),
        id="abandoned-during-the-welcome-waited-nothing",
    ),
    pytest.param(
        [OFFERED, QUEUED, status(None, after_s=30, duration=None)],
        record(outcome="abandoned", entered_queue=True, wait_s=0, call_status="completed", ended_at=at(30)),
        id="abandoned-during-the-welcome-plain-status-callback",
    ),
    pytest.param(
        [OFFERED, QUEUED, ev("abandoned", 14, wait_s=4)],
        record(outcome="abandoned", entered_queue=True, wait_s=4),
        id="abandoned-event",
    ),
    pytest.param(
        [OFFERED, QUEUED, left(19, "hangup", None)],
        record(outcome="abandoned", entered_queue=True, wait_s=0),
        id="abandoned-with-an-unknown-wait-waited-nothing",
    ),
    # Neither answered nor ended.
    pytest.param(
        [OFFERED, QUEUED, ev("error", 11, "error:wait", where="wait")],
        record(entered_queue=True),
        id="still-waiting-an-error-changes-nothing",
    ),
    pytest.param(
        [OFFERED, COMPLETED],
        record(**ENDED),
        id="ended-before-the-queue-without-a-message",
    ),
    # Status callbacks.
    pytest.param(
        [status(0, after_s=50)],
        record(
            arrived_at=at(50),
            arrival_date=None,
            arrival_minute=None,
            open_on_arrival=False,
            call_status="completed",
            call_duration_s=300,
            ended_at=at(50),
            last_sequence=0,
        ),
        id="status-only-before-the-offered-event",
    ),
    pytest.param(
        [
            OFFERED,
            status(3, after_s=200, duration=200),
            status(2, "in-progress", after_s=250, duration=2),
            status(1, "ringing", after_s=260, duration=None),
        ],
        record(call_status="completed", call_duration_s=200, ended_at=at(200), last_sequence=3),
        id="a-lower-sequence-heard-later-never-overrides-a-higher-one",
    ),
    pytest.param(
        [OFFERED, status(2, after_s=90, duration=None), status(1, "in-progress", after_s=10, duration=10)],
        record(call_status="completed", call_duration_s=10, ended_at=at(90), last_sequence=2),
        id="duration-from-the-highest-status-that-has-one",
    ),
    pytest.param(
        [OFFERED, status(None, after_s=40, duration=45), status(5, "in-progress", after_s=50, duration=None)],
        record(call_status="completed", call_duration_s=45, ended_at=at(40), last_sequence=5),
        id="a-plain-final-status-outranks-any-sequenced-one",
    ),
    pytest.param(
        [
            OFFERED,
            ev(
                "status",
                600,
                "status:0",
                status="completed",
                sequence=0,
                duration_s=245,
                timestamp="Wed, 02 Dec 2026 09:04:05 +0000",
            ),
        ],
        record(call_status="completed", call_duration_s=245, ended_at=at(245), last_sequence=0),
        id="twilio-timestamp-is-the-end-of-the-call",
    ),
    pytest.param(
        [OFFERED, ev("status", 600, "status:0", status="completed", sequence=0, timestamp="not a date")],
        record(call_status="completed", ended_at=at(600), last_sequence=0),
        id="an-unreadable-timestamp-leaves-our-clock",
    ),
    pytest.param(
        [
            OFFERED,
            ev(
                "status",
                600,
                "status:0",
                status="completed",
                sequence=0,
                timestamp="Wed, 02 Dec 2026 09:04:05 -0000",
            ),
        ],
        record(call_status="completed", ended_at=at(600), last_sequence=0),
        id="a-timestamp-without-zone-leaves-our-clock",
    ),
    # Overlong values from Twilio.
    pytest.param(
        [
            OFFERED,
            ev("connected", 5, agent="a" * 150, wait_s=5),
            ev("central_result", 6, status="c" * 40),
            status(0, "s" * 40, after_s=9, duration=9),
        ],
        record(
            outcome="answered",
            entered_queue=True,
            wait_s=5,
            answered_by="a" * 100,
            central_status="c" * 32,
            call_status="s" * 32,
            call_duration_s=9,
            last_sequence=0,
        ),
        id="overlong-values-are-clipped",
    ),
]


@pytest.mark.parametrize(("events", "want"), ROWS)
def test_the_events_of_a_call_give_its_record_in_every_order(events: list[Event], want: Projection) -> None:
    assert {project(order) for order in itertools.permutations(events)} == {want}


def test_every_final_status_ends_the_call() -> None:
    for final in sorted(FINAL_STATUSES):
        assert project([OFFERED, status(0, final, after_s=20)]).ended_at == at(20), final
    assert project([OFFERED, status(0, "in-progress", after_s=20)]).ended_at is None


def test_a_call_without_events_has_no_record() -> None:
    with pytest.raises(ValueError, match="without events"):
        project([])
