"""How long <Say>, <Play> and <Pause> take, and what is recorded about them."""

from __future__ import annotations

import pytest

from simulator import TwilioSimulator
from tests.simulator.conftest import SimulatorFactory, TwimlApp, at, wav_bytes


@pytest.mark.parametrize(
    ("characters", "chars_per_second", "seconds"),
    [
        (1, 14.0, 1),
        (14, 14.0, 1),
        (15, 14.0, 2),
        (140, 14.0, 10),
        (141, 14.0, 11),
        (30, 10.0, 3),
        (31, 10.0, 4),
    ],
    ids=[
        "one-char",
        "exactly-one-second",
        "just-over",
        "ten-seconds",
        "rounds-up",
        "slower-voice",
        "slower-up",
    ],
)
def test_say_lasts_the_text_length_divided_by_the_speaking_rate_rounded_up(
    app: TwimlApp, make_sim: SimulatorFactory, characters: int, chars_per_second: float, seconds: int
) -> None:
    app.routes["/twilio/voice"] = f"<Say>{'a' * characters}</Say>"
    sim = make_sim(chars_per_second=chars_per_second)
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert call.ended_at == at(seconds)


def test_say_records_language_voice_and_loops(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = (
        '<Say language="nl-BE" voice="Polly.Lisa-Neural" loop="3">Welkom bij de helpdesk</Say>'
    )
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    [say] = [event for event in call.events if event.kind == "say"]
    assert say.detail == "«Welkom bij de helpdesk» (3 times)"
    assert dict(say.data) == {
        "text": "Welkom bij de helpdesk",
        "language": "nl-BE",
        "voice": "Polly.Lisa-Neural",
        "seconds": "2",
        "loop": "3",
    }
    assert call.ended_at == at(6)


def test_say_defaults_to_twilio_voice_and_language(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = "<Say>Hello</Say>"
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    [say] = [event for event in call.events if event.kind == "say"]
    assert (say.data["language"], say.data["voice"]) == ("en-US", "man")


@pytest.mark.parametrize(
    ("play", "seconds", "detail"),
    [
        ("<Play>/media/music.wav</Play>", 2.5, "/media/music.wav (2.5 s)"),
        (
            '<Play loop="2">https://ivr.example.be/media/music.wav</Play>',
            5.0,
            "/media/music.wav (2.5 s) (2 times)",
        ),
        ('<Play loop="0">../media/music.wav</Play>', 2500.0, "/media/music.wav (2.5 s) (1000 times)"),
    ],
    ids=["relative", "absolute-looped", "loop-zero-is-1000"],
)
def test_play_lasts_the_length_of_the_wav_the_application_serves(
    app: TwimlApp, sim: TwilioSimulator, play: str, seconds: float, detail: str
) -> None:
    app.media["/media/music.wav"] = wav_bytes(2.5)
    app.routes["/twilio/voice"] = play
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    [event] = [event for event in call.events if event.kind == "play"]
    assert event.detail == detail
    assert event.data["url"] == "https://ivr.example.be/media/music.wav"
    assert call.ended_at == at(seconds)
    assert sim.errors == []


def test_media_is_fetched_once_unsigned_and_without_parameters(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.media["/media/beep.wav"] = wav_bytes(1, rate=16000)
    app.routes["/twilio/voice"] = "<Play>/media/beep.wav</Play><Play>/media/beep.wav</Play>"
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert call.ended_at == at(2)
    assert [webhook.url for webhook in sim.webhooks] == [
        "https://ivr.example.be/twilio/voice",
        "https://ivr.example.be/twilio/status",
    ]


@pytest.mark.parametrize(
    ("media", "reason"),
    [
        (None, "<Play>: GET /media/music.wav answered HTTP 404"),
        (b"RIFF....not a wav", "<Play>: GET /media/music.wav is not a WAV file the simulator can measure"),
    ],
    ids=["missing", "not-wav"],
)
def test_unplayable_media_is_an_application_error(
    app: TwimlApp, sim: TwilioSimulator, media: bytes | None, reason: str
) -> None:
    if media is not None:
        app.media["/media/music.wav"] = media
    app.routes["/twilio/voice"] = "<Play>/media/music.wav</Play>"
    sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    [error] = sim.errors
    assert error.detail.startswith(reason)


def test_pause_defaults_to_one_second(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = '<Pause/><Pause length="4"/>'
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert [event.detail for event in call.events if event.kind == "pause"] == [
        "silence (1 s)",
        "silence (4 s)",
    ]
    assert call.ended_at == at(5)


def test_hangup_ends_the_call_and_later_verbs_never_run(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = "<Pause length='2'/><Hangup/><Say>never</Say>"
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert [event.kind for event in call.events if event.kind not in ("webhook", "status-callback")] == [
        "call-start",
        "pause",
        "hangup",
        "call-end",
    ]
    assert (call.status, call.duration) == ("completed", 2)


@pytest.mark.parametrize(
    ("reject", "status"),
    [("<Reject/>", "no-answer"), ('<Reject reason="busy"/>', "busy")],
    ids=["rejected", "busy"],
)
def test_reject_as_first_verb_does_not_answer(
    app: TwimlApp, sim: TwilioSimulator, reject: str, status: str
) -> None:
    app.routes["/twilio/voice"] = reject
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert (call.status, call.answered_at) == (status, None)
    assert app.params("/twilio/status")[0]["CallStatus"] == status


def test_the_caller_hanging_up_stops_the_document(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = "<Pause length='10'/><Say>never heard</Say>"
    call = sim.place_call(from_="+32470000001", to="+3233100100", hang_up_after=4)
    sim.run()

    assert (call.status, call.ended_at) == ("completed", at(4))
    assert [event.kind for event in call.events if event.kind in ("say", "hangup")] == ["hangup"]
