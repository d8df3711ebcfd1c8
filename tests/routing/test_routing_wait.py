from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from config.models import HelpdeskConfig
from routing import AskQueueTime, HoldInQueue, LeaveQueue, LineState, WaitDecision, decide_wait

BRUSSELS = ZoneInfo("Europe/Brussels")
WED_1000 = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)  # helpdesk open, central open
WED_1800 = datetime(2026, 12, 2, 18, 0, tzinfo=BRUSSELS)  # helpdesk closed, central open
WED_2100 = datetime(2026, 12, 2, 21, 0, tzinfo=BRUSSELS)  # both closed
SAT_0930 = datetime(2026, 12, 5, 9, 30, tzinfo=BRUSSELS)  # helpdesk open, central closed
TWO_AGENTS = LineState(agents_logged_in=2, callers_waiting=3)

H = HoldInQueue
# Example queue: announce_every 60, overflow_after 180. Expected documents for each QueueTime and
# last announced boundary (None: Twilio's own first request, nothing announced yet). A document
# ends 2 s (LEAD) before the next boundary, and the next one pauses up to it before the message.
_BEFORE_OVERFLOW: dict[tuple[int, int | None], WaitDecision] = {
    (0, None): H("wait", 0, 58, 0),
    (3, None): H("wait", 3, 58, 0),
    (30, None): H("wait", 30, 58, 0),  # nothing announced yet: up to 30 s late it still plays
    (31, None): H(None, 31, 58, None),
    (3, 0): H(None, 3, 58, 0),  # played already: never twice
    (49, 0): H(None, 49, 58, 0),
    (50, 0): H("wait", 50, 118, 60, pause=10),  # 10 s before the boundary: pause, then the message
    (55, 0): H("wait", 55, 118, 60, pause=5),
    (58, 0): H("wait", 58, 118, 60, pause=2),  # the usual request, LEAD before the boundary
    (59, 0): H("wait", 59, 118, 60, pause=1),
    (59, 60): H(None, 59, 60, 60),  # announced ahead already: hold up to the boundary
    (60, 0): H("wait", 60, 118, 60),
    (62, 0): H("wait", 62, 118, 60),
    (68, 0): H("wait", 68, 118, 60),  # the late document of the issue: the message at once
    (68, 60): H(None, 68, 118, 60),
    (90, 0): H("wait", 90, 118, 60),
    (91, 0): H(None, 91, 118, 0),  # more than 30 s late: wait for the next boundary
}
# From 120 on, the route mode's documents end at overflow_after (180), the others at 178.
_ROUTED_AT_180: dict[tuple[int, int | None], WaitDecision] = {
    (118, 60): H("wait", 118, 180, 120, pause=2),  # the last document ends at overflow_after
    (119, 60): H("wait", 119, 180, 120, pause=1),
    (120, 60): H("wait", 120, 180, 120),
    (130, 60): H("wait", 130, 180, 120),
    (130, 120): H(None, 130, 180, 120),
}
_NOT_ROUTED: dict[tuple[int, int | None], WaitDecision] = {
    (118, 60): H("wait", 118, 178, 120, pause=2),
    (119, 60): H("wait", 119, 178, 120, pause=1),
    (120, 60): H("wait", 120, 178, 120),
    (130, 60): H("wait", 130, 178, 120),
    (130, 120): H(None, 130, 178, 120),
}
EXPECTED: dict[tuple[str, str], dict[tuple[int, int | None], WaitDecision]] = {
    ("route", "central-open"): {
        **_BEFORE_OVERFLOW,
        **_ROUTED_AT_180,
        (176, 120): H(None, 176, 180, 120),  # routed at 180: no message ahead of it
        (179, 120): H(None, 179, 180, 120),
        (180, 120): LeaveQueue("wait_timeout"),
        (181, None): LeaveQueue("wait_timeout"),
    },
    ("route", "central-closed"): {
        **_BEFORE_OVERFLOW,
        **_NOT_ROUTED,
        (176, 120): H("wait", 176, 238, 180, pause=4),
        (180, 120): H("wait", 180, 238, 180),
        (181, 120): H("wait", 181, 238, 180),
    },
    ("announce", "central-open"): {
        **_BEFORE_OVERFLOW,
        **_NOT_ROUTED,
        (178, 120): H("overflow_wait", 178, 238, 180, pause=2),
        (180, 120): H("overflow_wait", 180, 238, 180),
        (185, 120): H("overflow_wait", 185, 238, 180),
        (185, 180): H(None, 185, 238, 180),
    },
    ("announce", "central-closed"): {
        **_BEFORE_OVERFLOW,
        **_NOT_ROUTED,
        (178, 120): H("wait", 178, 238, 180, pause=2),
        (180, 120): H("wait", 180, 238, 180),
        (181, 120): H("wait", 181, 238, 180),
    },
}
NOW = {"central-open": WED_1000, "central-closed": WED_2100}
BOUNDARY_ROWS = [
    (overflow, central, queue_time, announced, decision)
    for (overflow, central), table in EXPECTED.items()
    for (queue_time, announced), decision in table.items()
]


@pytest.mark.parametrize(
    ("overflow", "central", "queue_time", "announced", "expected"),
    BOUNDARY_ROWS,
    ids=[
        f"{overflow}-{central}-t{queue_time}-announced-{announced}"
        for overflow, central, queue_time, announced, _ in BOUNDARY_ROWS
    ],
)
def test_wait_url_boundaries(
    make_config: Callable[..., HelpdeskConfig],
    overflow: str,
    central: str,
    queue_time: int,
    announced: int | None,
    expected: WaitDecision,
) -> None:
    config = make_config(overflow=overflow)
    desk = config.helpdesks[0]
    assert decide_wait(config, desk, NOW[central], queue_time, TWO_AGENTS, announced) == expected


ROWS: list[tuple[str, dict[str, Any], datetime, int | None, int | None, LineState, WaitDecision]] = [
    # id, changes to voorkempen, now, queue_time, announced, line, decision
    ("no-agents-central-open-route", {}, WED_1000, 30, 0, LineState(0, 2), LeaveQueue("no_agents")),
    (
        "no-agents-central-open-announce",
        {"overflow": "announce"},
        WED_1000,
        0,
        None,
        LineState(0, 1),
        LeaveQueue("no_agents"),
    ),
    ("no-agents-before-timeout-wins", {}, WED_1000, 200, 180, LineState(0, 1), LeaveQueue("no_agents")),
    (
        "no-agents-central-closed-keeps-waiting",
        {},
        WED_2100,
        30,
        0,
        LineState(0, 2),
        H(None, 30, 58, 0),
    ),
    ("helpdesk-closed-still-served", {}, WED_1800, 60, 0, TWO_AGENTS, H("wait", 60, 118, 60)),
    (
        "helpdesk-closed-still-routes-at-timeout",
        {},
        WED_1800,
        180,
        120,
        TWO_AGENTS,
        LeaveQueue("wait_timeout"),
    ),
    ("helpdesk-open-central-closed", {}, SAT_0930, 185, 180, TWO_AGENTS, H(None, 185, 238, 180)),
    ("central-closed-long-wait", {}, WED_2100, 240, 180, TWO_AGENTS, H("wait", 240, 298, 240)),
    (
        "announce-keeps-repeating",
        {"overflow": "announce"},
        WED_1000,
        302,
        240,
        TWO_AGENTS,
        H("overflow_wait", 302, 358, 300),
    ),
    (
        "announce-between-messages",
        {"overflow": "announce"},
        WED_1000,
        200,
        180,
        TWO_AGENTS,
        H(None, 200, 238, 180),
    ),
    (
        "route-overflow-off-boundary-last-document-ends-at-overflow",
        {"queue": {"overflow_after": 150}},
        WED_1000,
        120,
        60,
        TWO_AGENTS,
        H("wait", 120, 150, 120),
    ),
    (
        "route-overflow-off-boundary-just-before",
        {"queue": {"overflow_after": 150}},
        WED_1000,
        149,
        120,
        TWO_AGENTS,
        H(None, 149, 150, 120),
    ),
    (
        "route-overflow-off-boundary-reached",
        {"queue": {"overflow_after": 150}},
        WED_1000,
        150,
        120,
        TWO_AGENTS,
        LeaveQueue("wait_timeout"),
    ),
    (
        "route-overflow-off-boundary-central-closed",
        {"queue": {"overflow_after": 150}},
        WED_2100,
        120,
        60,
        TWO_AGENTS,
        H("wait", 120, 178, 120),
    ),
    (
        "announce-overflow-off-boundary-waits-for-next-boundary",
        {"overflow": "announce", "queue": {"overflow_after": 150}},
        WED_1000,
        150,
        120,
        TWO_AGENTS,
        H(None, 150, 178, 120),
    ),
    (
        "announce-overflow-off-boundary-next-boundary",
        {"overflow": "announce", "queue": {"overflow_after": 150}},
        WED_1000,
        181,
        120,
        TWO_AGENTS,
        H("overflow_wait", 181, 238, 180),
    ),
    (
        "every-45-seconds",
        {"queue": {"announce_every": 45}},
        WED_1000,
        137,
        90,
        TWO_AGENTS,
        H("wait", 137, 180, 135),
    ),
    (
        "every-45-seconds-late-document-still-announces",
        {"queue": {"announce_every": 45}},
        WED_1000,
        100,
        45,
        TWO_AGENTS,
        H("wait", 100, 133, 90),
    ),
    (
        "every-45-seconds-overflow-at-180",
        {"queue": {"announce_every": 45}},
        WED_1000,
        180,
        135,
        TWO_AGENTS,
        LeaveQueue("wait_timeout"),
    ),
    (
        "every-45-seconds-announce",
        {"overflow": "announce", "queue": {"announce_every": 45, "overflow_after": 100}},
        WED_1000,
        90,
        45,
        TWO_AGENTS,
        H("wait", 90, 133, 90),
    ),
    (
        "every-45-seconds-announce-after-overflow",
        {"overflow": "announce", "queue": {"announce_every": 45, "overflow_after": 100}},
        WED_1000,
        139,
        90,
        TWO_AGENTS,
        H("overflow_wait", 139, 178, 135),
    ),
    (
        "announced-ahead-holds-up-to-the-boundary",
        {},
        WED_1000,
        58,
        60,
        TWO_AGENTS,
        H(None, 58, 60, 60),
    ),
    ("redirect-without-queue-time", {}, WED_1000, None, 60, TWO_AGENTS, AskQueueTime()),
    (
        "redirect-without-queue-time-no-agents",
        {},
        WED_1000,
        None,
        60,
        LineState(0, 1),
        LeaveQueue("no_agents"),
    ),
    (
        "every-20-seconds-late-limit-is-half-an-interval",
        {"queue": {"announce_every": 20}},
        WED_1000,
        51,
        20,
        TWO_AGENTS,
        H(None, 51, 58, 20),
    ),
    (
        "every-20-seconds-late-within-half-an-interval",
        {"queue": {"announce_every": 20}},
        WED_1000,
        50,
        20,
        TWO_AGENTS,
        H("wait", 50, 58, 40),
    ),
]


@pytest.mark.parametrize(
    ("changes", "now", "queue_time", "announced", "line", "expected"),
    [row[1:] for row in ROWS],
    ids=[row[0] for row in ROWS],
)
def test_decide_wait(
    make_config: Callable[..., HelpdeskConfig],
    changes: dict[str, Any],
    now: datetime,
    queue_time: int | None,
    announced: int | None,
    line: LineState,
    expected: WaitDecision,
) -> None:
    config = make_config(**changes)
    assert decide_wait(config, config.helpdesks[0], now, queue_time, line, announced) == expected


def test_negative_queue_time_is_refused(make_config: Callable[..., HelpdeskConfig]) -> None:
    config = make_config()
    with pytest.raises(ValueError, match="queue_time must not be negative, got -1"):
        decide_wait(config, config.helpdesks[0], WED_1000, -1, TWO_AGENTS)
