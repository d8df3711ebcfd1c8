"""The REST API through twilio-python: Calls update, queue Members dequeue, Queues."""

from __future__ import annotations

import json

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from simulator import TwilioSimulator
from tests.simulator.conftest import BASE, TOKEN, SimulatorFactory, TwimlApp, at

ACCOUNT = "AC" + "0" * 32
QUEUE_SID = "QU" + "0" * 31 + "1"


def rest(sim: TwilioSimulator) -> Client:
    return Client(ACCOUNT, TOKEN, http_client=sim.rest_http_client())


def queue_app(app: TwimlApp) -> None:
    app.routes["/twilio/voice"] = '<Enqueue waitUrl="/wait" action="/after">support</Enqueue>'
    app.routes["/wait"] = '<Pause length="30"/>'
    app.routes["/after"] = "<Say>Na de wachtrij</Say>"
    app.routes["/moved"] = "<Say>Verplaatst</Say>"


def said(sim: TwilioSimulator, sid: str) -> list[str]:
    return [event.detail for event in sim.calls[sid].events if event.kind == "say"]


@pytest.mark.parametrize(
    ("redirect_control", "heard"),
    [("url", ["«Verplaatst»"]), ("action", ["«Na de wachtrij»"])],
    ids=["url-controls", "action-controls"],
)
def test_redirecting_a_queued_call_leaves_the_queue_and_reports_redirected(
    app: TwimlApp, make_sim: SimulatorFactory, redirect_control: str, heard: list[str]
) -> None:
    queue_app(app)
    sim = make_sim(redirect_control=redirect_control)
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run(until=at(40))

    updated = rest(sim).calls(call.sid).update(url=f"{BASE}/moved", method="POST")
    sim.run()

    assert (updated.sid, updated.status) == (call.sid, "in-progress")
    [after] = app.params("/after")
    assert (after["QueueResult"], after["QueueSid"], after["QueueTime"]) == ("redirected", QUEUE_SID, "40")
    assert len(app.params("/moved")) == 1
    assert said(sim, call.sid) == heard
    assert (call.queue, call.ended_at) == (None, at(41))
    assert sim.errors == []


def test_redirect_to_inline_twiml(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = '<Pause length="60"/>'
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run(until=at(10))

    rest(sim).calls(call.sid).update(twiml="<Response><Say>Ahoy</Say></Response>")
    sim.run()

    assert said(sim, call.sid) == ["«Ahoy»"]
    assert call.ended_at == at(11)


def test_completing_a_call_hangs_it_up(app: TwimlApp, sim: TwilioSimulator) -> None:
    queue_app(app)
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run(until=at(15))

    rest(sim).calls(call.sid).update(status="completed")
    sim.run()

    assert (call.status, call.ended_at) == ("completed", at(15))
    assert [params["QueueResult"] for params in app.params("/after")] == ["hangup"]
    assert [(params["CallStatus"], params["CallDuration"]) for params in app.params("/twilio/status")] == [
        ("completed", "15")
    ]


def test_a_rest_redirect_from_inside_a_webhook(app: TwimlApp, sim: TwilioSimulator) -> None:
    """Like the service does when the last agent logs out: its status callback moves the callers."""
    queue_app(app)
    app.routes["/agent"] = '<Pause length="20"/>'
    client = rest(sim)
    caller = sim.place_call(from_="+32470000001", to="+3233100100")

    def agent_gone(params: dict[str, str]) -> str:
        if params["CallSid"] != caller.sid:
            client.calls(caller.sid).update(url=f"{BASE}/moved")
        return ""

    app.routes["/twilio/status"] = agent_gone
    sim.place_call(from_="+32490000001", to="+3233100199", path="/agent", at=at(5))
    sim.run()

    assert said(sim, caller.sid) == ["«Verplaatst»"]
    assert [(params["QueueResult"], params["QueueTime"]) for params in app.params("/after")] == [
        ("redirected", "25")
    ]


def test_unknown_and_ended_calls_are_refused(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = "<Hangup/>"
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()
    client = rest(sim)

    with pytest.raises(TwilioRestException) as unknown:
        client.calls("CA" + "f" * 32).update(url=f"{BASE}/moved")
    with pytest.raises(TwilioRestException) as ended:
        client.calls(call.sid).update(url=f"{BASE}/moved")

    assert (unknown.value.status, unknown.value.code) == (404, 20404)
    assert f"/Calls/CA{'f' * 32}.json was not found" in unknown.value.msg
    assert (ended.value.status, ended.value.code) == (400, 21220)
    assert client.calls(call.sid).fetch().status == "completed"


def test_members_front_dequeues_callers_in_order_and_a_call_only_once(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    queue_app(app)
    first = sim.place_call(from_="+32470000001", to="+3233100100")
    second = sim.place_call(from_="+32470000002", to="+3233100100", at=at(3))
    sim.run(until=at(10))
    members = rest(sim).queues(QUEUE_SID).members

    front = members("Front").update(url=f"{BASE}/moved", method="POST")
    again = members("Front").update(url=f"{BASE}/moved", method="POST")
    with pytest.raises(TwilioRestException) as twice:
        members(first.sid).update(url=f"{BASE}/moved", method="POST")
    sim.run()

    assert [(member.call_sid, member.position, member.wait_time) for member in (front, again)] == [
        (first.sid, 1, 10),
        (second.sid, 1, 7),
    ]
    assert (twice.value.status, twice.value.code) == (400, 21220)
    assert [(params["CallSid"], params["QueueResult"]) for params in app.params("/after")] == [
        (first.sid, "redirected"),
        (second.sid, "redirected"),
    ]
    assert said(sim, first.sid) == said(sim, second.sid) == ["«Verplaatst»"]


def test_dequeue_by_call_sid(app: TwimlApp, sim: TwilioSimulator) -> None:
    queue_app(app)
    sim.place_call(from_="+32470000001", to="+3233100100")
    second = sim.place_call(from_="+32470000002", to="+3233100100", at=at(3))
    sim.run(until=at(10))

    member = rest(sim).queues(QUEUE_SID).members(second.sid).update(url=f"{BASE}/moved")
    sim.run(until=at(11))

    assert (member.call_sid, member.position) == (second.sid, 2)
    assert [(m.call_sid, m.position) for m in rest(sim).queues(QUEUE_SID).members.list()] == [
        (sim.events[0].call_sid, 1)
    ]


def test_queues_created_through_rest_limit_enqueue(app: TwimlApp, sim: TwilioSimulator) -> None:
    queue_app(app)
    client = rest(sim)
    created = client.queues.create(friendly_name="support", max_size=2)
    callers = [sim.place_call(from_=f"+3247000000{n}", to="+3233100100", at=at(n)) for n in range(3)]
    sim.run(until=at(10))

    fetched = client.queues(created.sid).fetch()
    assert (created.sid, created.friendly_name, created.max_size, created.current_size) == (
        QUEUE_SID,
        "support",
        2,
        0,
    )
    assert (fetched.current_size, fetched.average_wait_time) == (2, 9)  # waited 10 s and 9 s
    assert [params["QueueResult"] for params in app.params("/after")] == ["queue-full"]
    assert app.params("/after")[0]["CallSid"] == callers[2].sid

    client.queues(created.sid).update(max_size=5)
    assert [(queue.friendly_name, queue.max_size) for queue in client.queues.list()] == [("support", 5)]


def test_queue_listing_pages(app: TwimlApp, sim: TwilioSimulator) -> None:
    client = rest(sim)
    for number in range(3):
        client.queues.create(friendly_name=f"queue-{number}")

    assert [queue.friendly_name for queue in client.queues.list(page_size=2)] == [
        "queue-0",
        "queue-1",
        "queue-2",
    ]
    assert [queue.max_size for queue in client.queues.list(limit=1)] == [1000]


def test_wrong_credentials_are_refused(sim: TwilioSimulator) -> None:
    client = Client(ACCOUNT, "not-the-token", http_client=sim.rest_http_client())

    with pytest.raises(TwilioRestException) as refused:
        client.queues.create(friendly_name="support")

    assert (refused.value.status, refused.value.code) == (401, 20003)


def test_every_rest_request_is_recorded(app: TwimlApp, sim: TwilioSimulator) -> None:
    queue_app(app)
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run(until=at(12))
    rest(sim).calls(call.sid).update(url=f"{BASE}/moved", method="POST")

    [request] = sim.rest_requests
    assert (request.at, request.method, request.path, dict(request.data), request.status_code) == (
        at(12),
        "POST",
        f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{call.sid}.json",
        {"Url": f"{BASE}/moved", "Method": "POST"},
        200,
    )
    assert [event.detail for event in call.events if event.kind in ("rest", "redirect")] == [
        "REST API: to /moved",
        f"POST Calls/{call.sid}.json → 200",
    ]


@pytest.mark.parametrize(
    ("retry_after", "header"), [(None, None), (2, "2")], ids=["without-retry-after", "with-retry-after"]
)
def test_throttled_requests_get_429_and_are_not_processed(
    sim: TwilioSimulator, retry_after: int | None, header: str | None
) -> None:
    sim.throttle_rest(2, retry_after=retry_after)
    http = sim.rest_http_client()
    url = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Queues.json"

    answers = [
        http.request("POST", url, data={"FriendlyName": "support"}, auth=(ACCOUNT, TOKEN)) for _ in range(3)
    ]

    assert [answer.status_code for answer in answers] == [429, 429, 201]
    assert json.loads(answers[0].text) == {
        "code": 20429,
        "message": "Too Many Requests",
        "more_info": "https://www.twilio.com/docs/errors/20429",
        "status": 429,
    }
    assert answers[0].headers.get("Retry-After") == header
    assert [queue.friendly_name for queue in rest(sim).queues.list()] == ["support"]
    assert [request.status_code for request in sim.rest_requests] == [429, 429, 201, 200]
