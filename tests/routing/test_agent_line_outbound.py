"""The agent line's outbound work (playbook 1.5), decided from plain values: switching to it, the
next person, the screen on the person's leg, the dial's end and the outcome keyed by the agent."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, get_args
from zoneinfo import ZoneInfo

import pytest

from config.models import Helpdesk, Outbound
from outbound import UNREACHED, Outcome
from routing import (
    OUTCOME_KEYS,
    AfterPersonDecision,
    AgentStatus,
    AskOutcome,
    AutomaticOutcome,
    CallEnded,
    CallNextPerson,
    DialPerson,
    DialQueue,
    HangUp,
    KeyedOutcome,
    MenuDecision,
    NextCaller,
    NobodyToCall,
    OnBreak,
    OutcomeDecision,
    Person,
    PersonDecision,
    PersonDial,
    PutThrough,
    RefuseMachine,
    ScreenDecision,
    decide_after_person,
    decide_menu,
    decide_next,
    decide_outcome,
    decide_person,
    decide_screen,
)
from tests.routing.conftest import MakeConfig

BRUSSELS = ZoneInfo("Europe/Brussels")
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)
EPOCH_NOW = 1_796_202_000
PERSON = Person(attempt=12, label="reservelijst dinsdag 14 uur", number="+32470123456")


def _desk(make_config: MakeConfig, **agent_line: Any) -> Helpdesk:
    config = make_config(agent_line=agent_line) if agent_line else make_config()
    return config.helpdesks[0]


def test_the_outcomes_are_those_of_the_tables() -> None:
    assert {Outcome(value) for value in get_args(KeyedOutcome)} == set(Outcome) - UNREACHED
    assert {Outcome(value) for value in get_args(AutomaticOutcome)} == UNREACHED
    assert dict(OUTCOME_KEYS) == {"1": "accepted", "2": "kept", "3": "do_not_call", "4": "wrong_number"}


MENU: list[tuple[str, dict[str, Any], AgentStatus, str, MenuDecision]] = [
    # id, agent_line settings, presence, Digits, decision
    ("available-outbound-key-switches", {}, "available", "7", CallNextPerson("101", starts=True)),
    ("break-outbound-key-switches", {}, "break", "7", CallNextPerson("101", starts=True)),
    ("own-outbound-key", {"outbound_key": "6"}, "available", "6", CallNextPerson("101", starts=True)),
    ("default-outbound-key-not-the-own", {"outbound_key": "6"}, "available", "7", NextCaller("101")),
    ("outbound-break-key", {}, "outbound", "9", OnBreak("101", 60, announce=True, starts=True)),
    ("outbound-zero-back-to-incoming", {}, "outbound", "0", NextCaller("101", resumes=True)),
    ("outbound-no-key-next-person", {}, "outbound", "", CallNextPerson("101")),
    ("outbound-other-key-next-person", {}, "outbound", "5", CallNextPerson("101")),
    ("outbound-outbound-key-next-person", {}, "outbound", "7", CallNextPerson("101")),
    ("outbound-first-key-counts", {}, "outbound", "09", NextCaller("101", resumes=True)),
    (
        "outbound-own-break-key",
        {"break_key": "*"},
        "outbound",
        "*",
        OnBreak("101", 60, announce=True, starts=True),
    ),
    (
        "outbound-break-key-zero-wins",
        {"break_key": "0"},
        "outbound",
        "0",
        OnBreak("101", 60, announce=True, starts=True),
    ),
    ("offline-hangs-up", {}, "offline", "7", HangUp()),
]


@pytest.mark.parametrize(
    ("agent_line", "status", "digits", "expected"), [row[1:] for row in MENU], ids=[row[0] for row in MENU]
)
def test_decide_menu(
    make_config: MakeConfig,
    agent_line: dict[str, Any],
    status: AgentStatus,
    digits: str,
    expected: MenuDecision,
) -> None:
    assert decide_menu(_desk(make_config, **agent_line), "101", digits, status) == expected


def test_outbound_work_goes_on_to_the_next_person(make_config: MakeConfig) -> None:
    assert decide_next(_desk(make_config), "101", "outbound", NOW) == CallNextPerson("101")


DIAL = DialPerson(
    code="101",
    attempt=12,
    label="reservelijst dinsdag 14 uur",
    last_digits="56",
    number="+32470123456",
    caller_id="+3233100100",
    timeout=40,
)
PERSONS: list[tuple[str, dict[str, Any], AgentStatus, Person | None, PersonDecision]] = [
    # id, outbound settings, presence, the person claimed, decision
    ("dials-the-person-claimed", {}, "outbound", PERSON, DIAL),
    (
        "rings-max-rings-of-ring-seconds",
        {"max_rings": 6, "ring_seconds": 4},
        "outbound",
        PERSON,
        replace(DIAL, timeout=24),
    ),
    ("nobody-left", {}, "outbound", None, NobodyToCall("101")),
    (
        "available-meanwhile-takes-callers",
        {},
        "available",
        None,
        DialQueue("voorkempen", "101", EPOCH_NOW, 55),
    ),
    ("break-meanwhile", {}, "break", None, OnBreak("101", 60, announce=False)),
    ("logged-in-elsewhere", {}, "offline", None, HangUp()),
]


@pytest.mark.parametrize(
    ("outbound", "status", "person", "expected"),
    [row[1:] for row in PERSONS],
    ids=[row[0] for row in PERSONS],
)
def test_decide_person(
    make_config: MakeConfig,
    outbound: dict[str, Any],
    status: AgentStatus,
    person: Person | None,
    expected: PersonDecision,
) -> None:
    decision = decide_person(_desk(make_config), Outbound(**outbound), "101", status, person, NOW)
    assert decision == expected


def test_the_caller_id_is_the_helpdesks_first_number(make_config: MakeConfig) -> None:
    desk = make_config(numbers=["+3233100111", "+3233100112"]).helpdesks[0]
    decision = decide_person(desk, Outbound(), "101", "outbound", PERSON, NOW)
    assert isinstance(decision, DialPerson)
    assert decision.caller_id == "+3233100111"


SCREENS: list[tuple[str, ScreenDecision]] = [
    # AnsweredBy, decision
    ("human", PutThrough()),
    ("unknown", PutThrough()),
    ("", PutThrough()),
    ("machine_start", RefuseMachine()),
    ("machine_end_beep", RefuseMachine()),
    ("machine_end_silence", RefuseMachine()),
    ("machine_end_other", RefuseMachine()),
    ("fax", RefuseMachine()),
    ("something-new", PutThrough()),
]


@pytest.mark.parametrize(("answered_by", "expected"), SCREENS, ids=[row[0] or "absent" for row in SCREENS])
def test_decide_screen(answered_by: str, expected: ScreenDecision) -> None:
    assert decide_screen(answered_by) == expected


def _ended(outcome: Any) -> CallEnded:
    return CallEnded("101", attempt=12, outcome=outcome, seconds=10)


ASK = AskOutcome("101", attempt=12)
AFTER: list[tuple[str, PersonDial, AfterPersonDecision]] = [
    # id, the dial as reported (with what the screen recorded), decision
    ("talked", PersonDial("completed", 95, "human"), ASK),
    ("talked-amd-unknown", PersonDial("completed", 95, "unknown"), ASK),
    ("no-answer", PersonDial("no-answer", None, None), _ended("no_answer")),
    ("busy", PersonDial("busy", None, None), _ended("busy")),
    ("failed", PersonDial("failed", None, None), _ended("failed")),
    ("canceled", PersonDial("canceled", None, None), _ended("failed")),
    # The status Twilio sends after the screen hung up on a machine is not documented: both ways.
    ("voicemail-completed", PersonDial("completed", 4, "machine_start"), _ended("voicemail")),
    ("voicemail-no-answer", PersonDial("no-answer", None, "machine_start"), _ended("voicemail")),
    ("voicemail-failed", PersonDial("failed", None, "fax"), _ended("voicemail")),
    ("voicemail-no-status", PersonDial("", None, "machine_end_beep"), _ended("voicemail")),
    ("screened-person-whatever-the-status", PersonDial("no-answer", 0, "human"), ASK),
    ("completed-screen-record-missing", PersonDial("completed", 30, None), ASK),
    ("answered", PersonDial("answered", 30, None), ASK),
    ("no-status-nobody", PersonDial("", None, None), _ended("failed")),
    ("unknown-status", PersonDial("ringing", None, None), _ended("failed")),
]


@pytest.mark.parametrize(("dial", "expected"), [row[1:] for row in AFTER], ids=[row[0] for row in AFTER])
def test_decide_after_person(
    make_config: MakeConfig, dial: PersonDial, expected: AfterPersonDecision
) -> None:
    assert decide_after_person(_desk(make_config), "101", 12, dial) == expected


def test_the_menu_after_a_call_lasts_the_wrap_up(make_config: MakeConfig) -> None:
    desk = _desk(make_config, wrap_up=25)
    decision = decide_after_person(desk, "101", 12, PersonDial("busy", None, None))
    assert decision == CallEnded("101", attempt=12, outcome="busy", seconds=25)


OUTCOMES: list[tuple[str, str, AgentStatus, OutcomeDecision]] = [
    # id, Digits, presence, decision
    ("1-accepted", "1", "outbound", _ended("accepted")),
    ("2-kept", "2", "outbound", _ended("kept")),
    ("3-do-not-call", "3", "outbound", _ended("do_not_call")),
    ("4-wrong-number", "4", "outbound", _ended("wrong_number")),
    ("first-key-counts", "31", "outbound", _ended("do_not_call")),
    ("no-key-asks-again", "", "outbound", ASK),
    ("other-key-asks-again", "5", "outbound", ASK),
    ("star-asks-again", "*", "outbound", ASK),
    ("zero-asks-again", "0", "outbound", ASK),
    ("set-available-meanwhile-still-recorded", "1", "available", _ended("accepted")),
    ("logged-in-elsewhere-hangs-up", "1", "offline", HangUp()),
]


@pytest.mark.parametrize(
    ("digits", "status", "expected"), [row[1:] for row in OUTCOMES], ids=[row[0] for row in OUTCOMES]
)
def test_decide_outcome(
    make_config: MakeConfig, digits: str, status: AgentStatus, expected: OutcomeDecision
) -> None:
    assert decide_outcome(_desk(make_config), "101", 12, digits, status) == expected
