"""<Record>: how a recording ends, what the action and the status callback get, the recordings REST API."""

from __future__ import annotations

import io
import wave
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import Response
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from simulator import Said, Speech, TwilioSimulator, format_timeline
from simulator.twiml import MAIN_VERBS, WAIT_VERBS, parse_twiml
from simulator.twiml_values import TwimlError
from tests.simulator.conftest import BASE, TOKEN, SimulatorFactory, TwimlApp, at

ACCOUNT = "AC" + "0" * 32
CALL_SID = "CA" + "0" * 31 + "1"
RECORDING_SID = "RE" + "0" * 31 + "1"
RECORDING_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/{RECORDING_SID}"
# 42 characters: three seconds of speech at the simulator's 14 characters per second.
QUESTION = "Mag mijn tweede prik in een ander centrum?"
STANDARD = {
    "CallSid": CALL_SID,
    "AccountSid": ACCOUNT,
    "From": "+32490000001",
    "To": "+3233100199",
    "ApiVersion": "2010-04-01",
    "Direction": "inbound",
}


def record_app(app: TwimlApp, attributes: str = "") -> None:
    app.routes["/twilio/voice"] = (
        f'<Record action="/question" recordingStatusCallback="/recording"'
        f' recordingStatusCallbackEvent="in-progress completed absent" {attributes}/>'
        "<Say>Geen vraag</Say>"
    )
    app.routes["/question"] = "<Say>Bedankt</Say>"
    app.routes["/recording"] = lambda params: Response(status_code=204)


def call(sim: TwilioSimulator, *digits: tuple[float, str | Said], hang_up_after: float | None = None) -> None:
    sim.place_call(from_="+32490000001", to="+3233100199", digits=digits, hang_up_after=hang_up_after)
    sim.run()


def rest(sim: TwilioSimulator) -> Client:
    return Client(ACCOUNT, TOKEN, http_client=sim.rest_http_client())


def media(sim: TwilioSimulator, auth: tuple[str, str] | None = (ACCOUNT, TOKEN)) -> httpx.Client:
    return httpx.Client(transport=sim.httpx_transport(), auth=auth)


def recording_callbacks(app: TwimlApp) -> list[dict[str, str]]:
    return app.params("/recording")


def completed(duration: str) -> dict[str, str]:
    """The recording status callback of a completed recording, exactly as the <Record> page lists it."""
    return {
        "AccountSid": ACCOUNT,
        "CallSid": CALL_SID,
        "RecordingSid": RECORDING_SID,
        "RecordingUrl": RECORDING_URL,
        "RecordingStatus": "completed",
        "RecordingDuration": duration,
        "RecordingChannels": "1",
        "RecordingSource": "RecordVerb",
    }


# ---------------------------------------------------------------------- how a recording ends


def test_silence_ends_the_recording_and_the_action_gets_the_documented_parameters(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    record_app(app)
    call(sim, (2, Said(QUESTION)))

    # Words from 2 s to 5 s, then 5 s of silence: untrimmed 10 s, trimmed to the 3 s of words.
    assert app.params("/question") == [
        STANDARD | {"CallStatus": "in-progress", "RecordingUrl": RECORDING_URL, "RecordingDuration": "10"}
    ]
    assert recording_callbacks(app)[-1] == completed("3")
    [recording] = sim.recordings()
    assert (recording.sid, recording.call_sid, recording.status, recording.duration, recording.words) == (
        RECORDING_SID,
        CALL_SID,
        "completed",
        3,
        QUESTION,
    )
    assert [event.detail for event in sim.events if event.kind == "say"] == ["«Bedankt»"]
    assert sim.calls[CALL_SID].ended_at == at(11)
    assert sim.errors == []


@pytest.mark.parametrize(
    ("finish_on_key", "keys", "digits"),
    [("", "#", "#"), ('finishOnKey="*"', "1#*", "*"), ('finishOnKey="0"', "0", "0")],
    ids=["any-key-by-default", "only-the-finish-key-counts", "a-digit"],
)
def test_a_finish_key_after_the_words_ends_the_recording(
    app: TwimlApp, sim: TwilioSimulator, finish_on_key: str, keys: str, digits: str
) -> None:
    record_app(app, finish_on_key)
    call(sim, (1, Speech(QUESTION, keys=keys, pause=2)))

    [question] = app.params("/question")
    assert {key: question[key] for key in ("RecordingDuration", "Digits")} == {
        "RecordingDuration": "6",
        "Digits": digits,
    }
    assert recording_callbacks(app)[-1] == completed("3")


def test_keys_that_do_not_finish_are_ignored(app: TwimlApp, sim: TwilioSimulator) -> None:
    record_app(app, 'finishOnKey="#"')
    call(sim, (1, Speech(QUESTION, keys="12", pause=1)))

    [question] = app.params("/question")
    assert ("Digits" in question, question["RecordingDuration"]) == (False, "9")


def test_max_length_cuts_the_words(app: TwimlApp, sim: TwilioSimulator) -> None:
    record_app(app, 'maxLength="2"')
    call(sim, (0, Speech(QUESTION, keys="#")))

    [question] = app.params("/question")
    assert ("Digits" in question, question["RecordingDuration"]) == (False, "2")
    [recording] = sim.recordings()
    assert (recording.duration, recording.words) == (2, QUESTION[:28])


def test_without_a_silence_timeout_only_max_length_ends_a_quiet_caller(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    record_app(app, 'timeout="0" maxLength="30"')
    call(sim, (1, Said(QUESTION)))

    assert [params["RecordingDuration"] for params in app.params("/question")] == ["30"]
    assert recording_callbacks(app)[-1] == completed("3")


def test_hanging_up_requests_the_action_with_digits_hangup_and_runs_nothing(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    record_app(app)
    call(sim, (1, Said(QUESTION)), hang_up_after=3)

    assert [request.path for request in app.received] == [
        "/twilio/voice",
        "/recording",
        "/question",
        "/twilio/status",
        "/recording",
    ]
    assert app.params("/question") == [
        STANDARD
        | {
            "CallStatus": "completed",
            "RecordingUrl": RECORDING_URL,
            "RecordingDuration": "3",
            "Digits": "hangup",
        }
    ]
    assert [event.kind for event in sim.events if event.kind == "say"] == []
    assert recording_callbacks(app)[-1] == completed("2")
    assert sim.recordings()[0].words == QUESTION[:28]
    assert sim.calls[CALL_SID].ended_at == at(3)


def test_without_an_action_the_current_document_is_requested_again(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    app.routes["/twilio/voice"] = lambda params: (
        "<Hangup/>" if "RecordingUrl" in params else '<Record timeout="2" playBeep="false"/>'
    )
    call(sim, (0, Said(QUESTION)))

    assert [params.get("RecordingDuration") for params in app.params("/twilio/voice")] == [None, "5"]
    assert [event.kind for event in sim.events if event.kind == "beep"] == []


def test_a_rest_redirect_ends_the_recording_without_the_action(app: TwimlApp, sim: TwilioSimulator) -> None:
    record_app(app)
    app.routes["/moved"] = "<Hangup/>"
    sim.place_call(from_="+32490000001", to="+3233100199", digits=[(1, Said(QUESTION))])
    sim.run(until=at(3))

    rest(sim).calls(CALL_SID).update(url=f"{BASE}/moved")
    sim.run()

    assert app.params("/question") == []
    assert [event.detail for event in sim.events if event.kind == "record-end"] == [
        "ends (redirect) after 3 s, 2 s kept"
    ]
    assert recording_callbacks(app)[-1] == completed("2")


# ---------------------------------------------------------------------- empty and untrimmed recordings


@pytest.mark.parametrize(
    ("empty_recording", "questions", "said"),
    [
        ("skipped", [], ["«Geen vraag»"]),
        ("requested", [{"RecordingUrl": RECORDING_URL, "RecordingDuration": "5"}], ["«Bedankt»"]),
    ],
    ids=["older-page-skips-the-action", "current-page-requests-it"],
)
def test_an_empty_recording_is_absent(
    app: TwimlApp,
    make_sim: SimulatorFactory,
    empty_recording: str,
    questions: list[dict[str, str]],
    said: list[str],
) -> None:
    record_app(app)
    sim = make_sim(empty_recording=empty_recording)
    call(sim)

    assert [
        {key: value for key, value in params.items() if key not in STANDARD and key != "CallStatus"}
        for params in app.params("/question")
    ] == questions
    assert [event.detail for event in sim.events if event.kind == "say"] == said
    assert recording_callbacks(app)[-1] == completed("0") | {
        "RecordingStatus": "absent",
        "ErrorCode": "16101",
    }
    [recording] = sim.recordings()
    assert (recording.status, recording.duration, recording.error_code) == ("absent", 0, 16101)
    with media(sim) as client:
        assert client.get(RECORDING_URL).status_code == 404
    assert sim.errors == []


def test_a_finish_key_before_any_word_makes_an_empty_recording(app: TwimlApp, sim: TwilioSimulator) -> None:
    record_app(app)
    call(sim, (4, "#"))

    assert app.params("/question") == []
    assert [event.detail for event in sim.events if event.kind in ("digits", "record-end")] == [
        "#",
        "ends (key #) after 4 s, nothing recorded",
    ]
    assert sim.recordings()[0].status == "absent"


def test_do_not_trim_keeps_the_silence_around_the_words(app: TwimlApp, sim: TwilioSimulator) -> None:
    record_app(app, 'trim="do-not-trim"')
    call(sim, (2, Said(QUESTION)))

    assert recording_callbacks(app)[-1] == completed("10")
    with wave.open(io.BytesIO(sim.recording_audio(RECORDING_SID)), "rb") as audio:
        frames = audio.readframes(audio.getnframes())
    second = 2 * 8000  # bytes of one second of 16-bit audio
    assert len(frames) == 10 * second
    assert set(frames[: 2 * second]) == {0}
    assert set(frames[2 * second : 5 * second]) != {0}
    assert set(frames[5 * second :]) == {0}


def test_a_silent_recording_without_trimming_is_kept(app: TwimlApp, sim: TwilioSimulator) -> None:
    record_app(app, 'trim="do-not-trim" timeout="3"')
    call(sim)

    assert [params["RecordingDuration"] for params in app.params("/question")] == ["3"]
    assert recording_callbacks(app)[-1] == completed("3")


# ---------------------------------------------------------------------- status callbacks and availability


def test_the_status_callback_reports_in_progress_without_a_duration_and_by_get(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    record_app(app, 'recordingStatusCallbackMethod="GET"')
    call(sim, (2, Said(QUESTION)))

    assert [(request.method, request.path) for request in app.received if request.path == "/recording"] == [
        ("GET", "/recording"),
        ("GET", "/recording"),
    ]
    assert recording_callbacks(app) == [
        {
            "AccountSid": ACCOUNT,
            "CallSid": CALL_SID,
            "RecordingSid": RECORDING_SID,
            "RecordingUrl": RECORDING_URL,
            "RecordingStatus": "in-progress",
            "RecordingChannels": "1",
            "RecordingSource": "RecordVerb",
        },
        completed("3"),
    ]
    assert sim.errors == []


def test_only_the_events_asked_for_are_sent_and_a_failing_callback_is_an_error(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    app.routes["/twilio/voice"] = '<Record action="/question" recordingStatusCallback="/recording"/>'
    app.routes["/question"] = "<Hangup/>"
    app.routes["/recording"] = lambda params: Response(status_code=500)
    call(sim, (0, Said(QUESTION)))

    assert [params["RecordingStatus"] for params in recording_callbacks(app)] == ["completed"]
    assert [event.detail for event in sim.errors] == ["recordingStatusCallback completed answered HTTP 500"]


def test_the_file_is_not_available_when_the_action_is_requested(app: TwimlApp, sim: TwilioSimulator) -> None:
    """Twilio's page: the recording file may not yet be accessible when the action callback is sent."""
    fetched: list[int] = []

    def question(params: dict[str, str]) -> str:
        with media(sim) as client:
            fetched.append(client.get(params["RecordingUrl"]).status_code)
        return "<Hangup/>"

    record_app(app)
    app.routes["/question"] = question
    call(sim, (0, Said(QUESTION)))

    with media(sim) as client:
        fetched.append(client.get(RECORDING_URL).status_code)
    assert fetched == [404, 200]


def test_a_recording_is_processing_until_it_is_available(app: TwimlApp, make_sim: SimulatorFactory) -> None:
    record_app(app)
    sim = make_sim(recording_processing_seconds=30)
    sim.place_call(from_="+32490000001", to="+3233100199", digits=[(0, Said(QUESTION))])
    sim.run(until=at(20))
    client = rest(sim)

    processing = client.recordings(RECORDING_SID).fetch()
    with pytest.raises(TwilioRestException) as too_early:
        client.recordings(RECORDING_SID).delete()
    sim.run()

    assert (processing.status, processing.duration) == ("processing", None)
    assert (too_early.value.status, too_early.value.code) == (400, 20001)
    assert [
        (request.params["RecordingStatus"], request.at)
        for request in sim.webhooks
        if request.url == f"{BASE}/recording"
    ] == [("in-progress", at(0)), ("completed", at(38))]


# ---------------------------------------------------------------------- the REST API and the media


def test_fetch_and_delete_through_the_twilio_client(app: TwimlApp, sim: TwilioSimulator) -> None:
    record_app(app)
    call(sim, (2, Said(QUESTION)))
    client = rest(sim)

    fetched = client.recordings(RECORDING_SID).fetch()
    deleted = client.recordings(RECORDING_SID).delete()
    with pytest.raises(TwilioRestException) as gone:
        client.recordings(RECORDING_SID).fetch()
    soft_deleted = client.recordings(RECORDING_SID).fetch(include_soft_deleted=True)
    with pytest.raises(TwilioRestException) as twice:
        client.recordings(RECORDING_SID).delete()

    assert (
        fetched.sid,
        fetched.call_sid,
        fetched.status,
        fetched.duration,
        fetched.channels,
        fetched.source,
        fetched.error_code,
        fetched.start_time,
        fetched.media_url,
    ) == (RECORDING_SID, CALL_SID, "completed", "3", 1, "RecordVerb", None, at(0), RECORDING_URL)
    assert deleted is True
    assert (gone.value.status, gone.value.code, twice.value.status) == (404, 20404, 404)
    assert soft_deleted.status == "deleted"
    assert sim.recordings()[0].deleted is True
    path = f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/{RECORDING_SID}.json"
    assert [(request.method, request.path, request.status_code) for request in sim.rest_requests] == [
        ("GET", path, 200),
        ("DELETE", path, 204),
        ("GET", path, 404),
        ("GET", f"{path}?IncludeSoftDeleted=true", 200),
        ("DELETE", path, 404),
    ]


def test_the_media_through_httpx_with_basic_auth(app: TwimlApp, sim: TwilioSimulator) -> None:
    record_app(app)
    call(sim, (2, Said(QUESTION)))

    with media(sim) as client:
        default = client.get(RECORDING_URL)
        as_wav = client.get(f"{RECORDING_URL}.wav")
        as_mp3 = client.get(f"{RECORDING_URL}.mp3")

    assert (default.status_code, default.headers["content-type"]) == (200, "audio/x-wav")
    assert default.content == as_wav.content == sim.recording_audio(RECORDING_SID)
    with wave.open(io.BytesIO(default.content), "rb") as audio:
        shape = (audio.getnchannels(), audio.getsampwidth(), audio.getframerate(), audio.getnframes())
    assert shape == (1, 2, 8000, 3 * 8000)
    assert (as_mp3.status_code, as_mp3.headers["content-type"]) == (200, "audio/mpeg")
    assert as_mp3.content == sim.recording_audio(RECORDING_SID, "mp3")
    assert as_mp3.content[:4] == bytes([0xFF, 0xE3, 0x18, 0xC0])
    path = f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/{RECORDING_SID}"
    assert [(request.method, request.path, request.status_code) for request in sim.rest_requests] == [
        ("GET", path, 200),
        ("GET", f"{path}.wav", 200),
        ("GET", f"{path}.mp3", 200),
    ]
    assert [event.detail for event in sim.calls[CALL_SID].events if event.kind == "rest"] == [
        f"GET Recordings/{RECORDING_SID} → 200",
        f"GET Recordings/{RECORDING_SID}.wav → 200",
        f"GET Recordings/{RECORDING_SID}.mp3 → 200",
    ]


@pytest.mark.parametrize(
    "auth",
    [(ACCOUNT, "wrong-token"), ("AC" + "1" * 32, TOKEN), None],
    ids=["wrong-token", "other-account", "no-credentials"],
)
def test_the_media_needs_the_account_credentials(
    app: TwimlApp, sim: TwilioSimulator, auth: tuple[str, str] | None
) -> None:
    record_app(app)
    call(sim, (2, Said(QUESTION)))

    with media(sim, auth) as client:
        answer = client.get(RECORDING_URL)

    assert (answer.status_code, answer.json()["code"]) == (401, 20003)
    assert [request.status_code for request in sim.rest_requests] == [401]


def test_unknown_and_deleted_recordings_answer_404(app: TwimlApp, sim: TwilioSimulator) -> None:
    record_app(app)
    call(sim, (2, Said(QUESTION)))
    unknown = RECORDING_URL[:-1] + "f"

    with media(sim) as client:
        before = client.get(unknown)
        rest(sim).recordings(RECORDING_SID).delete()
        after = (
            client.get(RECORDING_URL),
            client.get(f"{RECORDING_URL}.mp3"),
            client.get(f"{RECORDING_URL}.json"),
        )

    assert before.json() == {
        "code": 20404,
        "message": f"The requested resource {unknown[len('https://api.twilio.com') :]} was not found",
        "more_info": "https://www.twilio.com/docs/errors/20404",
        "status": 404,
    }
    assert [answer.status_code for answer in after] == [404, 404, 404]
    with pytest.raises(KeyError):
        sim.recording_audio(RECORDING_SID)


def test_the_transport_reaches_api_twilio_com_only(sim: TwilioSimulator) -> None:
    with media(sim) as client, pytest.raises(httpx.ConnectError):
        client.get("https://example.com/recording.wav")


def test_the_audio_is_the_same_on_every_run(app: TwimlApp, make_sim: SimulatorFactory) -> None:
    record_app(app)
    runs = []
    for _ in range(2):
        sim = make_sim()
        call(sim, (2, Said(QUESTION)))
        runs.append((sim.recording_audio(RECORDING_SID), sim.recording_audio(RECORDING_SID, "mp3")))

    assert runs[0] == runs[1]


# ---------------------------------------------------------------------- what Twilio refuses


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        (
            '<Record transcribe="true"/>',
            "<Record> transcription (transcribe, transcribeCallback) is not simulated",
        ),
        (
            '<Record transcribeCallback="/t"/>',
            "<Record> transcription (transcribe, transcribeCallback) is not simulated",
        ),
        ('<Record transcribe="maybe"/>', '<Record transcribe="maybe"> must be "true" or "false"'),
        (
            '<Record recordingChannels="dual"/>',
            "<Record recordingChannels> is not an attribute Twilio documents",
        ),
        ('<Record timeout="-1"/>', '<Record timeout="-1"> must be a whole number of seconds (0: none)'),
        ('<Record finishOnKey=""/>', '<Record finishOnKey=""> must be one or more of 0-9, #, *'),
        ('<Record finishOnKey="a"/>', '<Record finishOnKey="a"> must be one or more of 0-9, #, *'),
        ('<Record maxLength="1"/>', '<Record maxLength="1"> must be a whole number from 2 to 14400'),
        ('<Record maxLength="14401"/>', '<Record maxLength="14401"> must be a whole number from 2 to 14400'),
        ('<Record playBeep="yes"/>', '<Record playBeep="yes"> must be "true" or "false"'),
        ('<Record trim="silence"/>', '<Record trim="silence"> must be "trim-silence" or "do-not-trim"'),
        ('<Record method="PUT"/>', '<Record method="PUT"> must be GET or POST'),
        (
            '<Record recordingStatusCallbackEvent="completed completed"/>',
            '<Record recordingStatusCallbackEvent="completed completed"> must be in-progress, completed'
            " and/or absent, separated by spaces",
        ),
        (
            '<Record recordingStatusCallbackEvent="done"/>',
            '<Record recordingStatusCallbackEvent="done"> must be in-progress, completed'
            " and/or absent, separated by spaces",
        ),
        ('<Record recordingStatusCallback=" "/>', '<Record recordingStatusCallback=""> must be a URL'),
        ("<Record><Say>Spreek</Say></Record>", "<Record> takes no content"),
    ],
    ids=[
        "transcribe",
        "transcribe-callback",
        "transcribe-not-boolean",
        "undocumented-attribute",
        "negative-timeout",
        "no-finish-key",
        "finish-key-not-a-key",
        "max-length-1",
        "max-length-over-4-hours",
        "play-beep-not-boolean",
        "unknown-trim",
        "method",
        "event-twice",
        "unknown-event",
        "empty-status-callback",
        "nested-verb",
    ],
)
def test_refused_attributes(record: str, problem: str) -> None:
    with pytest.raises(TwimlError) as refused:
        parse_twiml(f"<Response>{record}</Response>", allowed=MAIN_VERBS, where="the call")

    assert str(refused.value) == problem


def test_record_is_not_allowed_in_a_wait_document() -> None:
    with pytest.raises(TwimlError) as refused:
        parse_twiml("<Response><Record/></Response>", allowed=WAIT_VERBS, where="a waitUrl document")

    assert str(refused.value) == "<Record> is not allowed in a waitUrl document"


def test_a_refused_record_is_an_application_error(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = '<Record transcribe="true"/>'
    call(sim)

    assert [event.detail for event in sim.errors] == [
        "POST /twilio/voice: <Record> transcription (transcribe, transcribeCallback) is not simulated"
    ]
    assert sim.recordings() == []


@pytest.mark.parametrize(
    ("action", "errors", "questions"),
    [
        ("/question", ["11100: a <Record> in the Twiml of a REST update needs an absolute action URL"], 0),
        (f"{BASE}/question", [], 1),
    ],
    ids=["relative-action", "absolute-action"],
)
def test_a_record_in_the_twiml_of_a_rest_update_needs_an_absolute_action(
    app: TwimlApp, sim: TwilioSimulator, action: str, errors: list[str], questions: int
) -> None:
    app.routes["/twilio/voice"] = '<Pause length="60"/>'
    app.routes["/question"] = "<Hangup/>"
    sim.place_call(from_="+32490000001", to="+3233100199", digits=[(0, Said(QUESTION))])
    sim.run(until=at(10))

    rest(sim).calls(CALL_SID).update(twiml=f'<Response><Record action="{action}"/></Response>')
    sim.run()

    assert [event.detail for event in sim.errors] == errors
    assert len(app.params("/question")) == questions


@pytest.mark.parametrize(
    "options",
    [{"empty_recording": "never"}, {"recording_processing_seconds": -1}],
    ids=["empty-recording", "negative-processing"],
)
def test_the_recording_options_are_checked(make_sim: SimulatorFactory, options: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="empty_recording is"):
        make_sim(**options)


def test_a_speech_entry_must_press_keys(sim: TwilioSimulator) -> None:
    with pytest.raises(ValueError, match="digits entries are"):
        sim.place_call(from_="+32490000001", to="+3233100199", digits=[(0, Speech(QUESTION, keys="a"))])


# ---------------------------------------------------------------------- the timeline


def test_the_timeline_shows_the_recording(app: TwimlApp, sim: TwilioSimulator) -> None:
    record_app(app, 'finishOnKey="#"')
    call(sim, (1, Speech(QUESTION, keys="#", pause=2)))

    assert format_timeline(sim.events, zone=ZoneInfo("Europe/Brussels")).splitlines() == [
        "10:00:00  +0s    call    +32490000001 → +3233100199",
        "10:00:00  +0s    record  records (timeout 5 s, maxLength 3600 s, finishOnKey #)",
        "10:00:00  +0s    hears   beep",
        f"10:00:01  +1s    says    {QUESTION}",
        "10:00:06  +6s    presses #",
        "10:00:06  +6s    record  ends (key #) after 6 s, 3 s kept",
        "10:00:06  +6s    hears   «Bedankt»",
        "10:00:07  +7s    ends    completed after 7 s",
    ]
