"""A closure set by ops beats every other rule: hours, exceptions, agents, the queue."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from routing import (
    Closure,
    EndCall,
    EnqueueCaller,
    ForwardToCentral,
    HoldInQueue,
    LeaveQueue,
    LineState,
    PlayClosing,
    closure_problems,
    decide_after_central,
    decide_after_queue,
    decide_arrival,
    decide_wait,
    parse_until,
)
from tests.routing.conftest import MakeConfig, local

BRUSSELS = ZoneInfo("Europe/Brussels")
CENTRAL = "+3227138700"
WED_1000 = local(2026, 12, 2, 10)  # helpdesk open, central open
SAT_0930 = local(2026, 12, 5, 9, 30)  # helpdesk open, central closed
WED_1800 = local(2026, 12, 2, 18)  # helpdesk closed, central open
MESSAGE = "Door een stroompanne is de helpdesk vandaag gesloten. Kijk op {website}."
ENQUEUE = EnqueueCaller("voorkempen")
OPEN_ENDED = Closure(reason="stroompanne")
WITH_MESSAGE = Closure(reason="stroompanne", message=MESSAGE)
UNTIL_1200 = Closure(reason="stroompanne", until=local(2026, 12, 2, 12), message=MESSAGE)

ARRIVALS: list[tuple[str, dict[str, Any], datetime, Closure | None, object]] = [
    # id, changes to voorkempen, now, closure, decision (agents logged in and room in the queue)
    ("no-closure-open", {}, WED_1000, None, ENQUEUE),
    ("closed-route-central-open", {}, WED_1000, OPEN_ENDED, ForwardToCentral("closed", CENTRAL)),
    ("closed-route-central-closed", {}, SAT_0930, OPEN_ENDED, PlayClosing()),
    ("closed-route-central-closed-message", {}, SAT_0930, WITH_MESSAGE, PlayClosing(MESSAGE)),
    (
        "closed-closing-message-site",
        {"when_closed": "closing_message"},
        WED_1000,
        WITH_MESSAGE,
        PlayClosing(MESSAGE),
    ),
    (
        "closed-closing-message-site-default",
        {"when_closed": "closing_message"},
        WED_1000,
        OPEN_ENDED,
        PlayClosing(),
    ),
    ("closed-until-later", {}, local(2026, 12, 2, 11, 59), UNTIL_1200, ForwardToCentral("closed", CENTRAL)),
    ("expired-at-until", {}, local(2026, 12, 2, 12), UNTIL_1200, ENQUEUE),
    ("expired-after-until", {}, local(2026, 12, 2, 13), UNTIL_1200, ENQUEUE),
    # An exception opening the day (24 Dec, 09:00-12:00) does not beat the closure.
    (
        "closed-beats-exception",
        {"when_closed": "closing_message"},
        local(2026, 12, 24, 10),
        WITH_MESSAGE,
        PlayClosing(MESSAGE),
    ),
    # Closed by its hours too: the closure's message, not the closing message.
    (
        "closed-by-hours-too",
        {"when_closed": "closing_message"},
        WED_1800,
        WITH_MESSAGE,
        PlayClosing(MESSAGE),
    ),
]


@pytest.mark.parametrize(
    ("changes", "now", "closure", "expected"), [row[1:] for row in ARRIVALS], ids=[row[0] for row in ARRIVALS]
)
def test_arrival_with_a_closure(
    make_config: MakeConfig, changes: dict[str, Any], now: datetime, closure: Closure | None, expected: object
) -> None:
    config = make_config(**changes)
    desk = config.helpdesks[0]
    decision = decide_arrival(config, desk, now, LineState(agents_logged_in=2, callers_waiting=0), closure)
    assert decision == expected


@pytest.mark.parametrize(
    "line",
    [LineState(0, 0), LineState(2, 20)],
    ids=["no-agents", "queue-full"],
)
def test_a_closure_beats_the_line_state(make_config: MakeConfig, line: LineState) -> None:
    config = make_config(when_closed="closing_message")
    desk = config.helpdesks[0]
    assert decide_arrival(config, desk, WED_1000, line, WITH_MESSAGE) == PlayClosing(MESSAGE)


WAITS: list[tuple[str, datetime, Closure | None, int | None, object]] = [
    ("closed-leaves", WED_1000, OPEN_ENDED, 30, LeaveQueue(reason="closed")),
    ("closed-leaves-central-closed", SAT_0930, OPEN_ENDED, 30, LeaveQueue(reason="closed")),
    ("closed-leaves-without-queue-time", WED_1000, OPEN_ENDED, None, LeaveQueue(reason="closed")),
    ("expired-keeps-waiting", local(2026, 12, 2, 12, 30), UNTIL_1200, 0, HoldInQueue("wait", 0, 58, 0)),
    ("no-closure-keeps-waiting", WED_1000, None, 0, HoldInQueue("wait", 0, 58, 0)),
]


@pytest.mark.parametrize(
    ("now", "closure", "queue_time", "expected"), [row[1:] for row in WAITS], ids=[row[0] for row in WAITS]
)
def test_waiting_callers_leave_a_closed_helpdesk(
    make_config: MakeConfig, now: datetime, closure: Closure | None, queue_time: int | None, expected: object
) -> None:
    config = make_config()
    desk = config.helpdesks[0]
    line = LineState(agents_logged_in=2, callers_waiting=3)
    assert decide_wait(config, desk, now, queue_time, line, None, closure) == expected


AFTER_QUEUE: list[tuple[str, dict[str, Any], datetime, str, object]] = [
    ("leave-route-central-open", {}, WED_1000, "leave", ForwardToCentral("closed", CENTRAL)),
    ("leave-route-central-closed", {}, SAT_0930, "leave", PlayClosing(MESSAGE)),
    (
        "leave-closing-message-site",
        {"when_closed": "closing_message"},
        WED_1000,
        "leave",
        PlayClosing(MESSAGE),
    ),
    ("redirected", {}, WED_1000, "redirected", ForwardToCentral("closed", CENTRAL)),
    ("error", {"when_closed": "closing_message"}, WED_1000, "error", PlayClosing(MESSAGE)),
    ("bridged-ends", {}, WED_1000, "bridged", EndCall()),
    ("hangup-ends", {}, WED_1000, "hangup", EndCall()),
]


@pytest.mark.parametrize(
    ("changes", "now", "result", "expected"),
    [row[1:] for row in AFTER_QUEUE],
    ids=[row[0] for row in AFTER_QUEUE],
)
def test_after_the_queue_of_a_closed_helpdesk(
    make_config: MakeConfig, changes: dict[str, Any], now: datetime, result: str, expected: object
) -> None:
    config = make_config(**changes)
    desk = config.helpdesks[0]
    line = LineState(agents_logged_in=2, callers_waiting=0)
    assert decide_after_queue(config, desk, now, result, 200, line, WITH_MESSAGE) == expected


@pytest.mark.parametrize(
    ("closure", "status", "expected"),
    [
        (WITH_MESSAGE, "busy", PlayClosing(MESSAGE)),
        (None, "busy", PlayClosing()),
        (UNTIL_1200, "no-answer", PlayClosing(MESSAGE)),
        (WITH_MESSAGE, "completed", EndCall()),
    ],
    ids=["closed-busy", "no-closure-busy", "until-later-no-answer", "closed-answered"],
)
def test_after_central_the_closures_message(
    make_config: MakeConfig, closure: Closure | None, status: str, expected: object
) -> None:
    config = make_config()
    assert decide_after_central(config, config.helpdesks[0], WED_1000, status, closure) == expected


NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)  # 10:30 in Brussels


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:00", datetime(2026, 12, 2, 14, 0, tzinfo=BRUSSELS)),
        ("9:45", None),
        ("10:31", datetime(2026, 12, 2, 10, 31, tzinfo=BRUSSELS)),
        ("2026-12-03T08:00", datetime(2026, 12, 3, 8, 0, tzinfo=BRUSSELS)),
        ("2026-12-03 08:00", datetime(2026, 12, 3, 8, 0, tzinfo=BRUSSELS)),
        ("2026-12-02T10:00:00+00:00", datetime(2026, 12, 2, 10, 0, tzinfo=UTC)),
    ],
    ids=["hh-mm-today", "hh-mm-past", "a-minute-ahead", "iso-local", "iso-with-space", "with-offset"],
)
def test_parse_until(text: str, expected: datetime | None) -> None:
    if expected is None:
        with pytest.raises(ValueError, match=r'^"9:45" \(2026-12-02 09:45\) is not in the future$'):
            parse_until(text, NOW, BRUSSELS)
    else:
        assert parse_until(text, NOW, BRUSSELS) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("10:30", '"10:30" (2026-12-02 10:30) is not in the future'),
        ("25:00", '"25:00" is not a local time like "14:00" or "2026-12-15T14:00"'),
        ("tomorrow", '"tomorrow" is not a local time like "14:00" or "2026-12-15T14:00"'),
        ("2026-12-01T23:00", '"2026-12-01T23:00" (2026-12-01 23:00) is not in the future'),
    ],
    ids=["now-is-not-future", "bad-hour", "words", "yesterday"],
)
def test_parse_until_refuses(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(error)}$"):
        parse_until(text, NOW, BRUSSELS)


@pytest.mark.parametrize(
    ("reason", "message", "problems"),
    [
        ("stroompanne", None, []),
        ("stroompanne", MESSAGE, []),
        ("  ", None, ["reason: give the reason of the closure"]),
        ("x" * 201, None, ["reason: at most 200 characters"]),
        ("stroompanne", " ", ["message: the text is empty"]),
        (
            "stroom\npanne",
            "Ge\x00sloten.",
            [
                "reason: control characters (such as line breaks) are not allowed",
                "message: control characters (such as line breaks) are not allowed",
            ],
        ),
        (
            "stroompanne",
            "Bel {central_number}.",
            ["message: {central_number} may only be used in overflow_wait"],
        ),
        (
            "stroompanne",
            "Gesloten {tot}.",
            [
                "message: unknown placeholder {tot}; use one of {break_key}, {central_number}, "
                "{escalate_key}, {helpdesk_name}, {municipalities}, {opening_hours}, {outbound_key}, "
                "{resume_key}, {website}"
            ],
        ),
    ],
    ids=[
        "reason-only",
        "with-message",
        "blank-reason",
        "long-reason",
        "blank-message",
        "control-characters",
        "central-number",
        "unknown",
    ],
)
def test_closure_problems(reason: str, message: str | None, problems: list[str]) -> None:
    assert closure_problems(reason, message) == problems
