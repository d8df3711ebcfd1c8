"""Agent presence on SQLite and PostgreSQL: who counts as logged in, and repeats change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from agents import (
    AgentKey,
    AgentPresence,
    Presence,
    PresenceStatus,
    agents_logged_in,
    agents_outbound,
    agents_outbound_by_helpdesk,
    end_agent_call,
    presence,
    set_presence,
)

AVAILABLE, BREAK, OFFLINE = PresenceStatus.AVAILABLE, PresenceStatus.BREAK, PresenceStatus.OFFLINE
T0 = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)
CALL_1 = "CA" + "1" * 32
CALL_2 = "CA" + "2" * 32


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def rows(session: Session) -> int:
    return session.execute(select(func.count()).select_from(AgentPresence)).scalar_one()


def test_first_presence_is_recorded_as_given(session: Session) -> None:
    set_presence(session, "voorkempen", "An", AVAILABLE, T0, call_sid=CALL_1)

    assert presence(session, "voorkempen") == [Presence("An", AVAILABLE, CALL_1, T0)]


def test_repeating_a_status_keeps_its_since_and_takes_the_new_call(session: Session) -> None:
    set_presence(session, "voorkempen", "An", AVAILABLE, T0, call_sid=CALL_1)
    set_presence(session, "voorkempen", "An", AVAILABLE, at(5), call_sid=CALL_2)

    assert presence(session, "voorkempen") == [Presence("An", AVAILABLE, CALL_2, T0)]
    assert rows(session) == 1


def test_changing_status_restarts_since(session: Session) -> None:
    set_presence(session, "voorkempen", "An", AVAILABLE, T0, call_sid=CALL_1)
    set_presence(session, "voorkempen", "An", BREAK, at(30), call_sid=CALL_1)
    set_presence(session, "voorkempen", "An", BREAK, at(35), call_sid=CALL_1)

    assert presence(session, "voorkempen") == [Presence("An", BREAK, CALL_1, at(30))]


def test_since_is_returned_in_utc(session: Session) -> None:
    brussels = dt.timezone(dt.timedelta(hours=1))
    set_presence(session, "voorkempen", "An", AVAILABLE, dt.datetime(2026, 12, 2, 9, 0, tzinfo=brussels))

    (only,) = presence(session, "voorkempen")

    assert (only.since, only.since.tzinfo) == (T0, dt.UTC)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        pytest.param({}, 0, id="nobody"),
        pytest.param({"An": AVAILABLE}, 1, id="one-available"),
        pytest.param({"An": AVAILABLE, "Bart": AVAILABLE, "Chris": AVAILABLE}, 3, id="three-available"),
        pytest.param({"An": BREAK}, 0, id="break-does-not-count"),
        pytest.param({"An": OFFLINE}, 0, id="offline-does-not-count"),
        pytest.param({"An": AVAILABLE, "Bart": BREAK, "Chris": OFFLINE, "Dirk": AVAILABLE}, 2, id="mixed"),
    ],
)
def test_agents_logged_in_counts_available_agents_only(
    session: Session, statuses: dict[str, PresenceStatus], expected: int
) -> None:
    for agent, status in statuses.items():
        set_presence(session, "voorkempen", agent, status, T0)
    set_presence(session, "kempen-zuid", "Eva", AVAILABLE, T0)

    assert agents_logged_in(session, "voorkempen") == expected


def test_going_on_break_and_back_changes_the_count(session: Session) -> None:
    set_presence(session, "voorkempen", "An", AVAILABLE, T0)
    set_presence(session, "voorkempen", "Bart", AVAILABLE, T0)
    counts = [agents_logged_in(session, "voorkempen")]
    set_presence(session, "voorkempen", "An", BREAK, at(60))
    counts.append(agents_logged_in(session, "voorkempen"))
    set_presence(session, "voorkempen", "An", AVAILABLE, at(75))
    counts.append(agents_logged_in(session, "voorkempen"))

    assert counts == [2, 1, 2]


def test_presence_lists_one_helpdesk_by_agent_name(session: Session) -> None:
    set_presence(session, "voorkempen", "Chris", OFFLINE, at(2))
    set_presence(session, "voorkempen", "An", AVAILABLE, at(1), call_sid=CALL_1)
    set_presence(session, "kempen-zuid", "Bart", AVAILABLE, T0)
    set_presence(session, "voorkempen", "Bart", BREAK, at(3))

    assert presence(session, "voorkempen") == [
        Presence("An", AVAILABLE, CALL_1, at(1)),
        Presence("Bart", BREAK, None, at(3)),
        Presence("Chris", OFFLINE, None, at(2)),
    ]
    assert presence(session, "nowhere") == []


def test_the_same_name_at_two_helpdesks_is_two_agents(session: Session) -> None:
    set_presence(session, "voorkempen", "An", AVAILABLE, T0)
    set_presence(session, "kempen-zuid", "An", BREAK, T0)

    assert (agents_logged_in(session, "voorkempen"), agents_logged_in(session, "kempen-zuid")) == (1, 0)
    assert rows(session) == 2


def test_end_of_the_agents_call_logs_them_out(session: Session) -> None:
    set_presence(session, "voorkempen", "An", AVAILABLE, T0, call_sid=CALL_1)
    set_presence(session, "voorkempen", "Bart", AVAILABLE, T0, call_sid=CALL_2)

    logged_out = end_agent_call(session, CALL_1, at(90))

    assert logged_out == [AgentKey("voorkempen", "An")]
    assert presence(session, "voorkempen") == [
        Presence("An", OFFLINE, None, at(90)),
        Presence("Bart", AVAILABLE, CALL_2, T0),
    ]


def test_end_of_an_earlier_call_does_not_log_out_an_agent_on_a_new_call(session: Session) -> None:
    set_presence(session, "voorkempen", "An", AVAILABLE, T0, call_sid=CALL_1)
    set_presence(session, "voorkempen", "An", AVAILABLE, at(10), call_sid=CALL_2)

    logged_out = end_agent_call(session, CALL_1, at(11))

    assert logged_out == []
    assert agents_logged_in(session, "voorkempen") == 1


def test_repeated_end_of_call_logs_out_once(session: Session) -> None:
    set_presence(session, "voorkempen", "An", BREAK, T0, call_sid=CALL_1)

    first = end_agent_call(session, CALL_1, at(20))
    again = end_agent_call(session, CALL_1, at(21))

    assert (first, again) == ([AgentKey("voorkempen", "An")], [])
    assert presence(session, "voorkempen") == [Presence("An", OFFLINE, None, at(20))]


def test_naive_time_is_refused(session: Session) -> None:
    with pytest.raises(StatementError, match=r"naive datetime .* refused"):
        set_presence(session, "voorkempen", "An", AVAILABLE, dt.datetime(2026, 12, 2, 9, 0))  # noqa: DTZ001


def test_the_database_refuses_an_unknown_status(session: Session) -> None:
    with pytest.raises(IntegrityError, match=r"ck_agent_presence_presence_status"):
        session.execute(
            text(
                "INSERT INTO agent_presence (helpdesk_id, agent, status, since) "
                "VALUES ('voorkempen', 'An', 'lunch', '2026-12-02 08:00:00')"
            )
        )


def test_agents_outbound_of_every_helpdesk_at_once_equal_each_ones_own(session: Session) -> None:
    outbound = PresenceStatus.OUTBOUND
    for helpdesk, agent, status in (
        ("voorkempen", "An", outbound),
        ("voorkempen", "Bart", outbound),
        ("voorkempen", "Chris", AVAILABLE),
        ("kempen-zuid", "Dirk", outbound),
        ("kempen-zuid", "Eva", BREAK),
        ("elders", "Fien", OFFLINE),
    ):
        set_presence(session, helpdesk, agent, status, T0)

    together = agents_outbound_by_helpdesk(session)

    assert together == {"voorkempen": 2, "kempen-zuid": 1}
    assert {helpdesk: agents_outbound(session, helpdesk) for helpdesk in together} == together
    assert agents_outbound(session, "elders") == 0
