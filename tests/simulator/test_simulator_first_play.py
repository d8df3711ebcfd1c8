"""Twilio's media download before the first play of a URL, and what a waitUrl redirect carries."""

from __future__ import annotations

import pytest

from simulator import TwilioSimulator
from tests.simulator.conftest import SimulatorFactory, TwimlApp, at, wav_bytes


def test_first_play_of_a_url_waits_for_the_download_then_plays_from_the_cache(
    app: TwimlApp, make_sim: SimulatorFactory
) -> None:
    app.media["/media/beep.wav"] = wav_bytes(2)
    app.media["/media/tone.wav"] = wav_bytes(1)
    app.routes["/twilio/voice"] = (
        "<Play>/media/beep.wav</Play><Play>/media/beep.wav</Play><Play>/media/tone.wav</Play>"
    )
    sim = make_sim(first_play_delay=(3.0, 3.0))
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    timeline = [(event.kind, event.at) for event in call.events if event.kind in ("download", "play")]
    assert timeline == [
        ("download", at(0)),
        ("play", at(3)),  # beep, downloaded first
        ("play", at(5)),  # beep again, from the cache
        ("download", at(7)),
        ("play", at(10)),  # tone
    ]
    assert call.ended_at == at(11)
    [first, _] = [event for event in call.events if event.kind == "download"]
    assert first.detail == "Twilio fetches /media/beep.wav before its first play (3 s)"
    assert dict(first.data) == {"url": "https://ivr.example.be/media/beep.wav", "seconds": "3"}


@pytest.mark.parametrize("seed", range(5), ids=[f"seed-{seed}" for seed in range(5)])
def test_first_play_delay_is_drawn_within_its_bounds_from_the_seed(
    app: TwimlApp, make_sim: SimulatorFactory, seed: int
) -> None:
    app.media["/media/beep.wav"] = wav_bytes(1)
    app.routes["/twilio/voice"] = "<Play>/media/beep.wav</Play>"
    delays = []
    for _ in range(2):
        sim = make_sim(first_play_delay=(0.0, 10.0), seed=seed)
        call = sim.place_call(from_="+32470000001", to="+3233100100")
        sim.run()
        [download] = [event for event in call.events if event.kind == "download"]
        delays.append(float(download.data["seconds"]))
    assert delays[0] == delays[1]  # reproducible
    assert 0.0 <= delays[0] <= 10.0


def test_no_first_play_delay_by_default(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.media["/media/beep.wav"] = wav_bytes(2)
    app.routes["/twilio/voice"] = "<Play>/media/beep.wav</Play>"
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert [event.kind for event in call.events if event.kind == "download"] == []
    assert call.ended_at == at(2)


@pytest.mark.parametrize("bounds", [(-1.0, 2.0), (3.0, 2.0)], ids=["negative", "reversed"])
def test_first_play_delay_bounds_are_checked(make_sim: SimulatorFactory, bounds: tuple[float, float]) -> None:
    with pytest.raises(ValueError, match="first_play_delay"):
        make_sim(first_play_delay=bounds)


@pytest.mark.parametrize("queue_params", [True, False], ids=["with-queue-params", "without-queue-params"])
def test_a_redirect_in_a_wait_url_document_carries_the_queue_parameters_or_not(
    app: TwimlApp, make_sim: SimulatorFactory, queue_params: bool
) -> None:
    app.routes["/twilio/voice"] = '<Enqueue waitUrl="/wait">support</Enqueue>'
    app.routes["/wait"] = '<Pause length="5"/><Redirect>/wait-again</Redirect>'
    app.routes["/wait-again"] = '<Pause length="5"/><Leave/>'
    sim = make_sim(wait_redirect_queue_params=queue_params)
    sim.place_call(from_="+32470000001", to="+3233100100", hang_up_after=60)
    sim.run()

    [first] = app.params("/wait")
    [redirected] = app.params("/wait-again")
    assert first["QueueTime"] == "0"
    assert ("QueueTime" in redirected, redirected.get("QueueTime")) == (
        (True, "5") if queue_params else (False, None)
    )
