from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from config.models import HelpdeskConfig
from routing import (
    AfterCentralDecision,
    AfterQueueDecision,
    EndCall,
    ForwardToCentral,
    LineState,
    OverflowReason,
    PlayClosing,
    decide_after_central,
    decide_after_queue,
    fail_safe,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
CENTRAL = "+3227138700"
WED_1000 = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)  # helpdesk open, central open
WED_1800 = datetime(2026, 12, 2, 18, 0, tzinfo=BRUSSELS)  # helpdesk closed, central open
WED_2100 = datetime(2026, 12, 2, 21, 0, tzinfo=BRUSSELS)  # both closed
SAT_0930 = datetime(2026, 12, 5, 9, 30, tzinfo=BRUSSELS)  # helpdesk open, central closed
SUN_1100 = datetime(2026, 12, 6, 11, 0, tzinfo=BRUSSELS)  # helpdesk closed, central weekend hours
LINE = LineState(agents_logged_in=2, callers_waiting=1)

AFTER_QUEUE: list[tuple[str, str, int | None, datetime, AfterQueueDecision]] = [
    # id, QueueResult, QueueTime, now, decision
    ("bridged", "bridged", 42, WED_1000, EndCall()),
    ("bridged-central-closed", "bridged", 42, WED_2100, EndCall()),
    ("bridging-in-process", "bridging-in-process", 12, WED_1000, EndCall()),
    ("redirected-from-bridged", "redirected-from-bridged", 12, WED_1000, EndCall()),
    ("hangup", "hangup", 75, WED_1000, EndCall()),
    ("hangup-central-closed", "hangup", 75, WED_2100, EndCall()),
    ("leave-at-overflow", "leave", 180, WED_1000, ForwardToCentral("wait_timeout", CENTRAL)),
    ("leave-late-tick", "leave", 183, WED_1000, ForwardToCentral("wait_timeout", CENTRAL)),
    ("leave-within-grace", "leave", 175, WED_1000, ForwardToCentral("wait_timeout", CENTRAL)),
    ("leave-before-grace", "leave", 174, WED_1000, ForwardToCentral("no_agents", CENTRAL)),
    ("leave-early-no-agents", "leave", 20, WED_1000, ForwardToCentral("no_agents", CENTRAL)),
    ("leave-without-queue-time", "leave", None, WED_1000, ForwardToCentral("no_agents", CENTRAL)),
    ("leave-helpdesk-closed-central-open", "leave", 180, WED_1800, ForwardToCentral("wait_timeout", CENTRAL)),
    ("leave-central-closed", "leave", 180, WED_2100, PlayClosing()),
    ("redirected", "redirected", 40, WED_1000, ForwardToCentral("no_agents", CENTRAL)),
    ("redirected-late", "redirected", 190, WED_1000, ForwardToCentral("no_agents", CENTRAL)),
    ("redirected-central-closed", "redirected", 40, SAT_0930, PlayClosing()),
    ("queue-full", "queue-full", None, WED_1000, ForwardToCentral("queue_full", CENTRAL)),
    ("queue-full-central-closed", "queue-full", None, WED_2100, PlayClosing()),
    ("error", "error", 3, WED_1000, ForwardToCentral("error", CENTRAL)),
    ("error-central-closed", "error", 3, SAT_0930, PlayClosing()),
    ("system-error", "system-error", None, SUN_1100, ForwardToCentral("error", CENTRAL)),
    ("system-error-central-closed", "system-error", None, WED_2100, PlayClosing()),
    ("unknown-result", "transferred-to-mars", 10, WED_1000, ForwardToCentral("error", CENTRAL)),
    ("empty-result", "", None, WED_1000, ForwardToCentral("error", CENTRAL)),
    ("unknown-result-central-closed", "transferred-to-mars", 10, WED_2100, PlayClosing()),
]


@pytest.mark.parametrize(
    ("result", "queue_time", "now", "expected"),
    [row[1:] for row in AFTER_QUEUE],
    ids=[row[0] for row in AFTER_QUEUE],
)
def test_decide_after_queue(
    make_config: Callable[..., HelpdeskConfig],
    result: str,
    queue_time: int | None,
    now: datetime,
    expected: AfterQueueDecision,
) -> None:
    config = make_config()
    assert decide_after_queue(config, config.helpdesks[0], now, result, queue_time, LINE) == expected


@pytest.mark.parametrize(
    ("queue_time", "expected"),
    [
        (144, ForwardToCentral("no_agents", CENTRAL)),
        (145, ForwardToCentral("wait_timeout", CENTRAL)),
    ],
    ids=["overflow-150-before-grace", "overflow-150-within-grace"],
)
def test_leave_reason_follows_the_configured_overflow(
    make_config: Callable[..., HelpdeskConfig], queue_time: int, expected: AfterQueueDecision
) -> None:
    config = make_config(queue={"overflow_after": 150})
    assert decide_after_queue(config, config.helpdesks[0], WED_1000, "leave", queue_time, LINE) == expected


NO_AGENTS = LineState(agents_logged_in=0, callers_waiting=3)

OVERFLOW_REASONS: list[tuple[str, str, int | None, LineState, OverflowReason]] = [
    # id, QueueResult, QueueTime, line at the exit, reason recorded
    ("queue-full", "queue-full", None, LINE, "queue_full"),
    ("queue-full-no-agents", "queue-full", None, NO_AGENTS, "queue_full"),
    ("leave-long-wait-agents-busy", "leave", 180, LINE, "wait_timeout"),
    ("leave-within-grace-agents-busy", "leave", 175, LINE, "wait_timeout"),
    ("leave-last-agent-gone-early", "leave", 20, NO_AGENTS, "no_agents"),
    ("leave-last-agent-gone-after-175-s", "leave", 176, NO_AGENTS, "no_agents"),
    ("leave-last-agent-gone-after-the-overflow", "leave", 240, NO_AGENTS, "no_agents"),
    ("leave-no-agents-without-queue-time", "leave", None, NO_AGENTS, "no_agents"),
    ("redirected", "redirected", 40, LINE, "no_agents"),
    ("redirected-no-agents", "redirected", 190, NO_AGENTS, "no_agents"),
    ("error", "error", 3, LINE, "error"),
    ("system-error", "system-error", None, NO_AGENTS, "error"),
    ("unknown", "transferred-to-mars", 200, LINE, "error"),
]


@pytest.mark.parametrize(
    ("result", "queue_time", "line", "reason"),
    [row[1:] for row in OVERFLOW_REASONS],
    ids=[row[0] for row in OVERFLOW_REASONS],
)
def test_the_overflow_reason_is_what_happened(
    make_config: Callable[..., HelpdeskConfig],
    result: str,
    queue_time: int | None,
    line: LineState,
    reason: OverflowReason,
) -> None:
    config = make_config()
    decision = decide_after_queue(config, config.helpdesks[0], WED_1000, result, queue_time, line)
    assert decision == ForwardToCentral(reason, CENTRAL)


AFTER_CENTRAL: list[tuple[str, str, datetime, AfterCentralDecision]] = [
    ("completed", "completed", WED_1800, EndCall()),
    ("answered", "answered", WED_1800, EndCall()),
    ("completed-after-central-closed", "completed", WED_2100, EndCall()),
    ("busy", "busy", WED_1800, PlayClosing()),
    ("no-answer", "no-answer", WED_1800, PlayClosing()),
    ("failed", "failed", WED_1800, PlayClosing()),
    ("canceled", "canceled", WED_1800, PlayClosing()),
    ("unknown-status", "in-progress", WED_1800, PlayClosing()),
    ("empty-status", "", WED_1800, PlayClosing()),
]


@pytest.mark.parametrize(
    ("dial_status", "now", "expected"),
    [row[1:] for row in AFTER_CENTRAL],
    ids=[row[0] for row in AFTER_CENTRAL],
)
def test_decide_after_central(
    make_config: Callable[..., HelpdeskConfig],
    dial_status: str,
    now: datetime,
    expected: AfterCentralDecision,
) -> None:
    config = make_config()
    assert decide_after_central(config, config.helpdesks[0], now, dial_status) == expected


FAIL_SAFE: list[tuple[str, bool, datetime, ForwardToCentral | PlayClosing]] = [
    ("central-open", True, WED_1000, ForwardToCentral("error", CENTRAL)),
    ("central-open-helpdesk-closed", True, WED_1800, ForwardToCentral("error", CENTRAL)),
    ("central-open-unknown-helpdesk", False, SUN_1100, ForwardToCentral("error", CENTRAL)),
    ("central-closed", True, WED_2100, PlayClosing()),
    ("central-closed-helpdesk-open", True, SAT_0930, PlayClosing()),
    ("central-closed-unknown-helpdesk", False, WED_2100, PlayClosing()),
]


@pytest.mark.parametrize(
    ("known_desk", "now", "expected"),
    [row[1:] for row in FAIL_SAFE],
    ids=[row[0] for row in FAIL_SAFE],
)
def test_fail_safe(
    make_config: Callable[..., HelpdeskConfig],
    known_desk: bool,
    now: datetime,
    expected: ForwardToCentral | PlayClosing,
) -> None:
    config = make_config()
    desk = config.helpdesks[0] if known_desk else None
    assert fail_safe(config, desk, now) == expected
