"""``GET Calls/{Sid}.json``: a call's Twilio-shaped state, as ``client.calls(sid).fetch()`` reads it."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from simulator import TwilioSimulator
from tests.simulator.conftest import TOKEN, TwimlApp, at

ACCOUNT = "AC" + "0" * 32


def rest(sim: TwilioSimulator) -> Client:
    return Client(ACCOUNT, TOKEN, http_client=sim.rest_http_client())


def test_fetch_follows_a_call_from_queued_to_completed(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = '<Pause length="15"/>'
    call = sim.place_call(from_="+32470000001", to="+3233100100", at=at(10))
    client = rest(sim)

    queued = client.calls(call.sid).fetch()
    sim.run(until=at(20))
    talking = client.calls(call.sid).fetch()
    sim.run()
    ended = client.calls(call.sid).fetch()

    assert [(fetched.sid, fetched.status) for fetched in (queued, talking, ended)] == [
        (call.sid, "queued"),
        (call.sid, "in-progress"),
        (call.sid, "completed"),
    ]
    assert (talking.from_formatted, talking.to, talking.start_time, talking.end_time, talking.duration) == (
        "+32470000001",
        "+3233100100",
        at(10),
        None,
        None,
    )
    assert (ended.end_time, ended.duration) == (at(25), "15")


def test_fetch_is_recorded_as_a_rest_request_of_the_call(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = "<Hangup/>"
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    rest(sim).calls(call.sid).fetch()

    path = f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{call.sid}.json"
    assert [(r.method, r.path, dict(r.data), r.status_code) for r in sim.rest_requests] == [
        ("GET", path, {}, 200)
    ]
    assert [event.detail for event in call.events if event.kind == "rest"] == [
        f"GET Calls/{call.sid}.json → 200"
    ]


def test_fetching_an_unknown_call_is_a_404(sim: TwilioSimulator) -> None:
    with pytest.raises(TwilioRestException) as unknown:
        rest(sim).calls("CA" + "f" * 32).fetch()

    assert (unknown.value.status, unknown.value.code) == (404, 20404)
