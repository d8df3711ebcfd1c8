"""Exact admission: with N agents and ``lines_per_agent`` L, the (N·L+1)-th caller overflows.

Each arrival is decided inside the transaction that records it, with the helpdesk's admission
lock held, so it counts every caller admitted before it and every presence change committed
before it, however close together the arrivals come. Tested here in one process, with each
webhook committing its own writes and with the group commit (whose batches hold many arrivals);
test_admission_processes.py does the same across processes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select

from app import create_app
from calllog import CallRecord
from calls import QueueEntry
from tests.ivr.conftest import BASE, Clock, Line, make_settings

CENTRAL = "+3227138700"
LINES_PER_AGENT = 4  # config/helpdesk.yaml, voorkempen


@pytest.fixture(params=[False, True], ids=["own-commits", "group-commit"])
def admitting(request: pytest.FixtureRequest, migrated_db_url: str) -> Iterator[Line]:
    app = create_app(make_settings(migrated_db_url, group_commit=request.param), clock=Clock())
    with TestClient(app, base_url=BASE) as client:
        runtime = app.state.runtime
        assert (runtime.writer is not None and runtime.writer.running) is request.param
        yield Line(client=client, runtime=runtime, clock=runtime.clock)
    app.state.runtime.engine.dispose()


def _queued(response: Response) -> bool:
    assert response.status_code == 200
    return "<Enqueue" in response.text


def _to_central(response: Response) -> bool:
    return f"<Number>{CENTRAL}</Number>" in response.text


def _reasons(line: Line) -> dict[str, int]:
    with line.runtime.sessions() as session:
        rows = session.execute(
            select(CallRecord.overflow_reason, func.count()).group_by(CallRecord.overflow_reason)
        ).all()
    return {str(reason): count for reason, count in rows}


def _entries(line: Line) -> int:
    with line.runtime.sessions() as session:
        return session.execute(select(func.count()).select_from(QueueEntry)).scalar_one()


def test_back_to_back_the_caller_over_the_cap_overflows(admitting: Line) -> None:
    line = admitting
    line.agents("voorkempen", 2)
    cap = 2 * LINES_PER_AGENT
    answers = [line.post("/twilio/voice", line.call(caller=f"+3247000{n:04d}")) for n in range(cap + 2)]
    assert [_queued(answer) for answer in answers] == [True] * cap + [False, False]
    assert all(_to_central(answer) for answer in answers[cap:])
    assert _entries(line) == cap
    assert _reasons(line) == {"None": cap, "queue_full": 2}


def test_sixteen_arrivals_at_once_fill_the_queue_exactly(admitting: Line) -> None:
    line = admitting
    line.agents("voorkempen", 1)
    calls = [line.call(caller=f"+3247100{n:04d}") for n in range(16)]
    start = threading.Barrier(16)

    def arrive(call: dict[str, str]) -> Response:
        start.wait()
        return line.post("/twilio/voice", call)

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(arrive, calls))
    assert sum(_queued(answer) for answer in answers) == LINES_PER_AGENT
    assert sum(_to_central(answer) for answer in answers) == 16 - LINES_PER_AGENT
    assert _entries(line) == LINES_PER_AGENT
    assert _reasons(line) == {"None": LINES_PER_AGENT, "queue_full": 16 - LINES_PER_AGENT}


def test_an_agent_who_just_logged_in_is_seen_by_the_next_arrival(admitting: Line) -> None:
    line = admitting
    alone = line.post("/twilio/voice", line.call(caller="+32471000001"))
    assert _to_central(alone)  # nobody logged in yet
    line.agents("voorkempen", 1)  # committed by another unit of work (another instance, say)
    assert _queued(line.post("/twilio/voice", line.call(caller="+32471000002")))
    assert _reasons(line) == {"no_agents": 1, "None": 1}


def test_a_caller_taken_by_an_agent_frees_a_place(admitting: Line) -> None:
    line = admitting
    line.agents("voorkempen", 1)
    calls = [line.call(caller=f"+3247200{n:04d}") for n in range(LINES_PER_AGENT + 1)]
    answers = [line.post("/twilio/voice", call) for call in calls]
    assert [_queued(answer) for answer in answers] == [True] * LINES_PER_AGENT + [False]
    taken = calls[0] | {"QueueTime": "30", "CallStatus": "in-progress"}
    line.post("/twilio/agent/connect?helpdesk=voorkempen&code=agent-0", taken)
    assert _queued(line.post("/twilio/voice", line.call(caller="+32472009999")))
    assert not _queued(line.post("/twilio/voice", line.call(caller="+32472009998")))
