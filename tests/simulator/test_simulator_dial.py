"""<Dial> to a number, with the destination's scripted behaviour."""

from __future__ import annotations

import pytest

from simulator import DestinationBehaviour, TwilioSimulator
from tests.simulator.conftest import SimulatorFactory, TwimlApp, at

CENTRAL = "+3227138700"


@pytest.mark.parametrize(
    ("behaviour", "timeout", "ended", "expected"),
    [
        (
            DestinationBehaviour(ring_seconds=8, talk_seconds=90),
            30,
            98,
            {"DialCallStatus": "completed", "DialCallDuration": "90", "DialBridged": "true"},
        ),
        (
            DestinationBehaviour(outcome="busy", ring_seconds=2),
            30,
            2,
            {"DialCallStatus": "busy", "DialBridged": "false"},
        ),
        (
            DestinationBehaviour(outcome="no-answer"),
            20,
            25,
            {"DialCallStatus": "no-answer", "DialBridged": "false"},
        ),
        (
            DestinationBehaviour(outcome="failed", ring_seconds=1),
            30,
            1,
            {"DialCallStatus": "failed", "DialBridged": "false"},
        ),
        (
            DestinationBehaviour(ring_seconds=40),
            30,
            35,
            {"DialCallStatus": "no-answer", "DialBridged": "false"},
        ),
    ],
    ids=["answer", "busy", "no-answer", "failed", "rings-past-the-timeout"],
)
def test_the_dial_action_reports_the_destinations_behaviour(
    app: TwimlApp,
    sim: TwilioSimulator,
    behaviour: DestinationBehaviour,
    timeout: int,
    ended: int,
    expected: dict[str, str],
) -> None:
    sim.set_destination(CENTRAL, behaviour)
    app.routes["/twilio/voice"] = f'<Dial action="/dialed" timeout="{timeout}">{CENTRAL}</Dial>'
    app.routes["/dialed"] = "<Hangup/>"
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    [params] = app.params("/dialed")
    assert {key: value for key, value in params.items() if key.startswith("Dial")} == expected | {
        "DialCallSid": "CA" + "0" * 31 + "2"  # a new call, after the caller's own CA…1
    }
    assert call.ended_at == at(ended)


def test_unknown_numbers_answer_after_five_seconds_and_talk_a_minute(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    app.routes["/twilio/voice"] = '<Dial action="/dialed"><Number>+3250000000</Number></Dial>'
    app.routes["/dialed"] = "<Hangup/>"
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert app.params("/dialed")[0]["DialCallDuration"] == "60"
    assert call.ended_at == at(65)


def test_the_caller_id_is_recorded(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = f'<Dial callerId="+3233100100">{CENTRAL}</Dial><Dial>{CENTRAL}</Dial>'
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert [(event.detail, event.data["CallerId"]) for event in call.events if event.kind == "dial"] == [
        ("+3227138700 (callerId +3233100100, timeout 30 s)", "+3233100100"),
        ("+3227138700 (callerId +32470000001, timeout 30 s)", "+32470000001"),
    ]


def test_without_action_the_call_continues_with_the_next_verb(app: TwimlApp, sim: TwilioSimulator) -> None:
    sim.set_destination(CENTRAL, DestinationBehaviour(outcome="busy", ring_seconds=3))
    app.routes["/twilio/voice"] = f"<Dial>{CENTRAL}</Dial><Say>De centrale is bezet</Say>"
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert [(event.kind, event.detail) for event in call.events if event.kind in ("dial-result", "say")] == [
        ("dial-result", "busy"),
        ("say", "«De centrale is bezet»"),
    ]
    assert call.ended_at == at(5)


def test_hanging_up_during_the_conversation_still_requests_the_action(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    app.routes["/twilio/voice"] = f'<Dial action="/dialed">{CENTRAL}</Dial>'
    app.routes["/dialed"] = "<Say>nobody hears this</Say>"
    call = sim.place_call(from_="+32470000001", to="+3233100100", hang_up_after=35)
    sim.run()

    [params] = app.params("/dialed")
    assert (params["DialCallStatus"], params["DialCallDuration"], params["CallStatus"]) == (
        "completed",
        "30",
        "completed",
    )
    assert [event.kind for event in call.events if event.kind == "say"] == []


CALLER_IDS = {
    # (From, callerId attribute or None, verified numbers) -> the leg's DialCallStatus and error
    "own-number": ("+32470000001", None, (), "completed", None),
    "dialled-number": ("+32470000001", "+3233100100", (), "completed", None),
    "withheld-dialled-number": ("anonymous", "+3233100100", (), "completed", None),
    "verified-number": ("+32470000001", "+3250000000", ("+3250000000",), "completed", None),
    "withheld-passed-on": (
        "anonymous",
        None,
        (),
        "failed",
        "13214: the caller's own ID «anonymous» is passed on without callerId and refused",
    ),
    "restricted-passed-on": (
        "Restricted",
        None,
        (),
        "failed",
        "13214: the caller's own ID «Restricted» is passed on without callerId and refused",
    ),
    "empty-passed-on": (
        "",
        None,
        (),
        "failed",
        "13214: the caller's own ID «» is passed on without callerId and refused",
    ),
    "not-ours": (
        "+32470000001",
        "+3250000000",
        (),
        "failed",
        "13214: callerId «+3250000000» is not the calling, called or a validated number",
    ),
    "not-a-number": (
        "anonymous",
        "anonymous",
        (),
        "failed",
        "13214: callerId «anonymous» is not the calling, called or a validated number",
    ),
}


@pytest.mark.parametrize("name", list(CALLER_IDS), ids=list(CALLER_IDS))
def test_a_caller_id_twilio_refuses_fails_the_leg(
    app: TwimlApp, make_sim: SimulatorFactory, name: str
) -> None:
    caller, caller_id, verified, status, error = CALLER_IDS[name]
    sim = make_sim(verified_caller_ids=verified)
    attribute = "" if caller_id is None else f' callerId="{caller_id}"'
    app.routes["/twilio/voice"] = f'<Dial action="/dialed"{attribute}>{CENTRAL}</Dial>'
    app.routes["/dialed"] = "<Hangup/>"
    sim.place_call(from_=caller, to="+3233100100")
    sim.run()

    assert app.params("/dialed")[0]["DialCallStatus"] == status
    assert [(event.kind, event.detail) for event in sim.errors] == (
        [] if error is None else [("dial-error", error)]
    )
