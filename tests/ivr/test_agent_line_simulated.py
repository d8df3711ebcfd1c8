"""Agents on the phone line, driven by the Twilio simulator against the real app.

Two agents log in by code and PIN, callers are served first-in first-out, every answer records
who took it after how long, an agent hanging up is logged out by the status callback, and the
last agent leaving sends exactly the waiting callers to central through the REST API.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from agents import PresenceStatus, create_agent, presence, set_presence
from calls import QueueEntry
from config import HelpdeskConfig
from ivr.simulate import Deployment
from simulator import SimCall, SimEvent
from tests.ivr.conftest import BRUSSELS, CONFIG

WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)
SATURDAY = datetime(2026, 12, 5, 9, 15, tzinfo=BRUSSELS)  # helpdesk open, central opens at 10:00
AGENT_LINE = "+3233100199"
CITIZEN_LINE = "+3233100100"
CENTRAL = "+3227138700"


@pytest.fixture
def deployment(example_config: HelpdeskConfig, migrated_db_url: str) -> Iterator[Deployment]:
    with Deployment(example_config, CONFIG, WEDNESDAY, migrated_db_url) as running:
        with running.runtime.session() as session:
            create_agent(session, "voorkempen", "101", "An", "1234", WEDNESDAY)
            create_agent(session, "voorkempen", "102", "Bert", "5678", WEDNESDAY)
        yield running


def _login(deployment: Deployment, code: str, pin: str, at: datetime, caller: str) -> SimCall:
    return deployment.sim.place_call(
        from_=caller, to=AGENT_LINE, at=at, path="/twilio/agent", digits=[(2, f"{code}#"), (2, f"{pin}#")]
    )


def _states(deployment: Deployment) -> dict[str, PresenceStatus]:
    with deployment.runtime.session() as session:
        return {row.agent: row.status for row in presence(session, "voorkempen")}


def _answers(deployment: Deployment) -> list[tuple[str, str | None, int | None]]:
    with deployment.runtime.session() as session:
        rows = session.execute(
            select(QueueEntry.call_sid, QueueEntry.answered_by, QueueEntry.queue_time).order_by(
                QueueEntry.enqueued_at
            )
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _errors(deployment: Deployment) -> list[SimEvent]:
    return list(deployment.sim.errors)


def test_two_agents_serve_three_callers_first_in_first_out(deployment: Deployment) -> None:
    sim = deployment.sim
    an = _login(deployment, "101", "1234", WEDNESDAY, "+32470000101")
    bert = _login(deployment, "102", "5678", WEDNESDAY + timedelta(seconds=1), "+32470000102")
    callers = [
        sim.place_call(
            from_=f"+3247111111{n}",
            to=CITIZEN_LINE,
            at=WEDNESDAY + timedelta(seconds=60 + 5 * n),
            talk_seconds=90,
        )
        for n in range(3)
    ]
    sim.run(until=WEDNESDAY + timedelta(minutes=6))
    assert _errors(deployment) == []
    answers = _answers(deployment)
    assert [sid for sid, _, _ in answers] == [call.sid for call in callers]
    # The first two are taken at once by the two agents; the third waits for the first agent
    # to finish (90 s of talk) and its wrap-up pause.
    assert {agent for _, agent, _ in answers[:2]} == {"101", "102"}
    assert [wait for _, _, wait in answers[:2]] == [0, 0]
    third_agent, third_wait = answers[2][1], answers[2][2]
    assert third_agent == answers[0][1]
    assert third_wait is not None
    assert 80 <= third_wait <= 120
    assert _states(deployment) == {"101": PresenceStatus.AVAILABLE, "102": PresenceStatus.AVAILABLE}

    sim.hang_up(an.sid)
    sim.run(until=sim.now + timedelta(seconds=5))
    assert _states(deployment)["101"] is PresenceStatus.OFFLINE
    assert _states(deployment)["102"] is PresenceStatus.AVAILABLE
    assert bert.ended_at is None


def test_wrong_pin_is_refused_and_does_not_log_in(deployment: Deployment) -> None:
    call = _login(deployment, "101", "9999", WEDNESDAY, "+32470000101")
    deployment.sim.run(until=WEDNESDAY + timedelta(seconds=40))
    assert _states(deployment) == {}
    said = [event.data.get("text", "") for event in call.events if event.kind == "say"]
    assert "Deze pincode is niet juist. Probeer het opnieuw." in said


def _waiting_scenario(deployment: Deployment, start: datetime) -> tuple[SimCall, list[SimCall]]:
    """One agent by phone talking to a first caller, two more callers waiting."""
    sim = deployment.sim
    agent = _login(deployment, "101", "1234", start, "+32470000101")
    callers = [
        sim.place_call(
            from_=f"+3247222222{n}", to=CITIZEN_LINE, at=start + timedelta(seconds=40 + n), talk_seconds=600
        )
        for n in range(3)
    ]
    sim.run(until=start + timedelta(seconds=90))
    return agent, callers


def test_last_agent_leaving_sends_exactly_the_waiting_callers_to_central(deployment: Deployment) -> None:
    sim = deployment.sim
    agent, callers = _waiting_scenario(deployment, WEDNESDAY)
    assert [row[1] for row in _answers(deployment)] == ["101", None, None]

    left_at = sim.now
    sim.hang_up(agent.sid)
    sim.run(until=left_at + timedelta(seconds=30))

    redirects = [r for r in sim.rest_requests if r.method == "POST" and "/Calls/" in r.path]
    redirected = [r.path.rsplit("/", 1)[1].removesuffix(".json") for r in redirects]
    assert sorted(redirected) == sorted(call.sid for call in callers[1:])
    assert all(r.at - left_at <= timedelta(seconds=5) for r in redirects)
    for call in callers[1:]:
        dial = next(event for event in call.events if event.kind == "dial")
        assert dial.data["Number"] == CENTRAL
        assert dial.at - left_at <= timedelta(seconds=5)
    assert _errors(deployment) == []


def test_all_agents_on_break_also_sends_the_waiting_callers_to_central(deployment: Deployment) -> None:
    sim = deployment.sim
    _waiting_scenario(deployment, WEDNESDAY)
    with deployment.runtime.session() as session:
        set_presence(session, "voorkempen", "101", PresenceStatus.BREAK, sim.now)
    deployment.runtime.presence_changed("voorkempen")
    sim.run(until=sim.now + timedelta(seconds=10))
    redirected = [r for r in sim.rest_requests if r.method == "POST" and "/Calls/" in r.path]
    assert len(redirected) == 2
    # Nobody is claimed twice: a second notice finds no waiting caller left to redirect.
    deployment.runtime.presence_changed("voorkempen")
    sim.run(until=sim.now + timedelta(seconds=10))
    assert len([r for r in sim.rest_requests if r.method == "POST" and "/Calls/" in r.path]) == 2


def test_nobody_is_redirected_while_central_is_closed(
    example_config: HelpdeskConfig, migrated_db_url: str
) -> None:
    with Deployment(example_config, CONFIG, SATURDAY, migrated_db_url) as deployment:
        with deployment.runtime.session() as session:
            create_agent(session, "voorkempen", "101", "An", "1234", SATURDAY)
        agent, _ = _waiting_scenario(deployment, SATURDAY)
        deployment.sim.hang_up(agent.sid)
        deployment.sim.run(until=deployment.sim.now + timedelta(seconds=30))
        assert [r for r in deployment.sim.rest_requests if "/Calls/" in r.path and r.method == "POST"] == []
