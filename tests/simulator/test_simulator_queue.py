"""<Enqueue> on the caller's side: the waitUrl loop, <Leave>, hang-ups and full queues."""

from __future__ import annotations

import pytest
from fastapi import Response

from simulator import TwilioSimulator
from tests.simulator.conftest import TwimlApp, at

WAIT_MESSAGE = "w" * 140  # 10 s at 14 characters per second
ENQUEUE = '<Enqueue waitUrl="/wait" action="/after">support</Enqueue>'


def test_the_wait_url_is_requested_again_when_its_document_ends(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = ENQUEUE
    app.routes["/wait"] = f'<Say>{WAIT_MESSAGE}</Say><Pause length="50"/>'
    app.routes["/after"] = "<Hangup/>"
    sim.place_call(from_="+32470000001", to="+3233100100", hang_up_after=150)
    sim.run()

    assert [(params["QueueTime"], params["QueuePosition"]) for params in app.params("/wait")] == [
        ("0", "1"),
        ("60", "1"),
        ("120", "1"),
    ]
    assert [webhook.at for webhook in sim.webhooks if webhook.url.endswith("/wait")] == [
        at(0),
        at(60),
        at(120),
    ]


def test_wait_url_parameters_describe_the_queue(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = (
        '<Pause length="1"/><Enqueue waitUrl="/wait" maxQueueSize="20">support</Enqueue>'
    )
    app.routes["/wait"] = '<Pause length="30"/>'
    first = sim.place_call(from_="+32470000001", to="+3233100100", hang_up_after=100)
    sim.place_call(from_="+32470000002", to="+3233100100", at=at(20), hang_up_after=100)
    sim.run(until=at(31))

    assert app.params("/wait")[-1] | {"CallSid": "", "From": ""} == {
        "CallSid": "",
        "AccountSid": "AC" + "0" * 32,
        "From": "",
        "To": "+3233100100",
        "CallStatus": "in-progress",
        "ApiVersion": "2010-04-01",
        "Direction": "inbound",
        "QueueSid": "QU" + "0" * 31 + "1",
        "QueueTime": "30",
        "QueuePosition": "1",
        "CurrentQueueSize": "2",
        "AvgQueueTime": "20",  # (30 + 10) / 2
        "MaxQueueSize": "20",
    }
    assert app.params("/wait")[-1]["CallSid"] == first.sid
    second = app.params("/wait")[1]
    assert (second["QueuePosition"], second["CurrentQueueSize"], second["QueueTime"]) == ("2", "2", "0")


def test_leave_requests_the_action_and_continues_with_its_twiml(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = ENQUEUE + "<Say>never, the action took over</Say>"
    app.routes["/wait"] = lambda params: (
        "<Leave/>" if int(params["QueueTime"]) >= 60 else '<Pause length="30"/>'
    )
    app.routes["/after"] = "<Say>Wij verbinden u door</Say><Hangup/>"
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    [after] = app.params("/after")
    assert {key: after[key] for key in ("QueueResult", "QueueSid", "QueueTime", "CallStatus")} == {
        "QueueResult": "leave",
        "QueueSid": "QU" + "0" * 31 + "1",
        "QueueTime": "60",
        "CallStatus": "in-progress",
    }
    assert [event.detail for event in call.events if event.kind == "say"] == ["«Wij verbinden u door»"]
    assert (call.queue, call.ended_at) == (None, at(62))


def test_leave_without_action_continues_after_enqueue(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = '<Enqueue waitUrl="/wait">support</Enqueue><Say>Tot ziens</Say>'
    app.routes["/wait"] = '<Pause length="5"/><Leave/>'
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert [event.detail for event in call.events if event.kind in ("leave", "queue-result", "say")] == [
        "leaves «support» after 5 s: <Leave/>",
        "QueueResult=leave QueueTime=5",
        "«Tot ziens»",
    ]


def test_hanging_up_in_the_queue_requests_the_action_and_runs_nothing_after(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    app.routes["/twilio/voice"] = ENQUEUE
    app.routes["/wait"] = '<Pause length="20"/>'
    app.routes["/after"] = "<Say>too late, nobody listens</Say>"
    call = sim.place_call(from_="+32470000001", to="+3233100100", hang_up_after=45)
    sim.run()

    [after] = app.params("/after")
    assert (after["QueueResult"], after["QueueTime"], after["CallStatus"]) == ("hangup", "45", "completed")
    assert [event.kind for event in call.events if event.kind == "say"] == []
    assert (call.status, call.ended_at, call.queue) == ("completed", at(45), None)


def test_a_full_queue_requests_the_action_without_queue_time(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = (
        '<Enqueue waitUrl="/wait" action="/after" maxQueueSize="1">support</Enqueue>'
    )
    app.routes["/wait"] = '<Pause length="20"/>'
    app.routes["/after"] = "<Say>Alle lijnen zijn bezet</Say>"
    sim.place_call(from_="+32470000001", to="+3233100100", hang_up_after=30)
    second = sim.place_call(from_="+32470000002", to="+3233100100", at=at(5))
    sim.run()

    full = [params for params in app.params("/after") if params["CallSid"] == second.sid]
    assert [{key: value for key, value in params.items() if key.startswith("Queue")} for params in full] == [
        {"QueueResult": "queue-full"}
    ]
    assert [event.detail for event in second.events if event.kind in ("queue-full", "say")] == [
        "«support» is full (1 callers)",
        "«Alle lijnen zijn bezet»",
    ]


def test_queue_full_without_action_falls_through(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = (
        '<Enqueue maxQueueSize="1" waitUrl="/wait">q</Enqueue><Say>Probeer later</Say>'
    )
    app.routes["/wait"] = '<Pause length="20"/>'
    sim.place_call(from_="+32470000001", to="+3233100100", hang_up_after=30)
    second = sim.place_call(from_="+32470000002", to="+3233100100", at=at(1))
    sim.run()

    assert [event.detail for event in second.events if event.kind == "say"] == ["«Probeer later»"]
    assert second.ended_at == at(2)


def test_hangup_in_the_wait_document_ends_the_call(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = ENQUEUE
    app.routes["/wait"] = '<Pause length="3"/><Hangup/>'
    app.routes["/after"] = "<Say>not executed</Say>"
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert [params["QueueResult"] for params in app.params("/after")] == ["hangup"]
    assert (call.status, call.ended_at) == ("completed", at(3))


def test_redirect_in_the_wait_document_returns_to_the_wait_url_afterwards(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    app.routes["/twilio/voice"] = ENQUEUE
    app.routes["/wait"] = '<Pause length="10"/><Redirect>/music</Redirect>'
    app.routes["/music"] = '<Pause length="20"/>'
    sim.place_call(from_="+32470000001", to="+3233100100", hang_up_after=65)
    sim.run()

    requests = [(webhook.at, webhook.url.removeprefix("https://ivr.example.be")) for webhook in sim.webhooks]
    assert [request for request in requests if request[1] in ("/wait", "/music")] == [
        (at(0), "/wait"),
        (at(10), "/music"),
        (at(30), "/wait"),
        (at(40), "/music"),
        (at(60), "/wait"),
    ]
    # Twilio's pages do not say that a redirected request carries the queue parameters: by
    # default only the standard ones (the option wait_redirect_queue_params sends them too).
    assert "QueueTime" not in app.params("/music")[0]


def test_a_wait_document_that_takes_no_time_is_an_application_error(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    app.routes["/twilio/voice"] = ENQUEUE
    app.routes["/wait"] = ""
    app.routes["/after"] = "<Hangup/>"
    sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert [event.detail for event in sim.errors] == [
        "the waitUrl document /wait plays nothing; Twilio would re-request it without pause"
    ]
    assert [params["QueueResult"] for params in app.params("/after")] == ["error"]


WAIT_FAILURES: dict[str, tuple[str | Response, str]] = {
    "dial": ("<Dial>+3227138700</Dial>", "POST /wait: <Dial> is not allowed in a waitUrl document"),
    "enqueue": ("<Enqueue>other</Enqueue>", "POST /wait: <Enqueue> is not allowed in a waitUrl document"),
    "not-xml": (
        "<Pause",
        "POST /wait: not well-formed XML (not well-formed (invalid token): line 1, column 54)",
    ),
    "http-500": (Response("broken", status_code=500), "POST /wait answered HTTP 500"),
    "text-plain": (
        Response("<Response/>", media_type="text/plain"),
        "POST /wait answered text/plain, not text/xml or application/xml",
    ),
}


@pytest.mark.parametrize("name", list(WAIT_FAILURES), ids=list(WAIT_FAILURES))
def test_a_wait_document_twilio_cannot_run_ends_the_wait_with_error(
    app: TwimlApp, sim: TwilioSimulator, name: str
) -> None:
    answer, detail = WAIT_FAILURES[name]
    app.routes["/twilio/voice"] = ENQUEUE
    app.routes["/wait"] = '<Pause length="20"/>'
    app.routes["/after"] = "<Say>Bedankt</Say>"
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run(until=at(19))
    # From the second document on.
    app.routes["/wait"] = answer if isinstance(answer, str) else lambda _: answer
    sim.run()

    # Twilio: QueueResult "error" for a "TwiML error ... in TwiML from waitUrl"; the call goes on
    # with the action's answer (here: it hears "Bedankt", then the call ends).
    assert [(event.kind, event.detail) for event in sim.errors] == [("wait-url-error", detail)]
    assert [params["QueueResult"] for params in app.params("/after")] == ["error"]
    assert app.params("/after")[0]["QueueTime"] == "20"
    assert [event.detail for event in call.events if event.kind == "say"] == ["«Bedankt»"]
    assert (call.status, call.queue) == ("completed", None)
