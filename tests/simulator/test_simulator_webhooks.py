"""Signed webhooks, the standard parameters, and what counts as an application error."""

from __future__ import annotations

import pytest
from fastapi import Response
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from simulator import TwilioSimulator
from tests.simulator.conftest import BASE, START, TOKEN, Handler, SimulatorFactory, TwimlApp, at


def test_pinned_signature_vector_from_twilio_python() -> None:
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
        "Caller": "+14158675309",
    }
    signature = RequestValidator("12345").compute_signature(
        "https://mycompany.com/myapp.php?foo=1&bar=2", params
    )
    assert signature == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_first_request_carries_the_standard_parameters_and_a_valid_signature(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    app.routes["/twilio/voice"] = "<Hangup/>"
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    [webhook] = [request for request in sim.webhooks if request.url == BASE + "/twilio/voice"]
    assert dict(webhook.params) == {
        "CallSid": call.sid,
        "AccountSid": "AC" + "0" * 32,
        "From": "+32470000001",
        "To": "+3233100100",
        "CallStatus": "ringing",
        "ApiVersion": "2010-04-01",
        "Direction": "inbound",
    }
    assert webhook.signature == RequestValidator(TOKEN).compute_signature(webhook.url, dict(webhook.params))
    assert app.params("/twilio/voice") == [dict(webhook.params)]
    assert webhook.status_code == 200
    assert sim.errors == []


def test_later_requests_report_the_call_in_progress(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = "<Redirect>/next</Redirect>"
    app.routes["/next"] = "<Hangup/>"
    sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert [params["CallStatus"] for params in app.params("/next")] == ["in-progress"]


def test_call_sids_are_unique_and_twilio_shaped(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = "<Hangup/>"
    sids = [sim.place_call(from_=f"+3247000000{n}", to="+3233100100").sid for n in range(3)]
    sim.run()

    assert len(set(sids)) == 3
    assert all(len(sid) == 34 and sid.startswith("CA") and int(sid[2:], 16) >= 0 for sid in sids)
    assert [params["CallSid"] for params in app.params("/twilio/voice")] == sids


def test_get_redirect_puts_the_parameters_in_the_signed_url(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = '<Redirect method="GET">/menu?lang=nl</Redirect>'
    app.routes["/menu"] = "<Hangup/>"
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    [menu] = [request for request in app.received if request.path == "/menu"]
    assert (menu.method, menu.params["lang"], menu.params["CallSid"]) == ("GET", "nl", call.sid)
    assert sim.webhooks[1].url.startswith(BASE + "/menu?lang=nl&")
    assert sim.errors == []


def test_a_wrong_auth_token_is_refused_by_the_application(app: TwimlApp, client: TestClient) -> None:
    app.routes["/twilio/voice"] = "<Hangup/>"
    sim = TwilioSimulator(client, public_base_url=BASE, auth_token="wrong", start=START)
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert [(event.kind, event.detail) for event in sim.errors] == [
        ("application-error", "POST /twilio/voice answered HTTP 403"),
        ("callback-error", "status callback failed #0 answered HTTP 403"),
    ]
    assert call.status == "failed"


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (lambda _: Response("boom", status_code=500), "POST /twilio/voice answered HTTP 500"),
        (
            lambda _: Response("<Response><Say>unclosed</Response>", media_type="text/xml"),
            "POST /twilio/voice: not well-formed XML (mismatched tag: line 1, column 25)",
        ),
        (
            lambda _: Response("<Response/>", media_type="text/html"),
            "POST /twilio/voice answered text/html, not text/xml or application/xml",
        ),
        (
            lambda _: Response("<Say>Hallo</Say>", media_type="application/xml"),
            "POST /twilio/voice: the root element is <Say>, not <Response>",
        ),
        (
            lambda _: Response("<Response><Leave/></Response>", media_type="text/xml"),
            "POST /twilio/voice: <Leave> is not allowed in the call",
        ),
        (
            lambda _: Response("<Response><Sms>hi</Sms></Response>", media_type="text/xml"),
            "POST /twilio/voice: <Sms> is not allowed in the call",
        ),
    ],
    ids=["http-500", "invalid-xml", "html", "root-not-response", "leave-outside-queue", "unknown-verb"],
)
def test_an_unusable_answer_is_an_application_error_that_ends_the_call(
    app: TwimlApp, sim: TwilioSimulator, route: Handler, reason: str
) -> None:
    app.routes["/twilio/voice"] = route
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert [(event.kind, event.detail) for event in sim.errors] == [("application-error", reason)]
    assert (call.status, call.ended_at) == ("failed", START)


def test_an_application_error_after_answering_completes_the_call(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = "<Pause length='3'/><Redirect>/broken</Redirect><Say>never</Say>"
    app.routes["/broken"] = lambda _: Response("boom", status_code=500)
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert [event.detail for event in sim.errors] == ["POST /broken answered HTTP 500"]
    assert (call.status, call.ended_at) == ("completed", at(3))
    assert "say" not in [event.kind for event in call.events]


def test_a_redirect_loop_is_stopped(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = "<Redirect>/twilio/voice</Redirect>"
    sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert [event.detail for event in sim.errors] == [
        "more than 100 documents requested without time passing (a <Redirect> loop?)"
    ]
    assert len(app.params("/twilio/voice")) == 100


def test_urls_outside_the_application_are_not_reachable(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = "<Redirect>https://elsewhere.example.com/twiml</Redirect>"
    sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert [event.detail for event in sim.errors] == [
        "https://elsewhere.example.com/twiml is not on the application (https://ivr.example.be);"
        " the simulator reaches nothing else"
    ]


def test_webhook_latency_delays_execution(app: TwimlApp, make_sim: SimulatorFactory) -> None:
    app.routes["/twilio/voice"] = "<Redirect>/next</Redirect>"
    app.routes["/next"] = "<Hangup/>"
    sim = make_sim(webhook_latency=0.5)
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert [webhook.at for webhook in sim.webhooks[:2]] == [START, at(0.5)]
    assert call.ended_at == at(1)


def test_the_same_scenario_gives_the_same_events(app: TwimlApp, make_sim: SimulatorFactory) -> None:
    app.routes["/twilio/voice"] = "<Say>Goeiedag</Say><Enqueue waitUrl='/wait'>q</Enqueue>"
    app.routes["/wait"] = "<Pause length='20'/>"
    runs = []
    for _ in range(2):
        sim = make_sim()
        sim.place_call(from_="+32470000001", to="+3233100100", hang_up_after=50, call_sid="CA" + "a" * 32)
        sim.place_call(
            from_="+32470000002", to="+3233100100", at=at(7), hang_up_after=30, call_sid="CA" + "b" * 32
        )
        sim.run()
        runs.append([(event.at, event.call_sid, event.kind, event.detail) for event in sim.events])

    assert runs[0] == runs[1]
    assert {sid for _, sid, _, _ in runs[0]} == {"CA" + "a" * 32, "CA" + "b" * 32}


def test_a_public_base_url_with_a_path_prefix(app: TwimlApp, client: TestClient) -> None:
    """Behind a proxy that serves the application under /ivr, Twilio signs the prefixed URL."""
    app.public_base_url = BASE + "/ivr"
    app.routes["/twilio/voice"] = "<Redirect>next</Redirect>"
    app.routes["/twilio/next"] = "<Hangup/>"
    sim = TwilioSimulator(client, public_base_url=BASE + "/ivr/", auth_token=TOKEN, start=START)
    sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert [webhook.url for webhook in sim.webhooks] == [
        BASE + "/ivr/twilio/voice",
        BASE + "/ivr/twilio/next",
        BASE + "/ivr/twilio/status",
    ]
    assert [request.path for request in app.received] == ["/twilio/voice", "/twilio/next", "/twilio/status"]
    assert sim.errors == []
