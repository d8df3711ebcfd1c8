"""<Number> as Twilio's page lists it, answering-machine detection, and the destinations' script.

The attributes the simulator models run, the ones it does not are refused by name, anything else
is refused as undocumented; detection yields the AnsweredBy values Twilio documents for each mode,
after as long as its tunings say.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest

from simulator import CallBack, DestinationBehaviour, Said, TwilioSimulator, format_timeline
from simulator.amd import Detection, detect
from simulator.twiml import MachineDetection
from tests.simulator.conftest import SimulatorFactory, TwimlApp
from tests.simulator.test_simulator_outbound import AGENT_LINE, AGENT_PHONE, HELPDESK, PERSON, outbound_app


@pytest.fixture
def sim(make_sim: SimulatorFactory) -> TwilioSimulator:
    return make_sim(account_numbers=[HELPDESK])


REFUSED = {
    "unknown-attribute": ('timeLimit="60"', "<Number timeLimit> is not an attribute Twilio documents"),
    "send-digits": ('sendDigits="1w2"', "<Number sendDigits> is not simulated"),
    "status-callback": ('statusCallback="/s"', "<Number statusCallback> is not simulated"),
    "amd-status-callback": ('amdStatusCallback="/amd"', "<Number amdStatusCallback> is not simulated"),
    "lower-case-mode": (
        'machineDetection="enable"',
        '<Number machineDetection="enable"> must be "Enable" or "DetectMessageEnd"',
    ),
    "boolean-mode": (
        'machineDetection="true"',
        '<Number machineDetection="true"> must be "Enable" or "DetectMessageEnd"',
    ),
    "timeout-too-short": (
        'machineDetection="Enable" machineDetectionTimeout="2"',
        '<Number machineDetectionTimeout="2"> must be a whole number from 3 to 60',
    ),
    "timeout-too-long": (
        'machineDetection="Enable" machineDetectionTimeout="61"',
        '<Number machineDetectionTimeout="61"> must be a whole number from 3 to 60',
    ),
    "speech-threshold-too-low": (
        'machineDetection="Enable" machineDetectionSpeechThreshold="999"',
        '<Number machineDetectionSpeechThreshold="999"> must be a whole number from 1000 to 6000',
    ),
    "speech-threshold-too-high": (
        'machineDetection="Enable" machineDetectionSpeechThreshold="6001"',
        '<Number machineDetectionSpeechThreshold="6001"> must be a whole number from 1000 to 6000',
    ),
    "speech-end-too-low": (
        'machineDetection="DetectMessageEnd" machineDetectionSpeechEndThreshold="499"',
        '<Number machineDetectionSpeechEndThreshold="499"> must be a whole number from 500 to 5000',
    ),
    "silence-too-long": (
        'machineDetection="Enable" machineDetectionSilenceTimeout="10001"',
        '<Number machineDetectionSilenceTimeout="10001"> must be a whole number from 2000 to 10000',
    ),
    "not-whole": (
        'machineDetection="Enable" machineDetectionTimeout="2.5"',
        '<Number machineDetectionTimeout="2.5"> must be a whole number from 3 to 60',
    ),
    "tuning-without-detection": (
        'machineDetectionTimeout="10"',
        "<Number machineDetectionTimeout> has no effect without machineDetection",
    ),
    "empty-url": ('url=""', '<Number url=""> must be a URL'),
    "bad-method": ('url="/s" method="PUT"', '<Number method="PUT"> must be GET or POST'),
}


@pytest.mark.parametrize("name", list(REFUSED), ids=list(REFUSED))
def test_a_number_twilio_would_not_run_is_an_application_error(
    app: TwimlApp, sim: TwilioSimulator, name: str
) -> None:
    attributes, message = REFUSED[name]
    app.routes["/agent"] = f'<Dial callerId="{HELPDESK}"><Number {attributes}>{PERSON}</Number></Dial>'
    call = sim.place_call(from_=AGENT_PHONE, to=HELPDESK, path="/agent")
    sim.run()

    assert [(event.kind, event.detail) for event in sim.errors] == [
        ("application-error", f"POST /agent: {message}")
    ]
    assert sim.dialled_legs() == []
    assert call.status == "failed"


@pytest.mark.parametrize(
    "attributes",
    [
        'machineDetection="Enable" machineDetectionTimeout="3" machineDetectionSpeechThreshold="1000"'
        ' machineDetectionSpeechEndThreshold="500" machineDetectionSilenceTimeout="2000"',
        'machineDetection="DetectMessageEnd" machineDetectionTimeout="60"'
        ' machineDetectionSpeechThreshold="6000" machineDetectionSpeechEndThreshold="5000"'
        ' machineDetectionSilenceTimeout="10000"',
        'url="/screen" method="GET"',
    ],
    ids=["lowest-tunings", "highest-tunings", "url-by-get"],
)
def test_the_documented_attributes_run(app: TwimlApp, sim: TwilioSimulator, attributes: str) -> None:
    app.routes["/agent"] = f'<Dial callerId="{HELPDESK}"><Number {attributes}>{PERSON}</Number></Dial>'
    app.routes["/screen"] = ""
    sim.place_call(from_=AGENT_PHONE, to=HELPDESK, path="/agent")
    sim.run()

    assert sim.errors == []
    assert [leg.bridged for leg in sim.dialled_legs()] == [True]


ENABLE = MachineDetection("Enable")
END = MachineDetection("DetectMessageEnd")
DETECTIONS = {
    # (settings, answerer, greeting seconds, how a machine's greeting ends) -> AnsweredBy, seconds
    "enable-person": (ENABLE, "person", 1.0, "beep", Detection("human", 2.2)),
    "enable-machine": (ENABLE, "machine", 8.0, "beep", Detection("machine_start", 2.4)),
    "enable-fax": (ENABLE, "fax", 3.0, "beep", Detection("fax", 3.0)),
    "enable-undetectable": (ENABLE, "undetectable", 0.0, "beep", Detection("unknown", 5.0)),
    "enable-talkative-person": (ENABLE, "person", 4.0, "beep", Detection("machine_start", 2.4)),
    "enable-short-greeting": (ENABLE, "machine", 2.0, "beep", Detection("human", 3.2)),
    "end-person": (END, "person", 1.0, "beep", Detection("human", 2.2)),
    "end-machine-beep": (END, "machine", 8.0, "beep", Detection("machine_end_beep", 8.0)),
    "end-machine-silence": (END, "machine", 8.0, "silence", Detection("machine_end_silence", 9.2)),
    "end-machine-other": (END, "machine", 8.0, "other", Detection("machine_end_other", 9.2)),
    "end-talkative-person": (END, "person", 4.0, "beep", Detection("machine_end_silence", 5.2)),
    "end-fax": (END, "fax", 3.0, "beep", Detection("fax", 3.0)),
    "end-long-greeting-times-out": (END, "machine", 45.0, "beep", Detection("unknown", 30.0)),
    "short-timeout": (
        MachineDetection("Enable", timeout=3),
        "undetectable",
        0.0,
        "beep",
        Detection("unknown", 3.0),
    ),
    "tuned-thresholds": (
        MachineDetection("Enable", speech_threshold=4000, speech_end_threshold=500, silence_timeout=2000),
        "machine",
        3.0,
        "beep",
        Detection("human", 3.5),
    ),
}


@pytest.mark.parametrize("name", list(DETECTIONS), ids=list(DETECTIONS))
def test_detection_yields_the_documented_values_after_its_thresholds(name: str) -> None:
    settings, answerer, greeting, greeting_end, expected = DETECTIONS[name]
    assert detect(settings, answerer, greeting, greeting_end) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mode", "answerer", "answered_by"),
    [("DetectMessageEnd", "machine", "machine_end_beep"), ("Enable", "fax", "fax")],
)
def test_the_url_request_carries_what_detection_decided(
    app: TwimlApp, sim: TwilioSimulator, mode: str, answerer: str, answered_by: str
) -> None:
    outbound_app(app, mode=mode)
    sim.set_destination(PERSON, DestinationBehaviour(answerer=answerer))  # type: ignore[arg-type]
    sim.place_call(from_=AGENT_PHONE, to=AGENT_LINE, path="/agent", digits=[(2, "")])
    sim.run()

    assert [params["AnsweredBy"] for params in app.params("/screen")] == [answered_by]
    assert [(leg.answered_by, leg.bridged) for leg in sim.dialled_legs()] == [(answered_by, False)]


def test_the_called_leg_is_a_call_of_its_own(app: TwimlApp, sim: TwilioSimulator) -> None:
    outbound_app(app)
    agent = sim.place_call(from_=AGENT_PHONE, to=AGENT_LINE, path="/agent", digits=[(2, "")])
    sim.run()

    [leg] = sim.dialled_legs()
    called = sim.calls[leg.sid]
    assert (called.from_, called.to, called.direction, called.parent_sid, called.status) == (
        HELPDESK,
        PERSON,
        "outbound-dial",
        agent.sid,
        "completed",
    )
    assert (agent.direction, agent.parent_sid) == ("inbound", None)
    # A leg's status is its <Number statusCallback>'s business (not simulated), not the number's.
    assert {params["CallSid"] for params in app.params("/twilio/status")} == {agent.sid}


def test_an_outbound_leg_reads_in_the_timeline(app: TwimlApp, sim: TwilioSimulator) -> None:
    outbound_app(app)
    sim.set_destination(PERSON, DestinationBehaviour(answerer="machine", ring_seconds=12))
    sim.place_call(from_=AGENT_PHONE, to=AGENT_LINE, path="/agent", digits=[(2, "")])
    sim.run()

    brussels = ZoneInfo("Europe/Brussels")
    assert format_timeline(sim.events, zone=brussels).splitlines()[2:7] == [
        "10:00:03  +3s    #1  dials   +32470123456 (callerId +3233100100, timeout 40 s)",
        "10:00:15  +15s   #1  dials   +32470123456 answers",
        "10:00:17  +17s   #2  amd     AnsweredBy=machine_start after 2.4 s (Enable)",
        "10:00:17  +17s   #2  hangup  <Hangup/>",
        "10:00:17  +17s   #1  dials   completed, answered for 2 s, never connected",
    ]
    verbose = format_timeline(sim.events, zone=brussels, verbose=True).splitlines()
    assert [line for line in verbose if "rings" in line] == [
        "10:00:03  +3s    #2  rings   ring 1 (+0 s)",
        "10:00:08  +8s    #2  rings   ring 2 (+5 s)",
        "10:00:13  +13s   #2  rings   ring 3 (+10 s)",
    ]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: DestinationBehaviour(outcome="voicemail"), "outcome 'voicemail' is not answer"),  # type: ignore[arg-type]
        (lambda: DestinationBehaviour(answerer="robot"), "answerer 'robot' is not person"),  # type: ignore[arg-type]
        (lambda: DestinationBehaviour(greeting_end="tone"), "greeting_end 'tone' is not beep"),  # type: ignore[arg-type]
        (lambda: DestinationBehaviour(ring_length=0), "ring_length ≥ 1 second"),
        (lambda: DestinationBehaviour(ring_seconds=-1), "ring_seconds and talk_seconds are ≥ 0"),
        (lambda: DestinationBehaviour(greeting_seconds=-0.5), "greeting_seconds is ≥ 0"),
        (lambda: DestinationBehaviour(digits=((1, "1a"),)), "digits entries are"),
        (lambda: DestinationBehaviour(digits=((1, Said("")),)), "digits entries are"),
        (lambda: CallBack(after=-1), "after, talk_seconds and hang_up_after are seconds ≥ 0"),
        (lambda: CallBack(after=60, to="0470123456"), "to '0470123456' is not an E.164 number"),
        (lambda: CallBack(after=60, digits=((-1, "1"),)), "digits entries are"),
    ],
    ids=[
        "outcome",
        "answerer",
        "greeting-end",
        "ring-length",
        "ring-seconds",
        "greeting-seconds",
        "keys",
        "empty-words",
        "call-back-after",
        "call-back-to",
        "call-back-digits",
    ],
)
def test_a_destination_script_that_cannot_be_is_refused(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_the_simulator_refuses_impossible_numbers_and_readings(make_sim: SimulatorFactory) -> None:
    with pytest.raises(ValueError, match=r"'0470123456' is not an E\.164 number"):
        make_sim().set_destination("0470123456", DestinationBehaviour())
    with pytest.raises(ValueError, match=r"are E.164 numbers, not \['033100100'\]"):
        make_sim(account_numbers=["033100100"])
    with pytest.raises(ValueError, match='url_hangup_status is "completed" or "no-answer"'):
        make_sim(url_hangup_status="busy")
