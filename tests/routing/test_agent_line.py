from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from config.models import Helpdesk
from routing import (
    AfterDialDecision,
    AgentStatus,
    AskCode,
    AskPin,
    CodeDecision,
    Conversation,
    DialQueue,
    HangUp,
    LockedOut,
    LoggedIn,
    MenuDecision,
    NextCaller,
    NextDecision,
    OnBreak,
    PinCheck,
    PinDecision,
    QuestionRecorded,
    QueueDial,
    QueueUnreachable,
    RecordQuestion,
    ReturningCallers,
    WrapUp,
    WrongPin,
    decide_after_dial,
    decide_call_in,
    decide_code,
    decide_menu,
    decide_next,
    decide_pin,
    decide_question_recorded,
    queue_record_since,
)
from routing.agent_line import FAILED_DIAL_SECONDS, RETURNING_DIAL_SECONDS
from tests.routing.conftest import MakeConfig

BRUSSELS = ZoneInfo("Europe/Brussels")
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)
EPOCH_NOW = 1_796_202_000  # NOW in seconds since the epoch
CALLER_SID = "CA" + "b" * 32


def _desk(make_config: MakeConfig, **agent_line: Any) -> Helpdesk:
    config = make_config(agent_line=agent_line) if agent_line else make_config()
    return config.helpdesks[0]


def test_the_clock_of_these_tables() -> None:
    assert int(NOW.timestamp()) == EPOCH_NOW


@pytest.mark.parametrize(
    ("locked", "expected"),
    [(False, AskCode(welcome=True)), (True, LockedOut())],
    ids=["welcome-and-code", "number-locked-out"],
)
def test_decide_call_in(locked: bool, expected: object) -> None:
    assert decide_call_in(locked) == expected


CODES: list[tuple[str, str, CodeDecision]] = [
    # id, Digits, decision
    ("three-digits", "101", AskPin("101")),
    ("eight-digits", "12345678", AskPin("12345678")),
    ("nine-digits-cut-to-eight", "123456789", AskPin("12345678")),
    ("leading-zero-kept", "007", AskPin("007")),
    ("nothing", "", AskCode(welcome=False)),
    ("star", "1*1", AskCode(welcome=False)),
    ("hash", "#", AskCode(welcome=False)),
    ("space", "10 1", AskCode(welcome=False)),
    ("arabic-indic-digits", "\u0661\u0660\u0661", AskCode(welcome=False)),
    ("superscript-digit", "10¹", AskCode(welcome=False)),
]


@pytest.mark.parametrize(("digits", "expected"), [row[1:] for row in CODES], ids=[row[0] for row in CODES])
def test_decide_code(digits: str, expected: CodeDecision) -> None:
    assert decide_code(digits) == expected


PINS: list[tuple[str, PinCheck, PinDecision]] = [
    # id, what the records said, decision
    ("accepted", PinCheck(was_locked=False, accepted=True, now_locked=False), LoggedIn("101")),
    ("wrong-tries-left", PinCheck(was_locked=False, accepted=False, now_locked=False), WrongPin()),
    ("wrong-fifth-locks", PinCheck(was_locked=False, accepted=False, now_locked=True), LockedOut()),
    ("locked-before-not-checked", PinCheck(was_locked=True, accepted=False, now_locked=False), LockedOut()),
]


@pytest.mark.parametrize(("check", "expected"), [row[1:] for row in PINS], ids=[row[0] for row in PINS])
def test_decide_pin(check: PinCheck, expected: PinDecision) -> None:
    assert decide_pin("101", check) == expected


NEXT: list[tuple[str, dict[str, Any], AgentStatus, NextDecision]] = [
    # id, agent_line settings, presence, decision
    ("available-dials-the-queue", {}, "available", DialQueue("voorkempen", "101", EPOCH_NOW, 55)),
    (
        "available-own-wait-for-caller",
        {"wait_for_caller": 30},
        "available",
        DialQueue("voorkempen", "101", EPOCH_NOW, 30),
    ),
    ("on-break-polls-silently", {}, "break", OnBreak("101", seconds=60, announce=False)),
    ("offline-hangs-up", {}, "offline", HangUp()),
]


@pytest.mark.parametrize(
    ("agent_line", "status", "expected"), [row[1:] for row in NEXT], ids=[row[0] for row in NEXT]
)
def test_decide_next(
    make_config: MakeConfig, agent_line: dict[str, Any], status: AgentStatus, expected: NextDecision
) -> None:
    assert decide_next(_desk(make_config, **agent_line), "101", status, NOW) == expected


RETURNING_NEXT: list[tuple[str, AgentStatus, ReturningCallers, NextDecision]] = [
    # id, presence, the returning callers as the dial sees them, decision
    (
        "available-returning-waits-dials-the-returning-queue-briefly",
        "available",
        "waiting",
        DialQueue("voorkempen_returning", "101", EPOCH_NOW, 10, returning=True),
    ),
    (
        "available-returning-queue-just-found-empty-own-queue-once",
        "available",
        "just_tried",
        DialQueue("voorkempen", "101", EPOCH_NOW, 55),
    ),
    ("available-nobody-returning", "available", "none", DialQueue("voorkempen", "101", EPOCH_NOW, 55)),
    ("on-break-returning-waits-still-polls", "break", "waiting", OnBreak("101", seconds=60, announce=False)),
    ("offline-returning-waits-hangs-up", "offline", "waiting", HangUp()),
]


@pytest.mark.parametrize(
    ("status", "returning", "expected"),
    [row[1:] for row in RETURNING_NEXT],
    ids=[row[0] for row in RETURNING_NEXT],
)
def test_decide_next_takes_returning_callers_first(
    make_config: MakeConfig, status: AgentStatus, returning: ReturningCallers, expected: NextDecision
) -> None:
    # Playbook 1.5.2: a citizen ringing back after our missed call is served before the others.
    desk = _desk(make_config)
    assert decide_next(desk, "101", status, NOW, returning=returning) == expected


def test_the_returning_dial_waits_less_than_any_caller_wait_yet_more_than_a_failed_dial() -> None:
    assert FAILED_DIAL_SECONDS < RETURNING_DIAL_SECONDS < 30


def _dial(
    status: str,
    *,
    caller_sid: str = "",
    bridged: bool | None = None,
    seconds_ago: int | None = 60,
) -> QueueDial:
    dialled = None if seconds_ago is None else EPOCH_NOW - seconds_ago
    return QueueDial(status=status, caller_sid=caller_sid, bridged=bridged, dialled=dialled)


# A conversation: its wrap-up names the dial's own caller and start, for the escalate key.
TALKED = WrapUp("101", talked=True, seconds=10)
NO_CALLER = WrapUp("101", talked=False, seconds=10)
BACK_OFF = QueueUnreachable("101", seconds=30)

AFTER: list[tuple[str, QueueDial, bool | None, AfterDialDecision]] = [
    # id, the dial as reported, the queue's record (None: not read or unavailable), decision
    ("bridged", _dial("completed", caller_sid=CALLER_SID, bridged=True), None, TALKED),
    ("not-bridged", _dial("completed", bridged=False), None, NO_CALLER),
    ("bridged-says-more-than-the-record", _dial("completed", bridged=False), True, NO_CALLER),
    ("completed-record-took-a-caller", _dial("completed"), True, TALKED),
    ("completed-record-no-caller-star-on-empty-queue", _dial("completed"), False, NO_CALLER),
    ("completed-record-unavailable-counts", _dial("completed"), None, TALKED),
    ("completed-dial-start-unknown-counts", _dial("completed", seconds_ago=None), None, TALKED),
    ("no-answer-after-the-wait", _dial("no-answer"), None, NO_CALLER),
    ("busy-after-the-wait", _dial("busy"), None, NO_CALLER),
    ("no-status", _dial("", seconds_ago=0), None, NO_CALLER),
    ("failed", _dial("failed"), None, BACK_OFF),
    ("failed-even-when-bridged-says-so", _dial("failed", bridged=True), None, BACK_OFF),
    ("busy-at-once", _dial("busy", seconds_ago=0), None, BACK_OFF),
    ("no-answer-within-4-s", _dial("no-answer", seconds_ago=4), None, BACK_OFF),
    ("no-answer-at-5-s-waited", _dial("no-answer", seconds_ago=5), None, NO_CALLER),
    (
        "no-answer-at-once-with-a-caller",
        _dial("no-answer", caller_sid=CALLER_SID, seconds_ago=1),
        None,
        NO_CALLER,
    ),
    ("busy-dial-start-unknown", _dial("busy", seconds_ago=None), None, NO_CALLER),
    ("busy-dial-in-the-future", _dial("busy", seconds_ago=-3), None, NO_CALLER),
]


@pytest.mark.parametrize(
    ("dial", "answered", "expected"), [row[1:] for row in AFTER], ids=[row[0] for row in AFTER]
)
def test_decide_after_dial(
    make_config: MakeConfig, dial: QueueDial, answered: bool | None, expected: AfterDialDecision
) -> None:
    assert decide_after_dial(_desk(make_config), "101", dial, NOW, answered) == _about(expected, dial)


def _about(expected: AfterDialDecision, dial: QueueDial) -> AfterDialDecision:
    """``TALKED`` about ``dial``'s conversation."""
    if expected != TALKED:
        return expected
    return replace(TALKED, conversation=Conversation(caller_sid=dial.caller_sid, dialled=dial.dialled))


def test_a_conversation_names_the_citizens_call_and_the_dials_start(make_config: MakeConfig) -> None:
    dial = _dial("completed", caller_sid=CALLER_SID, bridged=True)
    decision = decide_after_dial(_desk(make_config), "101", dial, NOW, None)
    assert decision == WrapUp("101", True, 10, Conversation(CALLER_SID, EPOCH_NOW - 60))


def test_a_wait_without_a_caller_names_no_conversation(make_config: MakeConfig) -> None:
    decision = decide_after_dial(_desk(make_config), "101", _dial("completed", bridged=False), NOW, None)
    assert decision == WrapUp("101", talked=False, seconds=10, conversation=None)


def _returning(dial: QueueDial) -> QueueDial:
    return replace(dial, returning=True)


# Straight back to the next caller, telling it the returning queue was just found empty.
ON = NextCaller("101", tried_returning=True)

RETURNING_AFTER: list[tuple[str, QueueDial, bool | None, AfterDialDecision]] = [
    # id, a dial on the returning queue as reported, the queue's record, decision
    ("bridged-wraps-up", _returning(_dial("completed", caller_sid=CALLER_SID, bridged=True)), None, TALKED),
    ("record-took-the-caller-wraps-up", _returning(_dial("completed", seconds_ago=12)), True, TALKED),
    (
        "taken-by-another-agent-straight-on",
        _returning(_dial("completed", seconds_ago=15)),
        False,
        ON,
    ),
    (
        "no-answer-after-the-short-wait-straight-on",
        _returning(_dial("no-answer", seconds_ago=15)),
        None,
        ON,
    ),
    ("not-bridged-straight-on", _returning(_dial("completed", bridged=False)), None, ON),
    ("no-status-straight-on", _returning(_dial("", seconds_ago=0)), None, ON),
    ("failed-backs-off", _returning(_dial("failed")), None, BACK_OFF),
    ("no-answer-at-once-backs-off", _returning(_dial("no-answer", seconds_ago=1)), None, BACK_OFF),
]


@pytest.mark.parametrize(
    ("dial", "answered", "expected"),
    [row[1:] for row in RETURNING_AFTER],
    ids=[row[0] for row in RETURNING_AFTER],
)
def test_decide_after_a_dial_on_the_returning_queue(
    make_config: MakeConfig, dial: QueueDial, answered: bool | None, expected: AfterDialDecision
) -> None:
    # Nobody put through: back to the next caller at once, not idle in the menu while others wait.
    assert decide_after_dial(_desk(make_config), "101", dial, NOW, answered) == _about(expected, dial)


def test_the_wrap_up_is_the_helpdesks(make_config: MakeConfig) -> None:
    desk = _desk(make_config, wrap_up=25)
    assert decide_after_dial(desk, "101", _dial("completed", bridged=True), NOW, None) == WrapUp(
        "101", talked=True, seconds=25, conversation=Conversation("", EPOCH_NOW - 60)
    )


RECORD: list[tuple[str, QueueDial, int | None]] = [
    # id, the dial as reported, since when the queue's record is read (None: not read)
    ("completed-without-bridged", _dial("completed"), EPOCH_NOW - 60),
    ("completed-bridged-true", _dial("completed", bridged=True), None),
    ("completed-bridged-false", _dial("completed", bridged=False), None),
    ("completed-dial-start-unknown", _dial("completed", seconds_ago=None), None),
    ("no-answer", _dial("no-answer"), None),
    ("failed", _dial("failed"), None),
]


@pytest.mark.parametrize(("dial", "expected"), [row[1:] for row in RECORD], ids=[row[0] for row in RECORD])
def test_queue_record_since(dial: QueueDial, expected: int | None) -> None:
    assert queue_record_since(dial) == expected


MENU: list[tuple[str, dict[str, Any], AgentStatus, str, MenuDecision]] = [
    # id, agent_line settings, presence, Digits, decision
    ("available-break-key", {}, "available", "9", OnBreak("101", 60, announce=True, starts=True)),
    ("available-resume-key", {}, "available", "1", NextCaller("101")),
    ("available-other-key", {}, "available", "5", NextCaller("101")),
    ("available-no-key", {}, "available", "", NextCaller("101")),
    ("available-first-key-counts", {}, "available", "91", OnBreak("101", 60, announce=True, starts=True)),
    ("break-resume-key", {}, "break", "1", NextCaller("101", resumes=True)),
    ("break-break-key-again", {}, "break", "9", OnBreak("101", 60, announce=True)),
    ("break-other-key", {}, "break", "5", OnBreak("101", 60, announce=True)),
    ("offline-hangs-up", {}, "offline", "9", HangUp()),
    (
        "own-keys-break",
        {"break_key": "*", "resume_key": "#"},
        "available",
        "*",
        OnBreak("101", 60, announce=True, starts=True),
    ),
    ("own-keys-resume", {"break_key": "*", "resume_key": "#"}, "break", "#", NextCaller("101", resumes=True)),
    ("own-keys-default-break-key-is-no-key", {"break_key": "*"}, "available", "9", NextCaller("101")),
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


TOKEN = "0123456789abcdef0123456789abcdef"
AFTER_CALL = Conversation(CALLER_SID, EPOCH_NOW - 60)
UNNAMED = Conversation("", EPOCH_NOW - 60)

ESCALATE: list[tuple[str, dict[str, Any], AgentStatus, str, Conversation | None, MenuDecision]] = [
    # id, agent_line settings, presence, Digits, the conversation the menu follows, decision
    ("after-a-conversation", {}, "available", "5", AFTER_CALL, RecordQuestion("101", AFTER_CALL, TOKEN)),
    ("citizen-not-named", {}, "available", "5", UNNAMED, RecordQuestion("101", UNNAMED, TOKEN)),
    ("first-key-counts", {}, "available", "59", AFTER_CALL, RecordQuestion("101", AFTER_CALL, TOKEN)),
    ("set-on-break-meanwhile", {}, "break", "5", AFTER_CALL, RecordQuestion("101", AFTER_CALL, TOKEN)),
    ("set-outbound-meanwhile", {}, "outbound", "5", AFTER_CALL, RecordQuestion("101", AFTER_CALL, TOKEN)),
    ("logged-in-elsewhere-hangs-up", {}, "offline", "5", AFTER_CALL, HangUp()),
    ("other-keys-as-ever", {}, "available", "9", AFTER_CALL, OnBreak("101", 60, announce=True, starts=True)),
    ("no-key-next-caller", {}, "available", "", AFTER_CALL, NextCaller("101")),
    ("no-conversation-no-question", {}, "available", "5", None, NextCaller("101")),
    ("no-conversation-on-break", {}, "break", "5", None, OnBreak("101", 60, announce=True)),
    (
        "own-key",
        {"escalate_key": "*"},
        "available",
        "*",
        AFTER_CALL,
        RecordQuestion("101", AFTER_CALL, TOKEN),
    ),
    ("own-key-default-is-no-key", {"escalate_key": "*"}, "available", "5", AFTER_CALL, NextCaller("101")),
]


@pytest.mark.parametrize(
    ("agent_line", "status", "digits", "after", "expected"),
    [row[1:] for row in ESCALATE],
    ids=[row[0] for row in ESCALATE],
)
def test_the_escalate_key_records_a_question_only_after_a_conversation(
    make_config: MakeConfig,
    agent_line: dict[str, Any],
    status: AgentStatus,
    digits: str,
    after: Conversation | None,
    expected: MenuDecision,
) -> None:
    # Playbook 1.3.2.2: the question an agent cannot answer goes to a more experienced colleague.
    desk = _desk(make_config, **agent_line)
    assert decide_menu(desk, "101", digits, status, after=after, token=TOKEN) == expected


def test_a_question_needs_its_token(make_config: MakeConfig) -> None:
    with pytest.raises(ValueError, match="token"):
        decide_menu(_desk(make_config), "101", "5", "available", after=AFTER_CALL)


QUESTION: list[tuple[str, bool, Conversation | None, QuestionRecorded]] = [
    # id, something recorded, the conversation, decision
    ("saved", True, AFTER_CALL, QuestionRecorded("101", saved=True, seconds=10)),
    ("nothing-recorded-key-again", False, AFTER_CALL, QuestionRecorded("101", False, 10, AFTER_CALL)),
    ("nothing-recorded-unnamed", False, UNNAMED, QuestionRecorded("101", False, 10, UNNAMED)),
    ("saved-without-conversation", True, None, QuestionRecorded("101", saved=True, seconds=10)),
]


@pytest.mark.parametrize(
    ("said", "conversation", "expected"), [row[1:] for row in QUESTION], ids=[row[0] for row in QUESTION]
)
def test_decide_question_recorded(
    make_config: MakeConfig, said: bool, conversation: Conversation | None, expected: QuestionRecorded
) -> None:
    assert decide_question_recorded(_desk(make_config), "101", said, conversation) == expected


def test_the_menu_after_a_question_is_the_helpdesks_wrap_up(make_config: MakeConfig) -> None:
    desk = _desk(make_config, wrap_up=25)
    assert decide_question_recorded(desk, "101", True, AFTER_CALL) == QuestionRecorded("101", True, 25)


def test_naive_time_is_refused(make_config: MakeConfig) -> None:
    desk = _desk(make_config)
    naive = NOW.replace(tzinfo=None)
    with pytest.raises(ValueError, match="timezone-aware"):
        decide_next(desk, "101", "available", naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        decide_after_dial(desk, "101", _dial("busy"), naive, None)


def test_the_same_instant_in_utc_dials_with_the_same_moment(make_config: MakeConfig) -> None:
    in_utc = NOW.astimezone(ZoneInfo("UTC")) + timedelta(seconds=1)
    decision = decide_next(_desk(make_config), "101", "available", in_utc)
    assert decision == DialQueue("voorkempen", "101", EPOCH_NOW + 1, 55)
