"""Where a waiting caller stands: the place in the queue and the estimated wait (queue.announce_*)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from routing import (
    NO_HISTORY,
    HoldInQueue,
    LineState,
    Standing,
    WaitHistory,
    decide_standing,
    decide_wait,
    estimate_wait_minutes,
)
from routing.standing import DEFAULT_HANDLE_S, MIN_RECENT_ANSWERED
from tests.routing.conftest import MakeConfig

BRUSSELS = ZoneInfo("Europe/Brussels")
WED_1000 = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)
TWO_AGENTS = LineState(agents_logged_in=2, callers_waiting=3)
BOTH = {"announce_position": True, "announce_wait": True}


def _history(answered: int = 0, wait: float | None = None, talk: float | None = None) -> WaitHistory:
    return WaitHistory(answered=answered, mean_wait_s=wait, mean_talk_s=talk)


ESTIMATES: list[tuple[str, int, int, int, WaitHistory, int | None]] = [
    # id, position, queue_time, agents, history, minutes
    ("no-agent-no-estimate", 1, 0, 0, _history(5, 240.0, 300.0), None),
    ("no-agent-even-without-data", 3, 0, 0, NO_HISTORY, None),
    ("negative-agents-no-estimate", 1, 0, -1, NO_HISTORY, None),
    ("recent-waits-mean", 2, 0, 2, _history(5, 200.0, 300.0), 4),  # 200 s -> 4 min
    ("recent-waits-less-own-wait", 2, 90, 2, _history(5, 200.0, 300.0), 2),  # 110 s -> 2 min
    ("recent-waits-whole-minutes", 1, 0, 1, _history(3, 180.0), 3),  # exactly 3 min stays 3
    ("recent-waits-just-over", 1, 0, 1, _history(3, 180.5), 4),  # rounded up
    ("under-a-minute-is-one", 1, 0, 3, _history(4, 20.0), 1),
    ("half-a-second-left-is-one", 1, 59, 3, _history(4, 59.5), 1),
    # The caller waited longer than the recent mean: agents x handle time takes over.
    ("waited-past-the-mean", 3, 250, 2, _history(5, 200.0, 120.0), 3),  # 3 x 120 / 2 = 180 s
    ("waited-exactly-the-mean", 1, 200, 2, _history(5, 200.0, 120.0), 1),  # 1 x 120 / 2 = 60 s
    # Too few recent answers: no recent data.
    ("too-few-answered", 4, 0, 2, _history(MIN_RECENT_ANSWERED - 1, 30.0, 150.0), 5),  # 4 x 150 / 2
    ("no-recent-data-talk-known", 6, 0, 3, _history(0, None, 240.0), 8),  # 6 x 240 / 3 = 480 s
    ("no-data-at-all-default-handle", 2, 0, 1, NO_HISTORY, 2 * DEFAULT_HANDLE_S // 60),  # 10 min
    ("no-data-many-agents", 1, 0, 10, NO_HISTORY, 1),  # 300 / 10 = 30 s -> 1 min
    ("no-data-position-twelve", 12, 0, 4, NO_HISTORY, 15),  # 12 x 300 / 4 = 900 s
    ("zero-talk-time-is-unknown", 1, 0, 1, _history(0, None, 0.0), DEFAULT_HANDLE_S // 60),
    ("answers-but-no-known-wait", 2, 0, 2, _history(4, None, 180.0), 3),  # 2 x 180 / 2
]


@pytest.mark.parametrize(
    ("position", "queue_time", "agents", "history", "expected"),
    [row[1:] for row in ESTIMATES],
    ids=[row[0] for row in ESTIMATES],
)
def test_estimate_wait_minutes(
    position: int, queue_time: int, agents: int, history: WaitHistory, expected: int | None
) -> None:
    assert estimate_wait_minutes(position, queue_time, agents, history) == expected


def test_estimate_is_never_under_a_minute() -> None:
    minutes = {
        estimate_wait_minutes(position, queue_time, agents, history)
        for position in range(1, 13)
        for queue_time in (0, 30, 59, 60, 200, 600)
        for agents in (1, 2, 5, 50)
        for history in (NO_HISTORY, _history(5, 1.0, 1.0), _history(5, 61.0, 10.0), _history(0, None, 1.0))
    }
    assert min(m for m in minutes if m is not None) == 1
    assert None not in minutes


STANDINGS: list[tuple[str, dict[str, bool], int | None, WaitHistory | None, Standing | None]] = [
    # id, queue settings, QueuePosition, history, standing
    ("off-by-default", {}, 3, NO_HISTORY, None),
    ("position-only", {"announce_position": True}, 3, _history(5, 200.0), Standing(3)),
    ("position-and-wait", BOTH, 3, _history(5, 200.0), Standing(3, 4)),
    ("no-queue-position-nothing", BOTH, None, _history(5, 200.0), None),
    ("position-zero-nothing", BOTH, 0, _history(5, 200.0), None),
    ("history-unknown-place-only", BOTH, 2, None, Standing(2)),
    ("no-data-formula", BOTH, 2, NO_HISTORY, Standing(2, 5)),  # 2 x 300 / 2 agents
]


@pytest.mark.parametrize(
    ("settings", "position", "history", "expected"),
    [row[1:] for row in STANDINGS],
    ids=[row[0] for row in STANDINGS],
)
def test_decide_standing(
    make_config: MakeConfig,
    settings: dict[str, bool],
    position: int | None,
    history: WaitHistory | None,
    expected: Standing | None,
) -> None:
    queue = make_config(queue=settings).helpdesks[0].queue
    assert decide_standing(queue, position, 0, TWO_AGENTS.agents_logged_in, history) == expected


def test_standing_without_agents_says_the_place_only(make_config: MakeConfig) -> None:
    queue = make_config(queue=BOTH).helpdesks[0].queue
    assert decide_standing(queue, 1, 0, 0, NO_HISTORY) == Standing(1)


@pytest.mark.parametrize(
    ("queue_time", "announced", "expected"),
    [
        (0, None, HoldInQueue("wait", 0, 58, 0, standing=Standing(3, 4))),
        (
            58,
            0,
            HoldInQueue("wait", 58, 118, 60, pause=2, standing=Standing(3, 3)),
        ),  # said at 60 s: 200 - 60 s
        (31, None, HoldInQueue(None, 31, 58, None)),  # no message, nothing said before it
        (3, 0, HoldInQueue(None, 3, 58, 0)),
    ],
    ids=["first-message", "next-boundary", "no-message-late", "no-message-played"],
)
def test_decide_wait_puts_the_standing_before_a_message_only(
    make_config: MakeConfig, queue_time: int, announced: int | None, expected: HoldInQueue
) -> None:
    config = make_config(queue=BOTH)
    desk = config.helpdesks[0]
    history = _history(5, 200.0, 300.0)
    decision = decide_wait(
        config, desk, WED_1000, queue_time, TWO_AGENTS, announced, position=3, history=history
    )
    assert decision == expected


def test_decide_wait_without_the_option_ignores_the_position(make_config: MakeConfig) -> None:
    config = make_config()
    desk = config.helpdesks[0]
    decision = decide_wait(
        config, desk, WED_1000, 0, TWO_AGENTS, None, position=3, history=_history(5, 200.0)
    )
    assert decision == HoldInQueue("wait", 0, 58, 0)


def test_overflow_message_is_preceded_too(make_config: MakeConfig) -> None:
    config = make_config(overflow="announce", queue={"announce_position": True})
    desk = config.helpdesks[0]
    decision = decide_wait(config, desk, WED_1000, 180, TWO_AGENTS, 120, position=7)
    assert decision == HoldInQueue("overflow_wait", 180, 238, 180, standing=Standing(7))
