"""Outbound legs: an agent's call dials a citizen through <Dial><Number>, as the agent line does.

The tiny app below speaks the shape the agent line uses (caller ID, ring time, hangupOnStar,
answering-machine detection and a <Number url> that hangs up on anything but a person); every
test reads the simulator's own trace of the leg (``dialled_legs`` and the leg's events).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from simulator import CallBack, DestinationBehaviour, DialledLeg, SimCall, TwilioSimulator
from tests.simulator.conftest import START, SimulatorFactory, TwimlApp, at

AGENT_PHONE = "+32490000001"
AGENT_LINE = "+3233100199"
HELPDESK = "+3233100100"
PERSON = "+32470123456"
LEG = "CA" + "0" * 31 + "2"  # the leg is the second call the simulator makes

DIAL = (
    "<Say>reservelijst dinsdag 14 uur, 56</Say>"  # 34 characters: 3 s
    f'<Dial callerId="{HELPDESK}" timeout="40" hangupOnStar="true" action="/after">'
    '<Number machineDetection="{mode}" url="/screen" method="POST">{number}</Number>'
    "</Dial>"
)
OUTCOME = '<Gather numDigits="1" timeout="20" action="/outcome"><Say>Uitkomst?</Say></Gather>'


def screen(params: dict[str, str]) -> str:
    """Bridge a person; hang up on a machine, a fax or what detection could not place."""
    return "" if params["AnsweredBy"] == "human" else "<Hangup/>"


def outbound_app(app: TwimlApp, mode: str = "Enable", number: str = PERSON) -> None:
    app.routes |= {
        "/agent": DIAL.format(mode=mode, number=number),
        "/screen": screen,
        "/after": OUTCOME,
        "/outcome": "<Hangup/>",
    }


@pytest.fixture
def sim(make_sim: SimulatorFactory) -> TwilioSimulator:
    return make_sim(account_numbers=[HELPDESK])


def agent_call(sim: TwilioSimulator, **script: object) -> SimCall:
    return sim.place_call(from_=AGENT_PHONE, to=AGENT_LINE, path="/agent", **script)  # type: ignore[arg-type]


def dial_params(app: TwimlApp) -> dict[str, str]:
    [params] = app.params("/after")
    return {key: value for key, value in params.items() if key.startswith("Dial")}


def test_nobody_answers_eight_rings_of_five_seconds_then_no_answer(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    outbound_app(app)
    sim.set_destination(PERSON, DestinationBehaviour(outcome="no-answer"))
    agent = agent_call(sim)
    sim.run()

    [leg] = sim.dialled_legs()
    assert leg == DialledLeg(
        sid=LEG,
        parent_sid=agent.sid,
        number=PERSON,
        caller_id=HELPDESK,
        timeout=40,
        machine_detection="Enable",
        rings=9,  # the ninth starts in Twilio's 5 s buffer after the timeout
        rings_within_timeout=8,
        answered_by=None,
        served=(),
        ran=(),
        bridged=False,
        talk_seconds=0,
        status="no-answer",
        dial_call_status="no-answer",
    )
    rings = [(event.at, event.data["Ring"]) for event in sim.calls[LEG].events if event.kind == "ring"]
    assert rings == [(at(3 + 5 * n), str(n + 1)) for n in range(9)]
    assert dial_params(app) == {"DialCallStatus": "no-answer", "DialCallSid": LEG, "DialBridged": "false"}
    assert app.params("/after")[0]["CallSid"] == agent.sid
    assert [webhook.at for webhook in sim.webhooks if webhook.url.endswith("/after")] == [at(3 + 45)]
    assert app.params("/screen") == []
    assert sim.errors == []


@pytest.mark.parametrize(
    ("outcome", "ring_seconds", "ended"),
    [("busy", 2, 5), ("failed", 1, 4), ("busy", 60, 48)],
    ids=["busy", "failed", "busy-tone-after-the-timeout"],
)
def test_busy_and_failed_never_ring(
    app: TwimlApp, sim: TwilioSimulator, outcome: str, ring_seconds: int, ended: int
) -> None:
    outbound_app(app)
    sim.set_destination(PERSON, DestinationBehaviour(outcome=outcome, ring_seconds=ring_seconds))  # type: ignore[arg-type]
    agent_call(sim)
    sim.run()

    [leg] = sim.dialled_legs()
    assert (leg.rings, leg.status, leg.dial_call_status, leg.bridged) == (0, outcome, outcome, False)
    assert sim.calls[LEG].ended_at == at(ended)
    assert dial_params(app) == {"DialCallStatus": outcome, "DialCallSid": LEG, "DialBridged": "false"}


def test_a_person_is_detected_then_the_url_bridges_them_to_the_agent(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    outbound_app(app)
    sim.set_destination(PERSON, DestinationBehaviour(ring_seconds=12, talk_seconds=90))
    agent = agent_call(sim, digits=[(2, "1")])
    sim.run()

    # Answered at 3 + 12 s; "Hallo?" (1 s) and 1.2 s of silence make a person.
    [screened] = [webhook for webhook in sim.webhooks if webhook.url.endswith("/screen")]
    assert (screened.at, screened.call_sid) == (at(17.2), LEG)
    assert dict(screened.params) == {
        "CallSid": LEG,
        "AccountSid": sim.account_sid,
        "From": HELPDESK,
        "To": PERSON,
        "CallStatus": "in-progress",
        "ApiVersion": "2010-04-01",
        "Direction": "outbound-dial",
        "ParentCallSid": agent.sid,
        "AnsweredBy": "human",
    }
    [leg] = sim.dialled_legs(agent.sid)
    assert (leg.rings, leg.answered_by, leg.served, leg.ran, leg.bridged, leg.talk_seconds) == (
        3,
        "human",
        (),
        (),
        True,
        90,
    )
    assert dial_params(app) == {
        "DialCallStatus": "completed",
        "DialCallSid": LEG,
        "DialBridged": "true",
        "DialCallDuration": "92",  # from the answer: detection 2.2 s, then 90 s of talk
    }
    [amd] = [event for event in sim.calls[LEG].events if event.kind == "amd"]
    assert (amd.at, dict(amd.data)) == (at(17.2), {"AnsweredBy": "human", "MachineDetectionDuration": "2200"})
    assert app.params("/outcome")[0]["Digits"] == "1"  # the agent's outcome key, after the dial
    assert sim.calls[LEG].answered_by == "human"
    assert sim.errors == []


@pytest.mark.parametrize("url_hangup_status", ["completed", "no-answer"])
def test_a_voicemail_is_hung_up_on_before_anything_reaches_it(
    app: TwimlApp, make_sim: SimulatorFactory, url_hangup_status: str
) -> None:
    sim = make_sim(account_numbers=[HELPDESK], url_hangup_status=url_hangup_status)
    outbound_app(app)
    sim.set_destination(PERSON, DestinationBehaviour(ring_seconds=20, answerer="machine"))
    agent_call(sim, digits=[(2, "")])
    sim.run()

    [leg] = sim.dialled_legs()
    assert (leg.answered_by, leg.served, leg.ran, leg.bridged, leg.status) == (
        "machine_start",
        ("Hangup",),
        ("Hangup",),
        False,
        "completed",
    )
    assert not {"Say", "Play", "Record"} & set(leg.served + leg.ran)
    assert [event.kind for event in sim.calls[LEG].events if event.kind in ("say", "play", "pause")] == []
    # Detection takes the speech threshold (2.4 s): the leg ends 3 + 20 + 2.4 s after the start.
    assert sim.calls[LEG].ended_at == at(25.4)
    expected = {"DialCallStatus": url_hangup_status, "DialCallSid": LEG, "DialBridged": "false"}
    if url_hangup_status == "completed":
        expected["DialCallDuration"] = "2"
    assert dial_params(app) == expected


def test_what_the_url_says_runs_on_the_called_leg_only(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes |= {
        "/agent": (
            f'<Dial callerId="{HELPDESK}" timeout="40" action="/after">'
            f'<Number url="/screen">{PERSON}</Number></Dial>'
        ),
        "/screen": (
            '<Gather numDigits="1" action="/accept"><Say>Druk 1 voor het vaccinatiecentrum</Say></Gather>'
            "<Hangup/>"
        ),
        "/accept": lambda params: "" if params["Digits"] == "1" else "<Hangup/>",
        "/after": "<Hangup/>",
    }
    sim.set_destination(PERSON, DestinationBehaviour(digits=((1, "1"),), talk_seconds=30))
    agent = agent_call(sim)
    sim.run()

    [leg] = sim.dialled_legs()
    assert (leg.machine_detection, leg.answered_by, leg.served, leg.ran, leg.bridged) == (
        None,
        None,
        ("Gather", "Say", "Hangup"),
        ("Gather", "Say"),
        True,
    )
    # Without machineDetection the url is requested at the answer, without AnsweredBy.
    assert [(request["CallSid"], "AnsweredBy" in request) for request in app.params("/screen")] == [
        (LEG, False)
    ]
    assert [request["Digits"] for request in app.params("/accept")] == ["1"]
    assert [event.kind for event in agent.events if event.kind in ("say", "gather")] == []
    assert [event.data["text"] for event in sim.calls[LEG].events if event.kind == "say"] == [
        "Druk 1 voor het vaccinatiecentrum"
    ]


def test_a_dial_in_the_url_document_is_refused_and_ends_the_leg(app: TwimlApp, sim: TwilioSimulator) -> None:
    outbound_app(app)
    app.routes["/screen"] = "<Dial>+3227138700</Dial>"
    agent_call(sim, digits=[(2, "")])
    sim.run()

    [leg] = sim.dialled_legs()
    assert (leg.bridged, leg.dial_call_status) == (False, "completed")
    assert [(event.call_sid, event.kind, event.detail) for event in sim.errors] == [
        (
            LEG,
            "application-error",
            "POST /screen: <Dial> is not allowed in a <Number url> document (the called leg is hung up)",
        )
    ]


@pytest.mark.parametrize(
    ("star_while_waiting", "status", "bridged", "ended"),
    [("ends-dial", "completed", False, 13), ("ignored", "no-answer", False, 48)],
)
def test_star_while_it_rings_follows_the_queue_dial_reading(
    app: TwimlApp, make_sim: SimulatorFactory, star_while_waiting: str, status: str, bridged: bool, ended: int
) -> None:
    sim = make_sim(account_numbers=[HELPDESK], star_while_waiting=star_while_waiting)
    outbound_app(app)
    sim.set_destination(PERSON, DestinationBehaviour(outcome="no-answer"))
    agent_call(sim, dial_keys=[(10, "*")], digits=[(2, "")])
    sim.run()

    [leg] = sim.dialled_legs()
    assert (leg.dial_call_status, leg.bridged, sim.calls[LEG].ended_at) == (status, bridged, at(ended))


def test_star_during_the_conversation_hangs_up_on_the_called_party(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    outbound_app(app)
    sim.set_destination(PERSON, DestinationBehaviour(ring_seconds=5, talk_seconds=300))
    agent = agent_call(sim, dial_keys=[(40, "*")], digits=[(2, "2")])
    sim.run()

    [leg] = sim.dialled_legs()
    assert (leg.status, leg.bridged, leg.talk_seconds) == ("completed", True, 32)  # bridged at 3 + 5 + 2.2 s
    assert dial_params(app) == {
        "DialCallStatus": "completed",
        "DialCallSid": LEG,
        "DialBridged": "true",
        "DialCallDuration": "35",
    }
    assert [event.detail for event in agent.events if event.kind == "star"] == [
        "presses * during <Dial hangupOnStar>",
        "* hangs up on the called party",
    ]
    assert app.params("/outcome")[0]["Digits"] == "2"


@pytest.mark.parametrize(
    ("hang_up_after", "leg_status", "dial_call_status"),
    [(10, "canceled", "canceled"), (100, "completed", "completed")],
    ids=["while-it-rings", "while-they-talk"],
)
def test_the_agent_hanging_up_ends_the_leg(
    app: TwimlApp, sim: TwilioSimulator, hang_up_after: int, leg_status: str, dial_call_status: str
) -> None:
    outbound_app(app)
    sim.set_destination(PERSON, DestinationBehaviour(ring_seconds=20, talk_seconds=300))
    agent_call(sim, hang_up_after=hang_up_after)
    sim.run()

    [leg] = sim.dialled_legs()
    assert (leg.status, leg.dial_call_status, sim.calls[LEG].ended_at) == (
        leg_status,
        dial_call_status,
        at(hang_up_after),
    )
    assert app.params("/after")[0]["DialCallStatus"] == dial_call_status  # requested, its answer ignored


REFUSED = {
    # (callerId, number, verified or owned numbers) -> the dial-error
    "not-e164": (HELPDESK, "0470123456", [HELPDESK], "13223: «0470123456» is not an E.164 number"),
    "not-owned": (
        "+3233100300",
        PERSON,
        [HELPDESK],
        "13214: callerId «+3233100300» is not the calling, called or a validated number",
    ),
    "owned": (HELPDESK, PERSON, [HELPDESK], None),
    "own-to": (AGENT_LINE, PERSON, [], None),
}


@pytest.mark.parametrize("name", list(REFUSED), ids=list(REFUSED))
def test_the_caller_id_and_number_twilio_refuses_fail_the_leg(
    app: TwimlApp, make_sim: SimulatorFactory, name: str
) -> None:
    caller_id, number, owned, error = REFUSED[name]
    sim = make_sim(account_numbers=owned)
    app.routes |= {
        "/agent": f'<Dial callerId="{caller_id}" action="/after"><Number>{number}</Number></Dial>',
        "/after": "<Hangup/>",
    }
    agent_call(sim)
    sim.run()

    [leg] = sim.dialled_legs()
    assert [(event.kind, event.detail) for event in sim.errors] == (
        [] if error is None else [("dial-error", error)]
    )
    assert (leg.caller_id, leg.dial_call_status) == (caller_id, "failed" if error else "completed")


def test_a_person_who_missed_the_call_calls_back_later(app: TwimlApp, sim: TwilioSimulator) -> None:
    outbound_app(app)
    app.routes["/twilio/voice"] = '<Pause length="60"/>'
    back = CallBack(after=3600, hang_up_after=30)
    sim.set_destination(PERSON, DestinationBehaviour(outcome="no-answer", call_back=back))
    agent_call(sim, digits=[(2, "")])
    agent_call(sim, at=at(600), digits=[(2, "")])  # missed twice, returned once
    sim.run()

    [first, second] = sim.dialled_legs()
    assert (first.status, second.status) == ("no-answer", "no-answer")
    [returned] = [call for call in sim.calls.values() if call.from_ == PERSON]
    assert (returned.to, returned.started_at, returned.direction, returned.duration) == (
        HELPDESK,  # the caller ID their phone showed
        sim.calls[first.sid].ended_at + timedelta(seconds=3600),  # type: ignore[operator]
        "inbound",
        30,
    )
    assert app.params("/twilio/voice")[0]["From"] == PERSON


def test_someone_who_talked_does_not_call_back(app: TwimlApp, sim: TwilioSimulator) -> None:
    outbound_app(app)
    sim.set_destination(PERSON, DestinationBehaviour(call_back=CallBack(after=60)))
    agent_call(sim, digits=[(2, "1")])
    sim.run()

    assert [call.sid for call in sim.calls.values() if call.from_ == PERSON] == []


def test_calling_back_at_a_chosen_moment_is_an_ordinary_call(app: TwimlApp, sim: TwilioSimulator) -> None:
    outbound_app(app)
    app.routes["/twilio/voice"] = "<Say>Welkom</Say>"
    sim.set_destination(PERSON, DestinationBehaviour(outcome="busy"))
    agent_call(sim, digits=[(2, "")])
    back = sim.place_call(from_=PERSON, to=HELPDESK, at=START + timedelta(hours=71))
    sim.run()

    assert [leg.status for leg in sim.dialled_legs()] == ["busy"]
    assert (back.ended_at, app.params("/twilio/voice")[0]["From"]) == (
        START + timedelta(hours=71, seconds=1),
        PERSON,
    )


def test_a_list_of_six_with_one_slot(app: TwimlApp, sim: TwilioSimulator) -> None:
    """The agent line's loop in miniature: the acceptance fills the slot, the sixth is never called."""
    people = [f"+3247000000{n}" for n in range(1, 7)]

    def next_person(params: dict[str, str]) -> str:
        return DIAL.format(mode="Enable", number=people[len(app.params("/next")) - 1])

    app.routes |= {
        "/agent": "<Redirect>/next</Redirect>",
        "/next": next_person,
        "/screen": screen,
        "/after": lambda params: OUTCOME if params["DialBridged"] == "true" else "<Redirect>/next</Redirect>",
        "/outcome": lambda params: "<Hangup/>" if params["Digits"] == "1" else "<Redirect>/next</Redirect>",
    }
    behaviours = [
        DestinationBehaviour(outcome="no-answer"),
        DestinationBehaviour(answerer="machine"),
        DestinationBehaviour(outcome="busy", ring_seconds=3),
        DestinationBehaviour(talk_seconds=40),  # not now
        DestinationBehaviour(talk_seconds=60),  # accepts
        DestinationBehaviour(),
    ]
    for number, behaviour in zip(people, behaviours, strict=True):
        sim.set_destination(number, behaviour)
    agent = agent_call(sim, digits=[(2, "2"), (2, "1")])
    sim.run()

    legs = sim.dialled_legs(agent.sid)
    assert [(leg.number, leg.dial_call_status, leg.answered_by, leg.bridged) for leg in legs] == [
        (people[0], "no-answer", None, False),
        (people[1], "completed", "machine_start", False),
        (people[2], "busy", None, False),
        (people[3], "completed", "human", True),
        (people[4], "completed", "human", True),
    ]
    assert {(leg.caller_id, leg.timeout) for leg in legs} == {(HELPDESK, 40)}
    assert legs[0].rings_within_timeout == 8
    assert not {"Say", "Play", "Record"} & set(legs[1].served + legs[1].ran)
    assert [params["Digits"] for params in app.params("/outcome")] == ["2", "1"]
    assert sim.errors == []
