"""Reading a helpdesk's history from the call log, on SQLite and PostgreSQL: calls per local date
and real hour (the 25th hour of the day summer time ends too), the queue's figures and the
invitation batches of the period asked."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from calllog import set_invitations
from planning.history import HOURS_PER_DAY, DayTally, History, read_history
from tests.calllog.conftest import abandoned, answered, local, overflowed, play, sid

MONDAY = dt.date(2026, 10, 26)
# Summer time ends: 25 real hours, 02:00-03:00 twice.
SWITCH = dt.date(2026, 10, 25)


def _hours(**counts: int) -> tuple[int, ...]:
    by_hour = [0] * HOURS_PER_DAY
    for name, count in counts.items():
        by_hour[int(name.removeprefix("h"))] = count
    return tuple(by_hour)


def _history(session: Session) -> History:
    play(session, sid(1), "voorkempen", local("2026-10-26 10:05:00"), answered(20, 100))
    play(session, sid(2), "voorkempen", local("2026-10-26 10:40:00"), answered(30, None))  # talking still
    play(session, sid(3), "voorkempen", local("2026-10-26 10:50:00"), abandoned(15))
    play(session, sid(4), "voorkempen", local("2026-10-26 11:10:00"), overflowed("wait_timeout", 180))
    play(session, sid(5), "voorkempen", local("2026-10-26 18:00:00"), overflowed("closed"), open_=False)
    play(session, sid(6), "voorkempen", local("2026-10-25T02:30:00+02:00"), abandoned(3))
    play(session, sid(7), "voorkempen", local("2026-10-25T02:30:00+01:00"), answered(5, 60))
    play(session, sid(8), "voorkempen", local("2026-10-25T23:30:00+01:00"), answered(5, 60))
    play(session, sid(9), "kempen-zuid", local("2026-10-26 10:00:00"), answered(5, 60))
    play(session, sid(10), "voorkempen", local("2026-10-24 10:00:00"), answered(5, 60))  # before the period
    set_invitations(session, "voorkempen", dt.date(2026, 10, 1), 900)
    set_invitations(session, "voorkempen", dt.date(2026, 11, 2), 1200)  # planned
    set_invitations(session, "voorkempen", dt.date(2026, 12, 1), 800)  # after the batches asked for
    set_invitations(session, "kempen-zuid", dt.date(2026, 10, 26), 500)
    return read_history(session, "voorkempen", SWITCH, MONDAY, dt.date(2026, 9, 24), dt.date(2026, 11, 30))


def test_calls_are_tallied_per_date_and_real_hour(session: Session) -> None:
    history = _history(session)

    assert history.days == {
        SWITCH: DayTally(
            SWITCH, _hours(h2=1, h3=1, h24=1), talk_s=120, talks=2, queue_wait_s=13, queued=3, abandoned=1
        ),
        MONDAY: DayTally(
            MONDAY, _hours(h10=3, h11=1, h18=1), talk_s=100, talks=1, queue_wait_s=245, queued=4, abandoned=1
        ),
    }
    assert (history.days[MONDAY].offered, history.days[SWITCH].offered) == (5, 3)


def test_the_batches_of_the_dates_asked_for_sent_and_planned(session: Session) -> None:
    assert _history(session).invitations == {dt.date(2026, 10, 1): 900, dt.date(2026, 11, 2): 1200}


def test_a_window_keeps_the_calls_of_its_dates_and_every_batch(session: Session) -> None:
    history = _history(session)
    earlier = history.window(dt.date(2026, 10, 1), SWITCH)

    assert (earlier.first, earlier.last, list(earlier.days)) == (dt.date(2026, 10, 1), SWITCH, [SWITCH])
    assert (earlier.tally(MONDAY), earlier.invitations) == (None, history.invitations)
