"""The simulator's own interface: clock, placing and hanging up calls, running, guarding loops."""

from __future__ import annotations

from datetime import datetime

import pytest
from twilio.rest import Client

from simulator import TwilioSimulator
from tests.simulator.conftest import BASE, START, TOKEN, TwimlApp, at


def test_the_clock_only_moves_through_events(app: TwimlApp, sim: TwilioSimulator) -> None:
    seen: list[datetime] = []

    def voice(params: dict[str, str]) -> str:
        seen.append(sim.clock())
        return '<Pause length="30"/>'

    app.routes["/twilio/voice"] = voice
    sim.place_call(from_="+32470000001", to="+3233100100", at=at(90))
    assert sim.now == START

    sim.run(until=at(60))
    assert (sim.now, seen) == (at(60), [])

    sim.run()
    assert (sim.now, seen) == (at(120), [at(90)])


def test_hang_up_at_a_given_moment(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = '<Pause length="600"/>'
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.hang_up(call.sid, at=at(42))
    sim.run()

    assert (call.status, call.ended_at, call.duration) == ("completed", at(42), 42)
    assert sim.calls[call.sid] is call


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"at": START.replace(tzinfo=None)}, "at must be timezone-aware"),
        ({"at": at(-1)}, "cannot place a call in the past"),
        ({"call_sid": "CA123"}, "call_sid 'CA123' is not a new CA"),
        ({"digits": [(1, "12a")]}, "digits entries are"),
        ({"digits": [(-1, "1")]}, "digits entries are"),
    ],
    ids=["naive-time", "past", "bad-sid", "bad-key", "negative-offset"],
)
def test_place_call_refuses_impossible_calls(
    sim: TwilioSimulator, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        sim.place_call(from_="+32470000001", to="+3233100100", **options)  # type: ignore[arg-type]


def test_a_call_sid_is_used_once(sim: TwilioSimulator) -> None:
    sim.place_call(from_="+32470000001", to="+3233100100", call_sid="CA" + "e" * 32)

    with pytest.raises(ValueError, match="is not a new CA"):
        sim.place_call(from_="+32470000002", to="+3233100100", call_sid="CA" + "e" * 32)


def test_an_endless_flow_stops_at_max_events(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = '<Pause length="1"/><Redirect>/twilio/voice</Redirect>'
    sim.place_call(from_="+32470000001", to="+3233100100")

    with pytest.raises(RuntimeError, match="more than 50 events by 2026-03-02T09:00:50"):
        sim.run(max_events=50)


def test_redirecting_a_bridged_caller_ends_the_conversation(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = '<Enqueue action="/after">support</Enqueue>'
    app.routes["/after"] = "<Hangup/>"
    app.routes["/agent"] = '<Dial action="/agent-after"><Queue>support</Queue></Dial>'
    app.routes["/agent-after"] = "<Hangup/>"
    app.routes["/survey"] = "<Say>Enquete</Say>"
    caller = sim.place_call(from_="+32470000001", to="+3233100100", talk_seconds=100)
    agent = sim.place_call(from_="+32490000001", to="+3233100199", path="/agent", at=at(4))
    sim.run(until=at(30))

    Client("AC" + "0" * 32, TOKEN, http_client=sim.rest_http_client()).calls(caller.sid).update(
        url=f"{BASE}/survey"
    )
    sim.run()

    [after] = app.params("/after")
    assert (after["QueueResult"], after["QueueTime"]) == ("redirected-from-bridged", "4")
    [agent_after] = app.params("/agent-after")
    assert agent_after["DialCallStatus"] == "completed"
    [result] = [event.data for event in agent.events if event.kind == "dial-result"]
    assert result["DialCallDuration"] == "26"
    assert [event.detail for event in caller.events if event.kind == "say"] == ["«Enquete»"]
    assert (caller.ended_at, agent.ended_at) == (at(31), at(30))


def test_redirecting_a_waiting_agent_stops_its_dial_without_the_action(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    app.routes["/agent"] = '<Dial action="/agent-after" timeout="60"><Queue>support</Queue></Dial>'
    app.routes["/agent-after"] = "<Hangup/>"
    app.routes["/logout"] = "<Say>Afgemeld</Say>"
    sim.create_queue("support")
    agent = sim.place_call(from_="+32490000001", to="+3233100199", path="/agent")
    app.routes["/twilio/voice"] = "<Enqueue>support</Enqueue>"
    sim.run(until=at(10))

    Client("AC" + "0" * 32, TOKEN, http_client=sim.rest_http_client()).calls(agent.sid).update(
        url=f"{BASE}/logout"
    )
    caller = sim.place_call(from_="+32470000001", to="+3233100100", hang_up_after=5)
    sim.run()

    assert app.params("/agent-after") == []
    assert [event.detail for event in agent.events if event.kind in ("dial-result", "say")] == [
        "canceled",
        "«Afgemeld»",
    ]
    assert [event.kind for event in caller.events if event.kind in ("bridged", "dequeue")] == []
