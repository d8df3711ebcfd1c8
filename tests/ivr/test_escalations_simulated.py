"""A simulated morning of escalated questions against the real app (issue contract, playbook
1.3.2.2, 1.2.3.3, 1.4.2): one agent answers 40 callers and escalates 3 of them by voice, the
central contact centre leaves 1 urgent question on the escalation number, a caller not on its
allow-list is turned away, and supervisors handle all four through the API: the recording streamed
from the simulated Twilio, the citizen's number revealed (and audited), the recordings deleted at
Twilio on closing. Every figure equals what the simulator saw happen, on both databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from agents import create_agent
from cli.simulate import Deployment
from escalations import ContactReveal
from messages import DEFAULT_TEXTS
from simulator import RecordingView, SimCall, Speech
from tests.ivr.conftest import BRUSSELS, CONFIG, OPS_TOKEN, SUPERVISOR_TOKEN
from tests.ivr.test_escalation_line import CENTRAL_CALLER, ESCALATION_LINE, escalation_config

MORNING = datetime(2026, 12, 2, 9, 0, tzinfo=BRUSSELS)  # a Wednesday, voorkempen opens at 9:00
AGENT_LINE = "+3233100199"
CITIZEN_LINE = "+3233100100"
CALLERS = 40
ESCALATED = (5, 17, 33)  # the conversations (1-based, in the order answered) the agent escalates
SPACING_S = 45  # one caller every 45 s: the agent is free again (20 s talk, wrap-up, a question)
QUESTIONS = {n: f"Vraag {n}: kan ik mijn tweede prik verplaatsen naar een andere dag?" for n in ESCALATED}
URGENT = "Dringend van de centrale: mevrouw Peeters, nul vier zeven nul, vraagt een thuisvaccinatie."
STRANGER = "+32470999999"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def deployment(migrated_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    monkeypatch.setenv("IVR_API_TOKENS", f"ops:{OPS_TOKEN},supervisor:{SUPERVISOR_TOKEN}")
    with Deployment(escalation_config(), CONFIG, MORNING - timedelta(minutes=5), migrated_db_url) as running:
        with running.runtime.session() as session:
            create_agent(session, "voorkempen", "101", "An", "1234", MORNING)
        yield running


def _agent_script() -> list[tuple[float, Any]]:
    """Code and PIN, then after each conversation the wrap-up menu: nothing (the next caller), or
    the escalate key, the question after the beep ended with #, and nothing at the menu after it."""
    script: list[tuple[float, Any]] = [(2.0, "101#"), (2.0, "1234#")]
    for conversation in range(1, CALLERS + 1):
        if conversation in ESCALATED:
            script += [(1.0, "5"), (1.0, Speech(QUESTIONS[conversation], keys="#", pause=1.0)), (2.0, "")]
        else:
            script.append((2.0, ""))
    return script


def _morning(deployment: Deployment) -> tuple[SimCall, list[SimCall], SimCall, SimCall]:
    sim = deployment.sim
    agent = sim.place_call(
        from_="+32470000101",
        to=AGENT_LINE,
        at=MORNING,
        path="/twilio/agent",
        digits=_agent_script(),
        hang_up_after=60 * 60,
    )
    citizens = [
        sim.place_call(
            from_=f"+324711{n:05d}",
            to=CITIZEN_LINE,
            at=MORNING + timedelta(seconds=30 + SPACING_S * n),
            talk_seconds=20,
        )
        for n in range(CALLERS)
    ]
    central = sim.place_call(
        from_=CENTRAL_CALLER,
        to=ESCALATION_LINE,
        at=MORNING + timedelta(minutes=12),
        path="/twilio/escalation",
        digits=[(1.0, Speech(URGENT, keys="#", pause=1.0))],
    )
    stranger = sim.place_call(
        from_=STRANGER,
        to=ESCALATION_LINE,
        at=MORNING + timedelta(minutes=13),
        path="/twilio/escalation",
        digits=[(1.0, Speech("Hallo?", keys="#"))],
    )
    sim.run(until=MORNING + timedelta(minutes=70))
    return agent, citizens, central, stranger


def _said(call: SimCall) -> list[str]:
    return [event.detail for event in call.events if event.kind == "say"]


def test_a_morning_of_escalations_handled_by_supervisors_matches_the_simulator(
    deployment: Deployment,
) -> None:
    agent, citizens, central, stranger = _morning(deployment)
    sim, client = deployment.sim, deployment.client

    # What the simulator saw: every citizen answered, in order, by the one agent.
    assert all(call.answered_at is not None for call in citizens)
    answered = sorted(citizens, key=lambda call: call.answered_at or MORNING)
    recordings: dict[str, list[RecordingView]] = {}
    for recording in sim.recordings():
        recordings.setdefault(recording.call_sid, []).append(recording)
    agent_recordings = recordings.get(agent.sid, [])
    [central_recording] = recordings[central.sid]
    assert [recording.words for recording in agent_recordings] == [QUESTIONS[n] for n in ESCALATED]
    assert central_recording.words == URGENT
    assert stranger.sid not in recordings
    assert DEFAULT_TEXTS["escalation_not_in_use"] in " ".join(_said(stranger))
    assert stranger.status == "completed"

    # Supervisors list the four: the urgent one first, the citizens' numbers masked.
    listed = client.get("/api/escalations?helpdesk=voorkempen", headers=_auth(SUPERVISOR_TOKEN))
    assert listed.status_code == 200
    escalations = listed.json()
    assert [(item["priority"], item["source"]) for item in escalations] == [
        ("urgent", "central"),
        *[("normal", "agent")] * 3,
    ]
    by_call = {item["call_sid"]: item for item in escalations[1:]}
    escalated_calls = [answered[n - 1] for n in ESCALATED]
    assert set(by_call) == {call.sid for call in escalated_calls}
    durations = {recording.sid: recording.duration for recording in sim.recordings()}
    for item in escalations:
        assert item["status"] == "open"
        assert item["recording_available"] is True
        assert item["contact_masked"] is not None
        assert item["contact_masked"] not in {call.from_ for call in citizens} | {CENTRAL_CALLER}
    for call, recording in zip(escalated_calls, agent_recordings, strict=True):
        item = by_call[call.sid]
        assert (item["agent"], item["recording_duration_s"]) == ("101", durations[recording.sid])
    assert escalations[0]["recording_duration_s"] == central_recording.duration

    # Each is handled: listened to, the number revealed, taken, answered or forwarded.
    expected_audio: dict[str | None, bytes] = {
        call.sid: sim.recording_audio(rec.sid)
        for call, rec in zip(escalated_calls, agent_recordings, strict=True)
    }
    expected_audio[None] = sim.recording_audio(central_recording.sid)
    expected_contact = {call.sid: call.from_ for call in escalated_calls} | {None: CENTRAL_CALLER}
    for number, item in enumerate(escalations):
        path = f"/api/escalations/{item['id']}"
        audio = client.get(f"{path}/recording", headers=_auth(SUPERVISOR_TOKEN))
        assert audio.status_code == 200
        assert audio.content == expected_audio[item["call_sid"]]
        assert "twilio" not in " ".join(f"{k}: {v}" for k, v in audio.headers.items()).lower()
        contact = client.get(f"{path}/contact", headers=_auth(SUPERVISOR_TOKEN))
        assert contact.json()["contact"] == expected_contact[item["call_sid"]]
        taken = client.patch(path, json={"status": "in_progress"}, headers=_auth(OPS_TOKEN))
        assert taken.status_code == 200
        closing = "forwarded" if number == 0 else "answered"
        closed = client.patch(
            path, json={"status": closing, "note": "burger teruggebeld"}, headers=_auth(SUPERVISOR_TOKEN)
        )
        assert closed.status_code == 200
        assert closed.json()["status"] == closing
        assert closed.json()["recording_status"] == "deleted"
    assert all(recording.deleted for recording in sim.recordings())
    with deployment.runtime.session() as session:
        reveals = session.scalars(select(ContactReveal)).all()
    assert sorted(reveal.escalation_id for reveal in reveals) == sorted(item["id"] for item in escalations)
    assert {reveal.by for reveal in reveals} == {"api:supervisor#2"}  # the second token of IVR_API_TOKENS

    # The figures, as the simulator saw the morning: the calls to the citizens' line offered and
    # answered (the escalation number's calls are no citizen calls), the recorded questions, and
    # one-and-done = 1 - the agent's escalations / answered (here 1 - 3/40).
    offered = sum(1 for call in sim.calls.values() if call.to == CITIZEN_LINE and call.direction == "inbound")
    talked = sum(1 for call in citizens if call.answered_at is not None)
    questions = [recording for recording in sim.recordings() if recording.words]
    day = MORNING.date().isoformat()
    metrics = client.get(
        f"/api/metrics?helpdesk=voorkempen&from={day}&to={day}", headers=_auth(SUPERVISOR_TOKEN)
    )
    kpis = metrics.json()["kpis"]
    assert (kpis["offered"], kpis["answered"]) == (offered, talked) == (CALLERS, CALLERS)
    assert (kpis["escalations"], kpis["escalations_urgent"]) == (len(questions), 1) == (4, 1)
    assert kpis["one_and_done"] == pytest.approx(1 - len(agent_recordings) / talked) == 0.925
