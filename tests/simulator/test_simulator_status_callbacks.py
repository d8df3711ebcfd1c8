"""Status callbacks: parameters, sequence numbers, duplicates and reordering with a seed."""

from __future__ import annotations

import random

import pytest

from simulator import TwilioSimulator
from tests.simulator.conftest import SimulatorFactory, TwimlApp, at

ALL_EVENTS = ("initiated", "ringing", "answered", "completed")


def callbacks(app: TwimlApp) -> list[tuple[str, str]]:
    return [(params["SequenceNumber"], params["CallStatus"]) for params in app.params("/twilio/status")]


def test_completed_callback_parameters(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = '<Pause length="75"/>'
    call = sim.place_call(from_="+32470000001", to="+3233100100", at=at(42))
    sim.run()

    [params] = app.params("/twilio/status")
    assert params == {
        "CallSid": call.sid,
        "AccountSid": "AC" + "0" * 32,
        "From": "+32470000001",
        "To": "+3233100100",
        "CallStatus": "completed",
        "ApiVersion": "2010-04-01",
        "Direction": "inbound",
        "CallbackSource": "call-progress-events",
        "SequenceNumber": "0",
        "Timestamp": "Mon, 02 Mar 2026 09:01:57 +0000",
        "CallDuration": "75",
        "Duration": "2",
    }


def test_every_subscribed_event_gets_the_next_sequence_number(
    app: TwimlApp, make_sim: SimulatorFactory
) -> None:
    app.routes["/twilio/voice"] = '<Pause length="5"/>'
    sim = make_sim(status_events=ALL_EVENTS)
    sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert callbacks(app) == [("0", "initiated"), ("1", "ringing"), ("2", "in-progress"), ("3", "completed")]


def test_a_rejected_call_is_never_answered(app: TwimlApp, make_sim: SimulatorFactory) -> None:
    app.routes["/twilio/voice"] = '<Reject reason="busy"/>'
    sim = make_sim(status_events=ALL_EVENTS)
    sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert callbacks(app) == [("0", "initiated"), ("1", "ringing"), ("2", "busy")]
    assert "CallDuration" not in app.params("/twilio/status")[-1]


def test_a_call_hung_up_before_it_started_is_canceled(app: TwimlApp, sim: TwilioSimulator) -> None:
    call = sim.place_call(from_="+32470000001", to="+3233100100", at=at(10))
    sim.hang_up(call.sid, at=at(5))
    sim.run()

    assert (call.status, callbacks(app)) == ("canceled", [("0", "canceled")])
    assert app.params("/twilio/voice") == []


def test_duplicates_are_sent_twice_with_the_same_sequence_number(
    app: TwimlApp, make_sim: SimulatorFactory
) -> None:
    app.routes["/twilio/voice"] = '<Pause length="5"/>'
    sim = make_sim(status_events=ALL_EVENTS, duplicate_status_callbacks=1.0)
    sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert [number for number, _ in callbacks(app)] == ["0", "0", "1", "1", "2", "2", "3", "3"]
    assert [event.detail for event in sim.events if event.kind == "status-callback"][:2] == [
        "initiated #0 → 204",
        "initiated #0 (duplicate) → 204",
    ]


@pytest.mark.parametrize("seed", [1, 2, 3], ids=["seed-1", "seed-2", "seed-3"])
def test_duplicates_follow_the_seeded_generator(app: TwimlApp, make_sim: SimulatorFactory, seed: int) -> None:
    app.routes["/twilio/voice"] = '<Pause length="5"/>'
    sim = make_sim(status_events=ALL_EVENTS, duplicate_status_callbacks=0.5, seed=seed)
    sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    draws = random.Random(seed)  # noqa: S311 - the same generator the simulator uses
    expected = [copy for number in "0123" for copy in [number] * (1 + (draws.random() < 0.5))]
    assert [number for number, _ in callbacks(app)] == expected


@pytest.mark.parametrize("seed", [7, 8], ids=["seed-7", "seed-8"])
def test_reordered_callbacks_arrive_shuffled_after_the_call(
    app: TwimlApp, make_sim: SimulatorFactory, seed: int
) -> None:
    app.routes["/twilio/voice"] = '<Pause length="5"/>'
    sim = make_sim(status_events=ALL_EVENTS, reorder_status_callbacks=True, seed=seed)
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    expected = ["0", "1", "2", "3"]
    random.Random(seed).shuffle(expected)  # noqa: S311 - the same generator the simulator uses
    assert [number for number, _ in callbacks(app)] == expected
    assert expected != sorted(expected)
    assert {webhook.at for webhook in sim.webhooks if webhook.url.endswith("/twilio/status")} == {
        call.ended_at
    }
    timestamps = {params["SequenceNumber"]: params["Timestamp"] for params in app.params("/twilio/status")}
    assert timestamps["0"] == "Mon, 02 Mar 2026 09:00:00 +0000"
    assert timestamps["3"] == "Mon, 02 Mar 2026 09:00:05 +0000"


def test_a_failing_status_callback_is_recorded(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = "<Hangup/>"
    app.status_code = 500
    sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert [(event.kind, event.detail) for event in sim.errors] == [
        ("callback-error", "status callback completed #0 answered HTTP 500")
    ]


def test_unknown_status_events_are_refused(make_sim: SimulatorFactory) -> None:
    with pytest.raises(ValueError, match=r"unknown status events \['progress'\]"):
        make_sim(status_events=("completed", "progress"))
