from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from config.models import HelpdeskConfig
from routing import HoldInQueue, LeaveQueue, LineState, WaitDecision, decide_wait

BRUSSELS = ZoneInfo("Europe/Brussels")
WED_1000 = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)  # helpdesk open, central open
WED_1800 = datetime(2026, 12, 2, 18, 0, tzinfo=BRUSSELS)  # helpdesk closed, central open
WED_2100 = datetime(2026, 12, 2, 21, 0, tzinfo=BRUSSELS)  # both closed
SAT_0930 = datetime(2026, 12, 5, 9, 30, tzinfo=BRUSSELS)  # helpdesk open, central closed
TWO_AGENTS = LineState(agents_logged_in=2, callers_waiting=3)

# Example queue: announce_every 60, overflow_after 180. Expected documents for each QueueTime.
_BEFORE_OVERFLOW: dict[int, WaitDecision] = {
    0: HoldInQueue("wait", 0, 60),
    3: HoldInQueue("wait", 3, 60),
    4: HoldInQueue("wait", 4, 60),
    5: HoldInQueue(None, 5, 60),
    58: HoldInQueue(None, 58, 60),
    59: HoldInQueue(None, 59, 60),
    60: HoldInQueue("wait", 60, 120),
    62: HoldInQueue("wait", 62, 120),
    64: HoldInQueue("wait", 64, 120),
    65: HoldInQueue(None, 65, 120),
    119: HoldInQueue(None, 119, 120),
    120: HoldInQueue("wait", 120, 180),
    175: HoldInQueue(None, 175, 180),
    179: HoldInQueue(None, 179, 180),
}
EXPECTED: dict[tuple[str, str], dict[int, WaitDecision]] = {
    ("route", "central-open"): {
        **_BEFORE_OVERFLOW,
        180: LeaveQueue("wait_timeout"),
        181: LeaveQueue("wait_timeout"),
    },
    ("route", "central-closed"): {
        **_BEFORE_OVERFLOW,
        180: HoldInQueue("wait", 180, 240),
        181: HoldInQueue("wait", 181, 240),
    },
    ("announce", "central-open"): {
        **_BEFORE_OVERFLOW,
        180: HoldInQueue("overflow_wait", 180, 240),
        181: HoldInQueue("overflow_wait", 181, 240),
    },
    ("announce", "central-closed"): {
        **_BEFORE_OVERFLOW,
        180: HoldInQueue("wait", 180, 240),
        181: HoldInQueue("wait", 181, 240),
    },
}
NOW = {"central-open": WED_1000, "central-closed": WED_2100}
BOUNDARY_ROWS = [
    (overflow, central, queue_time, decision)
    for (overflow, central), table in EXPECTED.items()
    for queue_time, decision in table.items()
]


@pytest.mark.parametrize(
    ("overflow", "central", "queue_time", "expected"),
    BOUNDARY_ROWS,
    ids=[f"{overflow}-{central}-t{queue_time}" for overflow, central, queue_time, _ in BOUNDARY_ROWS],
)
def test_wait_url_boundaries(
    make_config: Callable[..., HelpdeskConfig],
    overflow: str,
    central: str,
    queue_time: int,
    expected: WaitDecision,
) -> None:
    config = make_config(overflow=overflow)
    assert decide_wait(config, config.helpdesks[0], NOW[central], queue_time, TWO_AGENTS) == expected


ROWS: list[tuple[str, dict[str, Any], datetime, int, LineState, WaitDecision]] = [
    # id, changes to voorkempen, now, queue_time, line, decision
    ("no-agents-central-open-route", {}, WED_1000, 30, LineState(0, 2), LeaveQueue("no_agents")),
    (
        "no-agents-central-open-announce",
        {"overflow": "announce"},
        WED_1000,
        0,
        LineState(0, 1),
        LeaveQueue("no_agents"),
    ),
    ("no-agents-before-timeout-wins", {}, WED_1000, 200, LineState(0, 1), LeaveQueue("no_agents")),
    ("no-agents-central-closed-keeps-waiting", {}, WED_2100, 30, LineState(0, 2), HoldInQueue(None, 30, 60)),
    ("helpdesk-closed-still-served", {}, WED_1800, 60, TWO_AGENTS, HoldInQueue("wait", 60, 120)),
    ("helpdesk-closed-still-routes-at-timeout", {}, WED_1800, 180, TWO_AGENTS, LeaveQueue("wait_timeout")),
    ("helpdesk-open-central-closed", {}, SAT_0930, 185, TWO_AGENTS, HoldInQueue(None, 185, 240)),
    ("central-closed-long-wait", {}, WED_2100, 240, TWO_AGENTS, HoldInQueue("wait", 240, 300)),
    (
        "announce-keeps-repeating",
        {"overflow": "announce"},
        WED_1000,
        302,
        TWO_AGENTS,
        HoldInQueue("overflow_wait", 302, 360),
    ),
    (
        "announce-between-messages",
        {"overflow": "announce"},
        WED_1000,
        200,
        TWO_AGENTS,
        HoldInQueue(None, 200, 240),
    ),
    (
        "route-overflow-off-boundary-last-document-ends-at-overflow",
        {"queue": {"overflow_after": 150}},
        WED_1000,
        120,
        TWO_AGENTS,
        HoldInQueue("wait", 120, 150),
    ),
    (
        "route-overflow-off-boundary-just-before",
        {"queue": {"overflow_after": 150}},
        WED_1000,
        149,
        TWO_AGENTS,
        HoldInQueue(None, 149, 150),
    ),
    (
        "route-overflow-off-boundary-reached",
        {"queue": {"overflow_after": 150}},
        WED_1000,
        150,
        TWO_AGENTS,
        LeaveQueue("wait_timeout"),
    ),
    (
        "route-overflow-off-boundary-central-closed",
        {"queue": {"overflow_after": 150}},
        WED_2100,
        120,
        TWO_AGENTS,
        HoldInQueue("wait", 120, 180),
    ),
    (
        "announce-overflow-off-boundary-waits-for-next-boundary",
        {"overflow": "announce", "queue": {"overflow_after": 150}},
        WED_1000,
        150,
        TWO_AGENTS,
        HoldInQueue(None, 150, 180),
    ),
    (
        "announce-overflow-off-boundary-next-boundary",
        {"overflow": "announce", "queue": {"overflow_after": 150}},
        WED_1000,
        181,
        TWO_AGENTS,
        HoldInQueue("overflow_wait", 181, 240),
    ),
    (
        "every-45-seconds",
        {"queue": {"announce_every": 45}},
        WED_1000,
        137,
        TWO_AGENTS,
        HoldInQueue("wait", 137, 180),
    ),
    (
        "every-45-seconds-overflow-at-180",
        {"queue": {"announce_every": 45}},
        WED_1000,
        180,
        TWO_AGENTS,
        LeaveQueue("wait_timeout"),
    ),
    (
        "every-45-seconds-announce",
        {"overflow": "announce", "queue": {"announce_every": 45, "overflow_after": 100}},
        WED_1000,
        90,
        TWO_AGENTS,
        HoldInQueue("wait", 90, 135),
    ),
    (
        "every-45-seconds-announce-after-overflow",
        {"overflow": "announce", "queue": {"announce_every": 45, "overflow_after": 100}},
        WED_1000,
        139,
        TWO_AGENTS,
        HoldInQueue("overflow_wait", 139, 180),
    ),
]


@pytest.mark.parametrize(
    ("changes", "now", "queue_time", "line", "expected"),
    [row[1:] for row in ROWS],
    ids=[row[0] for row in ROWS],
)
def test_decide_wait(
    make_config: Callable[..., HelpdeskConfig],
    changes: dict[str, Any],
    now: datetime,
    queue_time: int,
    line: LineState,
    expected: WaitDecision,
) -> None:
    config = make_config(**changes)
    assert decide_wait(config, config.helpdesks[0], now, queue_time, line) == expected


def test_negative_queue_time_is_refused(make_config: Callable[..., HelpdeskConfig]) -> None:
    config = make_config()
    with pytest.raises(ValueError, match="queue_time must not be negative, got -1"):
        decide_wait(config, config.helpdesks[0], WED_1000, -1, TWO_AGENTS)
