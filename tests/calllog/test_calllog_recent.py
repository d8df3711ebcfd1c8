"""A helpdesk's recent answered calls, for a waiting caller's estimated wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from calllog import wait_history
from routing import WaitHistory
from tests.calllog.conftest import abandoned, answered, local, play, sid

NOW = local("2026-12-02 11:00:00")
DESK = "voorkempen"


def test_no_calls_no_history(session: Session) -> None:
    assert wait_history(session, DESK, NOW) == WaitHistory(answered=0, mean_wait_s=None, mean_talk_s=None)


def test_recent_answered_waits_and_talk_times(session: Session) -> None:
    calls = [
        # minutes before NOW, helpdesk, events
        (5, DESK, answered(60, 200)),
        (10, DESK, answered(120, 400)),
        (20, DESK, answered(30, None)),  # still talking: its wait counts, no talk time yet
        (25, DESK, abandoned(300)),  # not answered: its wait does not count
        (45, DESK, answered(600, 300)),  # older than 30 minutes: its talk time only
        (150, DESK, answered(900, 900)),  # older than two hours: nothing
        (5, "kempen-zuid", answered(10, 10)),  # another helpdesk
    ]
    for number, (minutes, desk, events) in enumerate(calls):
        play(session, sid(number), desk, NOW - timedelta(minutes=minutes), events)
    history = wait_history(session, DESK, NOW)
    assert (history.answered, history.mean_wait_s, history.mean_talk_s) == (3, 70.0, 300.0)


def test_naive_time_refused(session: Session) -> None:
    naive = datetime(2026, 12, 2, 10, 0)  # noqa: DTZ001 - the refused value itself
    with pytest.raises(ValueError, match="naive datetime"):
        wait_history(session, DESK, naive)


def test_utc_and_local_agree(session: Session) -> None:
    play(session, sid(1), DESK, NOW - timedelta(minutes=3), answered(90, 120))
    assert wait_history(session, DESK, NOW.astimezone(UTC)) == wait_history(session, DESK, NOW)
