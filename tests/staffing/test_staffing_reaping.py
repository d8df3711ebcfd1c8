"""Which calls the reaper asks Twilio about: agents' calls still logged in, long-waiting callers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from agents import PresenceStatus, set_presence
from calls import enter_queue, leave_queue
from staffing import agent_call_sids, stale_queue_call_sids

T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def sid(number: int) -> str:
    return f"CA{number:032x}"


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_agent_calls_of_agents_not_offline_longest_first(session: Session) -> None:
    set_presence(session, "voorkempen", "An", PresenceStatus.AVAILABLE, at(5), call_sid=sid(1))
    set_presence(session, "voorkempen", "Bart", PresenceStatus.BREAK, at(1), call_sid=sid(2))
    set_presence(session, "kempen-zuid", "Chris", PresenceStatus.AVAILABLE, at(3), call_sid=sid(3))
    set_presence(session, "voorkempen", "Dirk", PresenceStatus.OFFLINE, T0, call_sid=sid(4))
    set_presence(session, "voorkempen", "Eva", PresenceStatus.AVAILABLE, T0)

    assert agent_call_sids(session, limit=10) == [sid(2), sid(3), sid(1)]
    assert agent_call_sids(session, limit=2) == [sid(2), sid(3)]


def test_stale_queue_calls_entered_before_the_cut_and_not_left(session: Session) -> None:
    enter_queue(session, sid(1), "voorkempen", at(2))
    enter_queue(session, sid(2), "kempen-zuid", T0)
    enter_queue(session, sid(3), "voorkempen", at(1))
    leave_queue(session, sid(3), at(4), "hangup")
    enter_queue(session, sid(4), "voorkempen", at(10))

    assert stale_queue_call_sids(session, at(10), limit=10) == [sid(2), sid(1)]
    assert stale_queue_call_sids(session, at(10), limit=1) == [sid(2)]
    assert stale_queue_call_sids(session, T0, limit=10) == []
