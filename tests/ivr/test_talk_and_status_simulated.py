"""Talk time and call ends from what Twilio documents, driven by the simulator against the real app.

Twilio documents, after an agent's ``<Dial><Queue>``, only ``DialCallStatus`` and the queue's
parameters; talk time must then come from the ``<Queue url>`` request and the caller's bridged
``<Enqueue action>``. A number's plain status callback may come without ``SequenceNumber``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from agents import create_agent
from calllog import CallEvent, CallRecord, Thresholds, summary
from cli.simulate import Deployment
from config import HelpdeskConfig
from ivr.twiml import prompt_for
from messages import Speech
from tests.ivr.conftest import BRUSSELS, CONFIG

WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)
AGENT_LINE = "+3233100199"
CITIZEN_LINE = "+3233100100"
UNDOCUMENTED_AFTER_A_QUEUE = {"DialCallSid", "DialCallDuration", "DialBridged"}


MakeDeployment = Callable[..., Deployment]


@pytest.fixture
def make_deployment(example_config: HelpdeskConfig, migrated_db_url: str) -> Iterator[MakeDeployment]:
    running: list[Deployment] = []

    def make(**options: Any) -> Deployment:
        deployment = Deployment(example_config, CONFIG, WEDNESDAY, migrated_db_url, **options).__enter__()
        running.append(deployment)
        return deployment

    yield make
    for deployment in running:
        deployment.__exit__(None, None, None)


def _talk(deployment: Deployment, sids: list[str]) -> list[int | None]:
    with deployment.runtime.session() as session:
        talks = dict(session.execute(select(CallRecord.call_sid, CallRecord.talk_s)).all())
    return [talks.get(sid) for sid in sids]


def _said(deployment: Deployment, key: str) -> str:
    desk = deployment.config.helpdesk("voorkempen")
    assert desk is not None
    prompt = prompt_for(deployment.config, desk, key)  # type: ignore[arg-type]
    assert isinstance(prompt, Speech)
    return prompt.text


@pytest.mark.parametrize(
    "details", [False, True], ids=["documented-parameters-only", "with-dial-call-duration"]
)
def test_avg_talk_is_the_simulated_talk_time(make_deployment: MakeDeployment, details: bool) -> None:
    deployment = make_deployment(queue_dial_details=details)
    sim = deployment.sim
    with deployment.runtime.session() as session:
        create_agent(session, "voorkempen", "101", "An", "1234", WEDNESDAY)
    agent = sim.place_call(
        from_="+32470000101", to=AGENT_LINE, path="/twilio/agent", digits=[(2, "101#"), (2, "1234#")]
    )
    callers = [
        sim.place_call(
            from_="+32471111111", to=CITIZEN_LINE, at=WEDNESDAY + timedelta(seconds=60), talk_seconds=90
        ),
        sim.place_call(
            from_="+32471111112", to=CITIZEN_LINE, at=WEDNESDAY + timedelta(seconds=70), talk_seconds=131
        ),
    ]
    sim.run(until=WEDNESDAY + timedelta(minutes=10))
    sim.hang_up(agent.sid)
    sim.run(until=WEDNESDAY + timedelta(minutes=11))

    assert list(sim.errors) == []
    afters = [w.params for w in sim.webhooks if "/twilio/agent/after" in w.url]
    sent = set().union(*(set(params) for params in afters)) & UNDOCUMENTED_AFTER_A_QUEUE
    assert sent == (UNDOCUMENTED_AFTER_A_QUEUE if details else set())
    assert _talk(deployment, [call.sid for call in callers]) == [90, 131]
    with deployment.runtime.session() as session:
        kpis = summary(session, "voorkempen", WEDNESDAY.date(), WEDNESDAY.date(), Thresholds())
    assert (kpis.answered, kpis.avg_talk_s) == (2, 110.5)
    # The agent's menu still tells a finished conversation from an empty queue.
    heard = [event.data["text"] for event in agent.events if event.kind == "say"]
    assert heard.count(_said(deployment, "agent_next_caller")) == 2


def test_a_caller_gone_during_the_welcome_with_plain_status_callbacks_is_abandoned(
    make_deployment: MakeDeployment,
) -> None:
    deployment = make_deployment(status_callback_source="number", duplicate_status_callbacks=1.0)
    sim = deployment.sim
    with deployment.runtime.session() as session:
        create_agent(session, "voorkempen", "101", "An", "1234", WEDNESDAY)
    sim.place_call(
        from_="+32470000101", to=AGENT_LINE, path="/twilio/agent", digits=[(2, "101#"), (2, "1234#")]
    )
    caller = sim.place_call(
        from_="+32471111111", to=CITIZEN_LINE, at=WEDNESDAY + timedelta(seconds=60), hang_up_after=4
    )
    sim.run(until=WEDNESDAY + timedelta(seconds=90))

    assert list(sim.errors) == []
    callbacks = [
        w.params for w in sim.webhooks if w.url.endswith("/twilio/status") and w.call_sid == caller.sid
    ]
    assert [(params["CallStatus"], "SequenceNumber" in params) for params in callbacks] == [
        ("completed", False),
        ("completed", False),
    ]
    with deployment.runtime.session() as session:
        row = session.execute(select(CallRecord).where(CallRecord.call_sid == caller.sid)).scalar_one()
        statuses = session.execute(
            select(CallEvent.dedupe).where(CallEvent.call_sid == caller.sid, CallEvent.kind == "status")
        ).scalars()
        assert (row.outcome, row.wait_s, row.call_status, row.last_sequence) == (
            "abandoned",
            0,
            "completed",
            -1,
        )
        assert list(statuses) == ["status:completed"]
