from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from config.models import HelpdeskConfig
from routing import (
    ArrivalDecision,
    Closure,
    EnqueueCaller,
    ForwardToCentral,
    LineState,
    PlayBusy,
    PlayClosing,
    decide_arrival,
    returning_queue_name,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
CENTRAL = "+3227138700"

WED_1000 = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)  # helpdesk open, central open
WED_1800 = datetime(2026, 12, 2, 18, 0, tzinfo=BRUSSELS)  # helpdesk closed, central open
WED_2100 = datetime(2026, 12, 2, 21, 0, tzinfo=BRUSSELS)  # both closed
SAT_0930 = datetime(2026, 12, 5, 9, 30, tzinfo=BRUSSELS)  # helpdesk open (09-12), central not yet (10-18)

ROWS: list[tuple[str, dict[str, Any], str, datetime, LineState, ArrivalDecision]] = [
    # id, changes to voorkempen, helpdesk, now, line, decision
    (
        "closed-route-central-open",
        {},
        "voorkempen",
        WED_1800,
        LineState(2, 0),
        ForwardToCentral("closed", CENTRAL),
    ),
    ("closed-route-central-closed", {}, "voorkempen", WED_2100, LineState(2, 0), PlayClosing()),
    (
        "closed-closing-message-central-open",
        {"when_closed": "closing_message"},
        "voorkempen",
        WED_1800,
        LineState(2, 0),
        PlayClosing(),
    ),
    (
        "closed-closing-message-central-closed",
        {"when_closed": "closing_message"},
        "voorkempen",
        WED_2100,
        LineState(0, 0),
        PlayClosing(),
    ),
    (
        "closed-sunday-central-weekend-hours",
        {},
        "voorkempen",
        datetime(2026, 12, 6, 11, 0, tzinfo=BRUSSELS),
        LineState(0, 0),
        ForwardToCentral("closed", CENTRAL),
    ),
    (
        "closed-christmas-central-holiday-hours",
        {},
        "voorkempen",
        datetime(2026, 12, 25, 11, 0, tzinfo=BRUSSELS),
        LineState(3, 0),
        ForwardToCentral("closed", CENTRAL),
    ),
    (
        "closed-christmas-before-central-opens",
        {},
        "voorkempen",
        datetime(2026, 12, 25, 9, 30, tzinfo=BRUSSELS),
        LineState(3, 0),
        PlayClosing(),
    ),
    (
        "closed-christmas-eve-afternoon-exception",
        {},
        "voorkempen",
        datetime(2026, 12, 24, 13, 0, tzinfo=BRUSSELS),
        LineState(2, 0),
        ForwardToCentral("closed", CENTRAL),
    ),
    (
        "open-christmas-eve-morning-exception",
        {},
        "voorkempen",
        datetime(2026, 12, 24, 11, 59, tzinfo=BRUSSELS),
        LineState(2, 0),
        EnqueueCaller("voorkempen"),
    ),
    (
        "open-at-0900-sharp",
        {},
        "voorkempen",
        datetime(2026, 12, 2, 9, 0, tzinfo=BRUSSELS),
        LineState(1, 0),
        EnqueueCaller("voorkempen"),
    ),
    (
        "closed-at-1600-sharp",
        {},
        "voorkempen",
        datetime(2026, 12, 2, 16, 0, tzinfo=BRUSSELS),
        LineState(1, 0),
        ForwardToCentral("closed", CENTRAL),
    ),
    (
        "open-no-agents-central-open",
        {},
        "voorkempen",
        WED_1000,
        LineState(0, 0),
        ForwardToCentral("no_agents", CENTRAL),
    ),
    ("open-no-agents-central-closed", {}, "voorkempen", SAT_0930, LineState(0, 0), PlayClosing()),
    (
        "open-no-agents-closing-message-site-central-open",
        {"when_closed": "closing_message"},
        "voorkempen",
        WED_1000,
        LineState(0, 0),
        ForwardToCentral("no_agents", CENTRAL),
    ),
    (
        "open-queue-full-central-open",
        {},
        "voorkempen",
        WED_1000,
        LineState(2, 8),
        ForwardToCentral("queue_full", CENTRAL),
    ),
    (
        "open-queue-over-full-central-open",
        {},
        "voorkempen",
        WED_1000,
        LineState(2, 11),
        ForwardToCentral("queue_full", CENTRAL),
    ),
    ("open-queue-full-central-closed", {}, "voorkempen", SAT_0930, LineState(2, 8), PlayBusy()),
    (
        "open-queue-full-three-lines-per-agent",
        {"queue": {"lines_per_agent": 3}},
        "voorkempen",
        WED_1000,
        LineState(1, 3),
        ForwardToCentral("queue_full", CENTRAL),
    ),
    ("open-one-place-left", {}, "voorkempen", WED_1000, LineState(2, 7), EnqueueCaller("voorkempen")),
    ("open-empty-queue", {}, "voorkempen", WED_1000, LineState(1, 0), EnqueueCaller("voorkempen")),
    ("open-room-central-closed", {}, "voorkempen", SAT_0930, LineState(1, 3), EnqueueCaller("voorkempen")),
    (
        "open-agents-announce-site",
        {"overflow": "announce"},
        "voorkempen",
        WED_1000,
        LineState(2, 1),
        EnqueueCaller("voorkempen"),
    ),
    ("second-desk-open", {}, "kempen-zuid", WED_1000, LineState(1, 0), EnqueueCaller("kempen-zuid")),
    (
        "second-desk-lunch-closing-message",
        {},
        "kempen-zuid",
        datetime(2026, 12, 2, 12, 45, tzinfo=BRUSSELS),
        LineState(1, 0),
        PlayClosing(),
    ),
    (
        "second-desk-open-after-16",
        {},
        "kempen-zuid",
        datetime(2026, 12, 2, 16, 30, tzinfo=BRUSSELS),
        LineState(1, 0),
        EnqueueCaller("kempen-zuid"),
    ),
]


@pytest.mark.parametrize(
    ("changes", "desk_id", "now", "line", "expected"),
    [row[1:] for row in ROWS],
    ids=[row[0] for row in ROWS],
)
def test_decide_arrival(
    make_config: Callable[..., HelpdeskConfig],
    changes: dict[str, Any],
    desk_id: str,
    now: datetime,
    line: LineState,
    expected: ArrivalDecision,
) -> None:
    config = make_config(**changes)
    desk = config.helpdesk(desk_id)
    assert desk is not None
    assert decide_arrival(config, desk, now, line) == expected


RETURNING: list[tuple[str, datetime, LineState, ArrivalDecision]] = [
    # id, now, line, decision for a caller returning our missed call (playbook 1.5.2)
    (
        "open-room-returning-queue",
        WED_1000,
        LineState(2, 3),
        EnqueueCaller("voorkempen_returning", returning=True),
    ),
    (
        "open-nobody-waits-own-queue-first-anyway",
        WED_1000,
        LineState(1, 0),
        EnqueueCaller("voorkempen", returning=True),
    ),
    (
        "open-one-place-left-returning-queue",
        WED_1000,
        LineState(2, 7),
        EnqueueCaller("voorkempen_returning", returning=True),
    ),
    ("open-queue-full-usual-rule", WED_1000, LineState(2, 8), ForwardToCentral("queue_full", CENTRAL)),
    ("open-queue-full-central-closed-busy", SAT_0930, LineState(2, 8), PlayBusy()),
    ("open-no-agents-usual-rule", WED_1000, LineState(0, 0), ForwardToCentral("no_agents", CENTRAL)),
    ("closed-usual-rule", WED_1800, LineState(2, 0), ForwardToCentral("closed", CENTRAL)),
    ("closed-central-closed-closing", WED_2100, LineState(2, 0), PlayClosing()),
]


@pytest.mark.parametrize(
    ("now", "line", "expected"), [row[1:] for row in RETURNING], ids=[row[0] for row in RETURNING]
)
def test_decide_arrival_of_a_returning_caller(
    make_config: Callable[..., HelpdeskConfig], now: datetime, line: LineState, expected: ArrivalDecision
) -> None:
    config = make_config()
    assert decide_arrival(config, config.helpdesks[0], now, line, returning=True) == expected


def test_a_closure_by_ops_holds_for_a_returning_caller(make_config: Callable[..., HelpdeskConfig]) -> None:
    config = make_config()
    closure = Closure(reason="stroomonderbreking")
    assert decide_arrival(
        config, config.helpdesks[0], WED_1000, LineState(2, 0), closure, returning=True
    ) == (ForwardToCentral("closed", CENTRAL))


@pytest.mark.parametrize(
    ("helpdesk_id", "queue"),
    [("voorkempen", "voorkempen_returning"), ("a" * 40, "a" * 40 + "_returning")],
    ids=["example", "longest-id"],
)
def test_the_returning_queue_name_is_no_helpdesks_and_fits_twilio(helpdesk_id: str, queue: str) -> None:
    # Twilio: a queue name is shorter than 64 characters (errors 14205, 14213); "_" is not allowed
    # in a helpdesk id, so no helpdesk's own queue can carry this name.
    assert returning_queue_name(helpdesk_id) == queue
    assert len(queue) < 64
    assert not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", queue)


def test_forward_uses_the_configured_central_number(make_config: Callable[..., HelpdeskConfig]) -> None:
    config = make_config(central_number="+3225011111")
    decision = decide_arrival(config, config.helpdesks[0], WED_1800, LineState(1, 0))
    assert decision == ForwardToCentral("closed", "+3225011111")


def test_the_same_instant_in_utc_gives_the_same_answer(make_config: Callable[..., HelpdeskConfig]) -> None:
    config = make_config()
    in_utc = datetime(2026, 12, 2, 15, 30, tzinfo=ZoneInfo("UTC"))  # 16:30 in Brussels: closed
    assert decide_arrival(config, config.helpdesks[0], in_utc, LineState(1, 0)) == ForwardToCentral(
        "closed", CENTRAL
    )


def test_naive_time_is_refused(make_config: Callable[..., HelpdeskConfig]) -> None:
    config = make_config()
    with pytest.raises(ValueError, match="timezone-aware"):
        decide_arrival(config, config.helpdesks[0], datetime(2026, 12, 2, 10, 0), LineState(1, 0))  # noqa: DTZ001
