"""The exact parameter names of every request the simulator sends: only what Twilio documents.

twilio-semantics §1 (the standard parameters; not the legacy ``Caller``/``Called``), §2 (waitUrl and
``<Enqueue action>``), §3 (``<Queue url>`` and ``<Dial action>``, where after a ``<Queue>`` only
``DialCallStatus`` and the queue's parameters are documented), §4 (``<Gather action>``), §5 and §13
(status callbacks, with ``SequenceNumber`` only for call-progress events).
"""

from __future__ import annotations

import pytest

from tests.simulator.conftest import SimulatorFactory, TwimlApp, at

STANDARD = frozenset({"CallSid", "AccountSid", "From", "To", "CallStatus", "ApiVersion", "Direction"})
QUEUE = frozenset({"QueueSid", "QueueTime"})

SENT = {
    "/twilio/voice": STANDARD,
    "/menu": STANDARD | {"Digits"},
    "/wait": STANDARD | QUEUE | {"QueuePosition", "CurrentQueueSize", "AvgQueueTime", "MaxQueueSize"},
    "/connect": STANDARD | QUEUE | {"DequeingCallSid"},
    "/after": STANDARD | QUEUE | {"QueueResult"},
    "/agent-after": STANDARD | QUEUE | {"DialCallStatus"},
    "/dialed": STANDARD | {"DialCallStatus", "DialCallSid", "DialCallDuration", "DialBridged"},
}
STATUS = {
    "call-progress-events": STANDARD
    | {"CallbackSource", "SequenceNumber", "Timestamp", "CallDuration", "Duration"},
    "number": STANDARD | {"CallDuration"},
}


@pytest.mark.parametrize("source", list(STATUS), ids=list(STATUS))
def test_each_request_carries_exactly_the_documented_parameters(
    app: TwimlApp, make_sim: SimulatorFactory, source: str
) -> None:
    app.routes |= {
        "/twilio/voice": '<Gather numDigits="1" action="/menu"><Say>Kies een</Say></Gather>',
        "/menu": '<Enqueue waitUrl="/wait" action="/after">support</Enqueue>',
        "/wait": '<Pause length="30"/>',
        "/agent": '<Dial action="/agent-after"><Queue url="/connect">support</Queue></Dial>',
        "/connect": "",
        "/agent-after": "<Hangup/>",
        "/after": '<Dial action="/dialed">+3227138700</Dial>',
        "/dialed": "<Hangup/>",
    }
    sim = make_sim(status_callback_source=source)
    sim.place_call(from_="+32470000001", to="+3233100100", digits=[(1, "1")], talk_seconds=20)
    sim.place_call(from_="+32490000001", to="+3233100199", path="/agent", at=at(10))
    sim.run()

    assert sim.errors == []
    assert {path: {frozenset(params) for params in app.params(path)} for path in SENT} == {
        path: {names} for path, names in SENT.items()
    }
    assert {frozenset(params) for params in app.params("/twilio/status")} == {STATUS[source]}
    assert len(app.params("/twilio/status")) == 2  # the caller's and the agent's
