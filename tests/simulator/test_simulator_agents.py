"""<Dial><Queue> on the agent's side: FIFO dequeue, the <Queue url> announcement, the bridge."""

from __future__ import annotations

import pytest
from twilio.rest import Client

from simulator import SimCall, TwilioSimulator
from tests.simulator.conftest import TOKEN, SimulatorFactory, TwimlApp, at

CALLER = '<Enqueue waitUrl="/wait" action="/after">support</Enqueue>'
AGENT = '<Dial action="/agent-after" timeout="20"><Queue url="/connect">support</Queue></Dial>'


def queue_app(app: TwimlApp) -> None:
    app.routes["/twilio/voice"] = CALLER
    app.routes["/wait"] = '<Pause length="30"/>'
    app.routes["/after"] = "<Say>Bedankt</Say>"
    app.routes["/agent"] = AGENT
    app.routes["/agent-after"] = AGENT
    app.routes["/connect"] = "<Say>U wordt verbonden</Say>"  # 17 characters: 2 s


def pick(params: dict[str, str], *keys: str) -> tuple[str, ...]:
    return tuple(params.get(key, "-") for key in keys)


def dial_results(agent: SimCall) -> list[dict[str, str]]:
    """What the simulator knows of each queue dial of ``agent``, sent to the action or not."""
    return [dict(event.data) for event in agent.events if event.kind == "dial-result"]


def test_two_agents_take_three_callers_in_arrival_order(app: TwimlApp, sim: TwilioSimulator) -> None:
    queue_app(app)
    first = sim.place_call(from_="+32470000001", to="+3233100100", talk_seconds=60)
    second = sim.place_call(from_="+32470000002", to="+3233100100", at=at(5), talk_seconds=30)
    third = sim.place_call(from_="+32470000003", to="+3233100100", at=at(10), talk_seconds=20)
    x = sim.place_call(from_="+32490000001", to="+3233100199", path="/agent", at=at(20), hang_up_after=130)
    y = sim.place_call(from_="+32490000002", to="+3233100199", path="/agent", at=at(25), hang_up_after=130)
    sim.run()

    assert [pick(params, "CallSid", "QueueTime", "DequeingCallSid") for params in app.params("/connect")] == [
        (first.sid, "20", x.sid),
        (second.sid, "20", y.sid),
        (third.sid, "47", y.sid),
    ]
    assert [
        (webhook.at, pick(dict(webhook.params), "CallSid", "QueueResult", "QueueTime"))
        for webhook in sim.webhooks
        if webhook.url.endswith("/after") and "QueueResult" in webhook.params
    ] == [
        (at(57), (second.sid, "bridged", "20")),
        (at(79), (third.sid, "bridged", "47")),
        (at(82), (first.sid, "bridged", "20")),
    ]
    completed = [params for params in app.params("/agent-after") if params["DialCallStatus"] == "completed"]
    assert [pick(params, "CallSid", "QueueTime") for params in completed] == [
        (y.sid, "20"),
        (y.sid, "47"),
        (x.sid, "20"),
    ]
    assert {params["QueueSid"] for params in completed} == {"QU" + "0" * 31 + "1"}
    assert [
        pick(result, "DialCallSid", "DialCallDuration", "DialBridged")
        for agent in (x, y)
        for result in dial_results(agent)
        if result["DialCallStatus"] == "completed"
    ] == [(first.sid, "60", "true"), (second.sid, "30", "true"), (third.sid, "20", "true")]
    assert [event.detail for event in first.events if event.kind == "say"] == [
        "«U wordt verbonden»",
        "«Bedankt»",
    ]
    assert (first.ended_at, second.ended_at, third.ended_at) == (at(83), at(58), at(80))
    assert sim.errors == []


def test_the_wait_audio_is_cut_when_an_agent_takes_the_caller(app: TwimlApp, sim: TwilioSimulator) -> None:
    queue_app(app)
    caller = sim.place_call(from_="+32470000001", to="+3233100100", talk_seconds=10)
    sim.place_call(from_="+32490000001", to="+3233100199", path="/agent", at=at(12), hang_up_after=5)
    sim.run()

    assert [
        ((event.at - caller.started_at).total_seconds(), event.kind, event.detail)
        for event in caller.events
        if event.kind in ("pause", "cut", "leave", "say", "bridged", "bridge-end")
    ] == [
        (0, "pause", "silence (30 s)"),
        (12, "leave", f"leaves «support» after 12 s: taken by {'CA' + '0' * 31 + '2'}"),
        (12, "cut", "stopped after 12 s of 30 s"),
        (12, "say", "«U wordt verbonden»"),
        (14, "bridged", f"talks with {'CA' + '0' * 31 + '2'} (+32490000001)"),
        (17, "bridge-end", "conversation ended after 3 s"),
        (17, "say", "«Bedankt»"),
    ]


def test_a_waiting_agent_takes_a_caller_the_moment_it_joins(app: TwimlApp, sim: TwilioSimulator) -> None:
    queue_app(app)
    sim.create_queue("support")
    agent = sim.place_call(from_="+32490000001", to="+3233100199", path="/agent", hang_up_after=60)
    caller = sim.place_call(from_="+32470000001", to="+3233100100", at=at(10), talk_seconds=15)
    sim.run()

    assert [pick(params, "QueueTime", "DequeingCallSid") for params in app.params("/connect")] == [
        ("0", agent.sid)
    ]
    assert pick(app.params("/agent-after")[0], "DialCallStatus") == ("completed",)
    assert pick(dial_results(agent)[0], "DialCallDuration") == ("15",)
    assert caller.ended_at == at(28)


def test_an_empty_queue_gives_no_answer_after_the_timeout_plus_five_seconds(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    queue_app(app)
    sim.create_queue("support")
    app.routes["/agent-after"] = "<Hangup/>"
    agent = sim.place_call(from_="+32490000001", to="+3233100199", path="/agent")
    sim.run()

    assert [webhook.at for webhook in sim.webhooks if webhook.url.endswith("/agent-after")] == [at(25)]
    [params] = app.params("/agent-after")
    assert params == {
        "CallSid": agent.sid,
        "AccountSid": "AC" + "0" * 32,
        "From": "+32490000001",
        "To": "+3233100199",
        "CallStatus": "in-progress",
        "ApiVersion": "2010-04-01",
        "Direction": "inbound",
        "DialCallStatus": "no-answer",
        "QueueSid": "QU" + "0" * 31 + "1",
    }
    assert agent.ended_at == at(25)


def test_the_caller_hanging_up_ends_the_conversation_for_the_agent(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    queue_app(app)
    app.routes["/agent-after"] = "<Say>Volgende</Say><Hangup/>"
    caller = sim.place_call(from_="+32470000001", to="+3233100100", hang_up_after=40, talk_seconds=100)
    agent = sim.place_call(from_="+32490000001", to="+3233100199", path="/agent", at=at(10))
    sim.run()

    assert pick(app.params("/after")[0], "QueueResult", "QueueTime", "CallStatus") == (
        "bridged",
        "10",
        "completed",
    )
    assert pick(app.params("/agent-after")[0], "DialCallStatus") == ("completed",)
    assert pick(dial_results(agent)[0], "DialCallDuration") == ("28",)
    assert [event.detail for event in caller.events if event.kind == "say"] == ["«U wordt verbonden»"]
    assert (caller.ended_at, agent.ended_at) == (at(40), at(41))


def test_the_agent_hanging_up_lets_the_caller_continue(app: TwimlApp, sim: TwilioSimulator) -> None:
    queue_app(app)
    caller = sim.place_call(from_="+32470000001", to="+3233100100", talk_seconds=100)
    agent = sim.place_call(from_="+32490000001", to="+3233100199", path="/agent", at=at(10), hang_up_after=20)
    sim.run()

    assert pick(app.params("/after")[0], "QueueResult", "CallStatus") == ("bridged", "in-progress")
    assert pick(app.params("/agent-after")[0], "DialCallStatus", "CallStatus") == ("completed", "completed")
    assert pick(dial_results(agent)[0], "DialCallDuration") == ("18",)
    assert [event.detail for event in caller.events if event.kind == "say"][-1] == "«Bedankt»"
    assert (caller.ended_at, agent.ended_at) == (at(31), at(30))


def test_a_caller_gone_during_the_announcement_cancels_the_agents_dial(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    queue_app(app)
    app.routes["/connect"] = '<Pause length="5"/>'
    app.routes["/agent-after"] = "<Hangup/>"
    sim.place_call(from_="+32470000001", to="+3233100100", hang_up_after=12)
    sim.place_call(from_="+32490000001", to="+3233100199", path="/agent", at=at(10))
    sim.run()

    assert pick(app.params("/after")[0], "QueueResult", "QueueTime") == ("hangup", "10")
    assert pick(app.params("/agent-after")[0], "DialCallStatus", "DialBridged", "QueueTime") == (
        "canceled",
        "-",
        "10",
    )


def test_the_announcement_may_only_play_audio_and_redirect(app: TwimlApp, sim: TwilioSimulator) -> None:
    queue_app(app)
    app.routes["/connect"] = "<Enqueue>other</Enqueue>"
    app.routes["/agent-after"] = "<Hangup/>"
    caller = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.place_call(from_="+32490000001", to="+3233100199", path="/agent", at=at(3))
    sim.run()

    assert [(event.kind, event.detail) for event in sim.errors] == [
        ("queue-url-error", "POST /connect: <Enqueue> is not allowed in a <Queue url> document")
    ]
    # The caller's wait ends with QueueResult=error and its call goes on with the action's
    # answer; the agent's dial ends without a bridge (DialCallStatus=failed).
    assert pick(app.params("/after")[0], "QueueResult", "QueueTime") == ("error", "3")
    assert [event.detail for event in caller.events if event.kind == "say"] == ["«Bedankt»"]
    assert caller.status == "completed"
    assert pick(app.params("/agent-after")[0], "DialCallStatus", "DialBridged") == ("failed", "-")


def test_an_agent_gone_during_the_announcement_leaves_the_caller_with_system_error(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    queue_app(app)
    app.routes["/connect"] = '<Pause length="5"/>'
    caller = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.place_call(from_="+32490000001", to="+3233100199", path="/agent", at=at(10), hang_up_after=2)
    sim.run()

    assert pick(app.params("/after")[0], "QueueResult", "QueueTime") == ("system-error", "10")
    assert pick(app.params("/agent-after")[0], "DialCallStatus", "CallStatus") == ("canceled", "completed")
    assert [event.detail for event in caller.events if event.kind == "say"] == ["«Bedankt»"]
    assert caller.ended_at == at(16)


QUEUE_DIAL_DETAILS = ("DialCallSid", "DialCallDuration", "DialBridged")


@pytest.mark.parametrize(
    ("details", "sent"),
    [(False, ("-", "-", "-")), (True, ("caller", "15", "true"))],
    ids=["documented-only", "with-undocumented-details"],
)
def test_the_agents_dial_action_after_a_queue_carries_the_details_only_when_asked(
    app: TwimlApp, make_sim: SimulatorFactory, details: bool, sent: tuple[str, ...]
) -> None:
    queue_app(app)
    sim = make_sim(queue_dial_details=details)
    sim.create_queue("support")
    sim.place_call(from_="+32490000001", to="+3233100199", path="/agent", hang_up_after=60)
    caller = sim.place_call(from_="+32470000001", to="+3233100100", at=at(10), talk_seconds=15)
    sim.run()

    params = app.params("/agent-after")[0]
    queue = "QU" + "0" * 31 + "1"
    assert pick(params, "DialCallStatus", "QueueSid", "QueueTime") == ("completed", queue, "0")
    assert pick(params, *QUEUE_DIAL_DETAILS) == tuple(caller.sid if v == "caller" else v for v in sent)


# ---------------------------------------------------------------- the agent's * (hangupOnStar)

STAR_AGENT = (
    '<Dial action="/agent-after" timeout="20" hangupOnStar="true">'
    '<Queue url="/connect">support</Queue></Dial>'
)


@pytest.mark.parametrize("reading", ["ends-dial", "ignored"])
def test_star_during_a_conversation_hangs_up_on_the_caller_only(
    app: TwimlApp, make_sim: SimulatorFactory, reading: str
) -> None:
    sim = make_sim(star_while_waiting=reading, queue_dial_details=True)
    queue_app(app)
    app.routes["/agent"] = STAR_AGENT
    app.routes["/agent-after"] = "<Say>Menu</Say>"
    caller = sim.place_call(from_="+32470000001", to="+3233100100", talk_seconds=100)
    agent = sim.place_call(
        from_="+32490000001", to="+3233100199", path="/agent", at=at(10), dial_keys=[(32, "*")]
    )
    sim.run()

    # Bridged at 12 (after the 2 s announcement); * at 42 ends the conversation, not the calls.
    assert pick(app.params("/after")[0], "QueueResult", "QueueTime", "CallStatus") == (
        "bridged",
        "10",
        "in-progress",
    )
    assert pick(app.params("/agent-after")[0], "DialCallStatus", "DialCallDuration", "CallStatus") == (
        "completed",
        "30",
        "in-progress",
    )
    assert [event.detail for event in caller.events if event.kind == "say"] == [
        "«U wordt verbonden»",
        "«Bedankt»",
    ]
    assert [event.detail for event in agent.events if event.kind == "say"] == ["«Menu»"]
    assert (caller.ended_at, agent.ended_at) == (at(43), at(43))
    assert sim.errors == []


@pytest.mark.parametrize(
    ("reading", "after_at", "status"),
    [("ends-dial", 15, "completed"), ("ignored", 35, "no-answer")],
    ids=["star-ends-the-dial", "star-is-ignored"],
)
def test_star_while_waiting_on_an_empty_queue_follows_the_chosen_reading(
    app: TwimlApp, make_sim: SimulatorFactory, reading: str, after_at: int, status: str
) -> None:
    sim = make_sim(star_while_waiting=reading)
    queue_app(app)
    sim.create_queue("support")
    app.routes["/agent"] = STAR_AGENT
    app.routes["/agent-after"] = "<Hangup/>"
    agent = sim.place_call(
        from_="+32490000001", to="+3233100199", path="/agent", at=at(10), dial_keys=[(5, "*")]
    )
    sim.run()

    [params] = app.params("/agent-after")
    assert pick(params, "DialCallStatus", "DialBridged", "DialCallSid") == (status, "-", "-")
    assert agent.ended_at == at(after_at)
    assert sim.errors == []


def test_star_without_hangup_on_star_does_nothing(app: TwimlApp, sim: TwilioSimulator) -> None:
    queue_app(app)
    app.routes["/agent-after"] = "<Hangup/>"
    caller = sim.place_call(from_="+32470000001", to="+3233100100", talk_seconds=30)
    agent = sim.place_call(from_="+32490000001", to="+3233100199", path="/agent", dial_keys=[(5, "*")])
    sim.run()

    assert pick(app.params("/agent-after")[0], "DialCallStatus") == ("completed",)
    assert pick(dial_results(agent)[0], "DialCallDuration") == ("30",)
    assert caller.ended_at == at(33)


def test_an_invalid_hangup_on_star_is_refused(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/agent"] = '<Dial hangupOnStar="yes"><Queue>support</Queue></Dial>'
    sim.place_call(from_="+32490000001", to="+3233100199", path="/agent")
    sim.run()

    assert [event.detail for event in sim.errors] == [
        'POST /agent: <Dial hangupOnStar="yes"> must be "true" or "false"'
    ]


# ---------------------------------------------------------------- queues that do not exist


def test_dialing_a_queue_that_does_not_exist_fails_at_once(app: TwimlApp, sim: TwilioSimulator) -> None:
    queue_app(app)
    app.routes["/agent-after"] = "<Hangup/>"
    agent = sim.place_call(from_="+32490000001", to="+3233100199", path="/agent", at=at(10))
    sim.run()

    [params] = app.params("/agent-after")
    assert pick(params, "DialCallStatus", "DialBridged", "QueueSid") == ("failed", "-", "-")
    assert agent.ended_at == at(10)
    assert [event.detail for event in agent.events if event.kind == "dial"] == [
        "queue «support» does not exist"
    ]


@pytest.mark.parametrize("created_by", ["enqueue", "rest"])
def test_a_queue_exists_once_a_caller_entered_it_or_rest_created_it(
    app: TwimlApp, sim: TwilioSimulator, created_by: str
) -> None:
    queue_app(app)
    app.routes["/agent-after"] = "<Hangup/>"
    if created_by == "rest":
        Client("AC" + "0" * 32, TOKEN, http_client=sim.rest_http_client()).queues.create(
            friendly_name="support"
        )
    else:
        sim.place_call(from_="+32470000001", to="+3233100100", hang_up_after=3)
    agent = sim.place_call(from_="+32490000001", to="+3233100199", path="/agent", at=at(10))
    sim.run()

    [params] = app.params("/agent-after")
    assert pick(params, "DialCallStatus", "DialBridged") == ("no-answer", "-")
    assert agent.ended_at == at(35)
