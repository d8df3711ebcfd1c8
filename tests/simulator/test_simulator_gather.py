"""<Gather>: scripted DTMF, the prompt cut by the first key, and the timeout path."""

from __future__ import annotations

import pytest

from simulator import TwilioSimulator
from tests.simulator.conftest import TwimlApp, at

MENU = (
    f'<Gather action="/menu" timeout="5" numDigits="1"><Say>{"x" * 140}</Say></Gather><Say>Geen keuze</Say>'
)


def kinds(sim: TwilioSimulator) -> list[tuple[float, str, str]]:
    start = sim.events[0].at
    return [
        ((event.at - start).total_seconds(), event.kind, event.detail)
        for event in sim.events
        if event.kind in ("say", "cut", "gather", "digits")
    ]


def test_a_key_cuts_the_prompt_and_posts_digits_to_the_action(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = MENU
    app.routes["/menu"] = "<Hangup/>"
    call = sim.place_call(from_="+32470000001", to="+3233100100", digits=[(3, "2")])
    sim.run()

    assert kinds(sim) == [
        (0, "gather", "waits for keys (timeout 5 s, numDigits 1)"),
        (0, "say", f"«{'x' * 140}»"),
        (3, "cut", "stopped by a key press after 3 s of 10 s"),
        (3, "digits", "2"),
    ]
    [menu] = app.params("/menu")
    assert (menu["Digits"], menu["CallSid"]) == ("2", call.sid)
    assert call.ended_at == at(3)


def test_finish_on_key_ends_input_and_is_not_sent(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = f'<Gather action="/pin"><Say>{"x" * 140}</Say></Gather>'
    app.routes["/pin"] = "<Hangup/>"
    call = sim.place_call(from_="+32470000001", to="+3233100100", digits=[(12, "1234#")])
    sim.run()

    assert [params["Digits"] for params in app.params("/pin")] == ["1234"]
    assert call.ended_at == at(12)


def test_keys_without_finish_key_are_sent_after_the_timeout(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = '<Gather action="/pin" timeout="4"/>'
    app.routes["/pin"] = "<Hangup/>"
    call = sim.place_call(from_="+32470000001", to="+3233100100", digits=[(1, "12")])
    sim.run()

    assert [params["Digits"] for params in app.params("/pin")] == ["12"]
    assert call.ended_at == at(5)


def test_no_keys_continue_with_the_next_verb_without_calling_the_action(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    app.routes["/twilio/voice"] = MENU
    call = sim.place_call(from_="+32470000001", to="+3233100100")
    sim.run()

    assert kinds(sim) == [
        (0, "gather", "waits for keys (timeout 5 s, numDigits 1)"),
        (0, "say", f"«{'x' * 140}»"),
        (15, "gather", "no keys within 5 s"),
        (15, "say", "«Geen keuze»"),
    ]
    assert app.params("/menu") == []
    assert call.ended_at == at(16)


@pytest.mark.parametrize(
    ("digits", "menus"),
    [
        ([(16, "1"), (0, "2")], ["2"]),
        ([(15, "1"), (0, "2")], ["1"]),
        ([(1, ""), (2, "3")], ["3"]),
        ([(1, "#"), (2, "3")], ["3"]),
    ],
    ids=["after-the-timeout", "exactly-at-the-timeout", "empty-entry", "finish-key-first"],
)
def test_each_gather_takes_the_next_entry_of_the_script(
    app: TwimlApp, sim: TwilioSimulator, digits: list[tuple[float, str]], menus: list[str]
) -> None:
    app.routes["/twilio/voice"] = MENU.replace("<Say>Geen keuze</Say>", "<Redirect>/twilio/voice</Redirect>")
    app.routes["/menu"] = "<Hangup/>"
    sim.place_call(from_="+32470000001", to="+3233100100", digits=digits, hang_up_after=100)
    sim.run()

    assert [params["Digits"] for params in app.params("/menu")] == menus


def test_the_action_defaults_to_the_current_document(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = lambda params: (
        "<Hangup/>" if "Digits" in params else '<Gather numDigits="4"><Say>Uw pincode</Say></Gather>'
    )
    call = sim.place_call(from_="+32470000001", to="+3233100100", digits=[(2, "4321")])
    sim.run()

    assert [params.get("Digits") for params in app.params("/twilio/voice")] == [None, "4321"]
    assert call.ended_at == at(2)


def test_prompts_after_the_key_press_are_not_played(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = (
        '<Gather action="/menu" numDigits="1"><Pause length="2"/><Say>Kies 1</Say><Say>Kies 2</Say></Gather>'
    )
    app.routes["/menu"] = "<Hangup/>"
    sim.place_call(from_="+32470000001", to="+3233100100", digits=[(2, "1")])
    sim.run()

    assert [event.kind for event in sim.events if event.kind in ("pause", "say", "cut", "digits")] == [
        "pause",
        "digits",
    ]
