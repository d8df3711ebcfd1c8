"""What an arrival of a citizen ringing back after a call of ours they missed writes (playbook
1.5.2), what it costs the database, and the fail-safe: on SQLite and PostgreSQL, with each webhook
committing its own writes and with the group commit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from app import create_app
from calllog import CallEvent, CallRecord
from calls import QueueEntry
from outbound.tables import Outcome
from tests.ivr.conftest import BASE, Clock, Line, make_settings
from tests.outbound.attempts import add_attempt

CITIZEN = "+32470123456"
CENTRAL = "+3227138700"
UNREACHABLE_DB = "postgresql+psycopg://ivr@127.0.0.1:1/ivr"


@pytest.fixture(params=[False, True], ids=["own-commits", "group-commit"])
def arriving(request: pytest.FixtureRequest, migrated_db_url: str) -> Iterator[Line]:
    app = create_app(make_settings(migrated_db_url, group_commit=request.param), clock=Clock())
    with TestClient(app, base_url=BASE) as client:
        runtime = app.state.runtime
        yield Line(client=client, runtime=runtime, clock=runtime.clock)
    app.state.runtime.engine.dispose()


def _missed(line: Line, hours_ago: float, number: str = CITIZEN) -> int:
    with line.runtime.session() as session:
        return add_attempt(
            session,
            helpdesk_id="voorkempen",
            number=number,
            key=line.runtime.caller_key,
            started_at=line.clock() - timedelta(hours=hours_ago),
            outcome=Outcome.NO_ANSWER,
        )


def _written(line: Line, call_sid: str) -> tuple[list[tuple[str, dict[str, Any]]], int | None, bool | None]:
    """The call's events (kind, data), its record's returned attempt, its queue entry's queue."""
    with line.runtime.sessions() as session:
        events = session.execute(
            select(CallEvent.kind, CallEvent.data)
            .where(CallEvent.call_sid == call_sid)
            .order_by(CallEvent.kind)
        ).all()
        returned = session.execute(
            select(CallRecord.returning_attempt_id).where(CallRecord.call_sid == call_sid)
        ).scalar_one()
        queue = session.execute(
            select(QueueEntry.returning_queue).where(QueueEntry.call_sid == call_sid)
        ).scalar_one_or_none()
    return [(kind, json.loads(data)) for kind, data in events], returned, queue


def test_the_arrival_links_the_call_to_the_missed_one_by_its_id(arriving: Line) -> None:
    arriving.agents("voorkempen", 1)
    arriving.waiting("voorkempen", 1)
    attempt = _missed(arriving, hours_ago=2)
    call = arriving.call(caller=CITIZEN)

    response = arriving.post("/twilio/voice", call)

    assert "<Enqueue" in response.text
    assert ">voorkempen_returning</Enqueue>" in response.text
    events, returned, queue = _written(arriving, call["CallSid"])
    assert [kind for kind, _ in events] == ["entered_queue", "offered", "returning_outbound"]
    assert dict(events)["returning_outbound"] == {"attempt_id": attempt}
    # The number is kept by the record (hashed, masked, in clear for the retention), never by events.
    assert all(CITIZEN[3:] not in json.dumps(data) for _, data in events)
    assert (returned, queue) == (attempt, True)


def test_the_link_is_logged_whatever_becomes_of_the_call(arriving: Line) -> None:
    arriving.clock.set_local("2026-12-02 18:00")  # closed: forwarded to central, as ever
    attempt = _missed(arriving, hours_ago=2)
    call = arriving.call(caller=CITIZEN)

    response = arriving.post("/twilio/voice", call)

    assert f"<Number>{CENTRAL}</Number>" in response.text
    events, returned, queue = _written(arriving, call["CallSid"])
    assert [kind for kind, _ in events] == ["offered", "overflow", "returning_outbound"]
    assert (returned, queue) == (attempt, None)


@pytest.mark.parametrize(
    ("caller", "hours_ago"),
    [(CITIZEN, 73), ("+32470999888", 2), ("anonymous", 2)],
    ids=["outside-the-window", "another-number", "withheld"],
)
def test_anyone_else_is_an_ordinary_caller(arriving: Line, caller: str, hours_ago: float) -> None:
    arriving.agents("voorkempen", 1)
    arriving.waiting("voorkempen", 1)
    _missed(arriving, hours_ago)
    call = arriving.call(caller=caller)

    response = arriving.post("/twilio/voice", call)

    assert ">voorkempen</Enqueue>" in response.text
    events, returned, queue = _written(arriving, call["CallSid"])
    assert [kind for kind, _ in events] == ["entered_queue", "offered"]
    assert (returned, queue) == (None, False)


def _statements_of_an_arrival(line: Line, caller: str) -> list[str]:
    executed: list[str] = []

    def record(*args: Any) -> None:
        executed.append(str(args[2]).split()[0].upper())

    line.runtime.lines.forget("voorkempen")
    event.listen(line.runtime.engine, "before_cursor_execute", record)
    try:
        assert line.post("/twilio/voice", line.call(caller=caller)).status_code == 200
    finally:
        event.remove(line.runtime.engine, "before_cursor_execute", record)
    return executed


def test_the_lookup_costs_an_arrival_no_round_trip_more(arriving: Line) -> None:
    # A withheld number is not looked up at all: its arrival is the one of before. A caller whose
    # number is looked up, found or not, costs the database exactly as many statements.
    arriving.agents("voorkempen", 1)
    _missed(arriving, hours_ago=2)
    _statements_of_an_arrival(arriving, "anonymous")  # the closures set by ops are read now, kept a second

    withheld = _statements_of_an_arrival(arriving, "anonymous")
    looked_up = _statements_of_an_arrival(arriving, "+32470999888")
    returning = _statements_of_an_arrival(arriving, CITIZEN)

    assert looked_up == withheld
    assert returning == withheld


@pytest.fixture
def no_database() -> Iterator[Line]:
    clock = Clock()
    app = create_app(make_settings(UNREACHABLE_DB), clock=clock)
    with TestClient(app, base_url=BASE) as client:
        yield Line(client=client, runtime=app.state.runtime, clock=clock)


def test_without_the_database_nobody_is_returning_and_the_call_goes_on_as_ever(no_database: Line) -> None:
    response = no_database.post("/twilio/voice", no_database.call(caller=CITIZEN))

    assert response.status_code == 200
    assert f"<Number>{CENTRAL}</Number>" in response.text
    assert "U werd door ons gebeld" not in response.text
