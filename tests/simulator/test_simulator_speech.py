"""<Gather input="dtmf speech">: words said cut the prompt and reach the action as SpeechResult
and Confidence; the attributes Twilio does not document are refused."""

from __future__ import annotations

import pytest

from simulator import Said, TwilioSimulator
from simulator.twiml import Gather, parse_twiml
from simulator.twiml_values import TwimlError
from tests.simulator.conftest import TwimlApp, at

SPOKEN_MENU = (
    '<Gather input="dtmf speech" language="nl-BE" hints="vaccinatie, andere vragen" action="/menu" '
    f'timeout="5" numDigits="1"><Say>{"x" * 110}</Say></Gather><Say>Geen keuze</Say>'
)


def kinds(sim: TwilioSimulator) -> list[tuple[float, str, str]]:
    start = sim.events[0].at
    return [
        ((event.at - start).total_seconds(), event.kind, event.detail)
        for event in sim.events
        if event.kind in ("say", "cut", "gather", "digits", "says")
    ]


def test_words_cut_the_prompt_and_are_posted_after_the_speech_timeout(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    app.routes["/twilio/voice"] = SPOKEN_MENU
    app.routes["/menu"] = "<Hangup/>"
    call = sim.place_call(
        from_="+32470000001", to="+3233100100", digits=[(2, Said("Vaccinatie graag", 0.82))]
    )
    sim.run()

    assert kinds(sim) == [
        (0, "gather", "waits for keys or words (timeout 5 s, numDigits 1, nl-BE)"),
        (0, "say", f"«{'x' * 110}»"),
        (2, "cut", "stopped by the caller's words after 2 s of 8 s"),
        (2, "says", "Vaccinatie graag"),
    ]
    [menu] = app.params("/menu")
    assert (menu["SpeechResult"], menu["Confidence"], menu["CallSid"]) == (
        "Vaccinatie graag",
        "0.82",
        call.sid,
    )
    assert "Digits" not in menu
    assert call.ended_at == at(7)


def test_a_key_at_a_speech_gather_is_posted_as_digits(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = SPOKEN_MENU
    app.routes["/menu"] = "<Hangup/>"
    sim.place_call(from_="+32470000001", to="+3233100100", digits=[(1, "2")])
    sim.run()

    [menu] = app.params("/menu")
    assert menu["Digits"] == "2"
    assert "SpeechResult" not in menu


def test_words_at_a_dtmf_only_gather_are_not_heard(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = '<Gather action="/menu" numDigits="1"><Say>Druk 1.</Say></Gather><Hangup/>'
    app.routes["/menu"] = "<Hangup/>"
    sim.place_call(from_="+32470000001", to="+3233100100", digits=[(1, Said("een"))])
    sim.run()

    assert app.params("/menu") == []
    assert ("gather", "no keys within 5 s") in [(event.kind, event.detail) for event in sim.events]


def test_words_after_the_timeout_are_no_input(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = SPOKEN_MENU
    sim.place_call(from_="+32470000001", to="+3233100100", digits=[(30, Said("vaccinatie"))])
    sim.run()

    assert app.params("/menu") == []
    assert ("gather", "no keys or words within 5 s") in [(event.kind, event.detail) for event in sim.events]


def test_the_speech_attributes_are_parsed() -> None:
    [gather] = parse_twiml(
        '<Response><Gather input="speech dtmf" language="nl-BE" hints="vaccinatie, andere vragen"/>'
        "</Response>",
        allowed=frozenset({"Gather"}),
        where="the call",
    )
    assert isinstance(gather, Gather)
    assert (gather.dtmf, gather.speech, gather.language, gather.hints) == (
        True,
        True,
        "nl-BE",
        ("vaccinatie", "andere vragen"),
    )


@pytest.mark.parametrize(
    ("attributes", "problem"),
    [
        ('input="voice"', '<Gather input="voice"> must be dtmf, speech or "dtmf speech"'),
        ('input="dtmf dtmf"', '<Gather input="dtmf dtmf"> must be dtmf, speech or "dtmf speech"'),
        ('input=""', '<Gather input=""> must be dtmf, speech or "dtmf speech"'),
        ('language="Nederlands"', '<Gather language="Nederlands"> is not a BCP-47 language tag'),
        (
            'hints="a,,b"',
            "<Gather hints> must be a comma-separated list of words or phrases of 1 to 100 characters",
        ),
        ('speechTimeout="auto"', "<Gather speechTimeout> is not simulated"),
        ('actionOnEmptyResult="true"', "<Gather actionOnEmptyResult> is not simulated"),
        ('keys="1"', "<Gather keys> is not an attribute Twilio documents"),
        ('numdigits="1"', "<Gather numdigits> is not an attribute Twilio documents"),
    ],
)
def test_what_twilio_does_not_document_or_the_simulator_does_not_model_is_refused(
    attributes: str, problem: str
) -> None:
    with pytest.raises(TwimlError) as refused:
        parse_twiml(
            f"<Response><Gather {attributes}/></Response>", allowed=frozenset({"Gather"}), where="the call"
        )
    assert str(refused.value) == problem


def test_a_said_entry_must_say_something(sim: TwilioSimulator) -> None:
    with pytest.raises(ValueError, match="Said"):
        sim.place_call(from_="+32470000001", to="+3233100100", digits=[(1, Said("  "))])
