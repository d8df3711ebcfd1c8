"""Agents on SQLite and PostgreSQL: creating, logging in, PIN reset, disabling, removing, live state."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from agents import (
    Agent,
    AgentDataError,
    AgentRecord,
    AgentState,
    DuplicateAgentError,
    Presence,
    PresenceStatus,
    UnknownAgentError,
    agent_states,
    create_agent,
    find_agent,
    list_agents,
    presence,
    remove_agent,
    reset_pin,
    set_enabled,
    set_presence,
    verify_login,
)
from agents.accounts import _queue_entries
from calls import QueueEntry
from database import Base

T0 = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)
DAY_START = dt.datetime(2026, 12, 1, 23, 0, tzinfo=dt.UTC)  # midnight in Brussels
CALL = "CA" + "1" * 32


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_a_new_agent_is_enabled_and_found_by_code(session: Session) -> None:
    created = create_agent(session, "voorkempen", "101", "  An Peeters ", "482913", T0)

    expected = Agent("voorkempen", "101", "An Peeters", True, T0)
    assert created == expected
    assert find_agent(session, "voorkempen", "101") == expected
    assert find_agent(session, "kempen-zuid", "101") is None


def test_the_pin_is_stored_only_as_a_salted_hash(session: Session) -> None:
    create_agent(session, "voorkempen", "101", "An", "482913", T0)
    create_agent(session, "voorkempen", "102", "Bart", "482913", T0)

    hashes = session.scalars(select(AgentRecord.pin_hash).order_by(AgentRecord.code)).all()

    assert len(hashes) == 2
    assert hashes[0] != hashes[1]
    assert all(stored.startswith("scrypt$16384$8$1$") and "482913" not in stored for stored in hashes)


def test_a_code_is_unique_per_helpdesk_only(session: Session) -> None:
    create_agent(session, "voorkempen", "101", "An", "482913", T0)
    create_agent(session, "kempen-zuid", "101", "Bart", "551177", T0)

    with pytest.raises(DuplicateAgentError, match="helpdesk voorkempen already has an agent with code 101"):
        create_agent(session, "voorkempen", "101", "Chris", "662288", T0)
    assert [(agent.helpdesk_id, agent.name) for agent in list_agents(session)] == [
        ("kempen-zuid", "Bart"),
        ("voorkempen", "An"),
    ]


@pytest.mark.parametrize(
    ("code", "name", "pin", "message"),
    [
        ("10", "An", "482913", "the agent code must be 3 to 8 digits"),
        ("123456789", "An", "482913", "the agent code must be 3 to 8 digits"),
        ("10a", "An", "482913", "the agent code must be 3 to 8 digits"),
        ("101", "   ", "482913", "the name must be 1 to 80 printable characters"),
        ("101", "A" * 81, "482913", "the name must be 1 to 80 printable characters"),
        ("101", "An\nPeeters", "482913", "the name must be 1 to 80 printable characters"),
        ("101", "An", "123", "the PIN must be 4 to 8 digits"),
        ("101", "An", "123456789", "the PIN must be 4 to 8 digits"),
        ("101", "An", "12 34", "the PIN must be 4 to 8 digits"),
    ],
    ids=[
        "code-too-short",
        "code-too-long",
        "code-not-digits",
        "name-blank",
        "name-too-long",
        "name-control-character",
        "pin-too-short",
        "pin-too-long",
        "pin-not-digits",
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    session: Session, code: str, name: str, pin: str, message: str
) -> None:
    with pytest.raises(AgentDataError, match=f"^{message}$"):
        create_agent(session, "voorkempen", code, name, pin, T0)
    assert list_agents(session) == []


def test_a_name_of_80_characters_is_accepted(session: Session) -> None:
    assert create_agent(session, "voorkempen", "101", "é" * 80, "482913", T0).name == "é" * 80


def test_login_with_the_right_pin(session: Session) -> None:
    create_agent(session, "voorkempen", "101", "An", "482913", T0)

    assert verify_login(session, "voorkempen", "101", "482913") == Agent("voorkempen", "101", "An", True, T0)


@pytest.mark.parametrize(
    ("helpdesk", "code", "pin"),
    [
        ("voorkempen", "101", "482914"),
        ("voorkempen", "101", ""),
        ("voorkempen", "102", "482913"),
        ("kempen-zuid", "101", "482913"),
    ],
    ids=["wrong-pin", "no-pin", "unknown-code", "other-helpdesk"],
)
def test_login_fails(session: Session, helpdesk: str, code: str, pin: str) -> None:
    create_agent(session, "voorkempen", "101", "An", "482913", T0)

    assert verify_login(session, helpdesk, code, pin) is None


def test_a_disabled_agent_cannot_log_in_even_with_the_right_pin(session: Session) -> None:
    create_agent(session, "voorkempen", "101", "An", "482913", T0)

    assert set_enabled(session, "voorkempen", "101", False, at(1)) == Agent(
        "voorkempen", "101", "An", False, T0
    )
    assert verify_login(session, "voorkempen", "101", "482913") is None
    set_enabled(session, "voorkempen", "101", True, at(2))
    assert verify_login(session, "voorkempen", "101", "482913") == Agent("voorkempen", "101", "An", True, T0)


@pytest.mark.parametrize(
    ("code", "pin", "enabled"),
    [("101", "482913", True), ("101", "000000", True), ("999", "482913", True), ("101", "482913", False)],
    ids=["right-pin", "wrong-pin", "unknown-code", "disabled"],
)
def test_every_login_attempt_computes_exactly_one_hash(
    session: Session, monkeypatch: pytest.MonkeyPatch, code: str, pin: str, enabled: bool
) -> None:
    create_agent(session, "voorkempen", "101", "An", "482913", T0)
    set_enabled(session, "voorkempen", "101", enabled, T0)
    verify_login(session, "voorkempen", "999", "0000")  # the dummy hash is made once, not per attempt
    calls: list[bytes] = []
    real = hashlib.scrypt

    def counting(password: bytes, **kwargs: int | bytes) -> bytes:
        calls.append(password)
        return real(password, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(hashlib, "scrypt", counting)

    verify_login(session, "voorkempen", code, pin)

    assert calls == [pin.encode()]


def test_a_reset_pin_replaces_the_old_one(session: Session) -> None:
    create_agent(session, "voorkempen", "101", "An", "482913", T0)

    reset_pin(session, "voorkempen", "101", "7351")

    assert verify_login(session, "voorkempen", "101", "482913") is None
    assert verify_login(session, "voorkempen", "101", "7351") == Agent("voorkempen", "101", "An", True, T0)


def test_a_reset_pin_must_have_the_pin_format(session: Session) -> None:
    create_agent(session, "voorkempen", "101", "An", "482913", T0)

    with pytest.raises(AgentDataError, match=r"^the PIN must be 4 to 8 digits$"):
        reset_pin(session, "voorkempen", "101", "12")
    assert verify_login(session, "voorkempen", "101", "482913") == Agent("voorkempen", "101", "An", True, T0)


@pytest.mark.parametrize(
    "change",
    [
        lambda session: reset_pin(session, "voorkempen", "102", "7351"),
        lambda session: set_enabled(session, "voorkempen", "102", False, T0),
        lambda session: remove_agent(session, "voorkempen", "102", T0),
        lambda session: remove_agent(session, "kempen-zuid", "101", T0),
    ],
    ids=["reset-pin", "disable", "remove", "remove-other-helpdesk"],
)
def test_changing_an_unknown_agent_says_so(session: Session, change: object) -> None:
    create_agent(session, "voorkempen", "101", "An", "482913", T0)

    with pytest.raises(UnknownAgentError, match="has no agent with code"):
        change(session)  # type: ignore[operator]


def test_removing_an_agent_takes_them_offline(session: Session) -> None:
    create_agent(session, "voorkempen", "101", "An", "482913", T0)
    create_agent(session, "voorkempen", "102", "Bart", "551177", T0)
    set_presence(session, "voorkempen", "101", PresenceStatus.AVAILABLE, T0, call_sid=CALL)
    set_presence(session, "voorkempen", "102", PresenceStatus.AVAILABLE, T0)

    remove_agent(session, "voorkempen", "101", at(5))

    assert find_agent(session, "voorkempen", "101") is None
    assert presence(session, "voorkempen") == [
        Presence("101", PresenceStatus.OFFLINE, None, at(5)),
        Presence("102", PresenceStatus.AVAILABLE, None, T0),
    ]


def test_disabling_an_agent_takes_them_offline_and_enabling_does_not_log_them_in(session: Session) -> None:
    create_agent(session, "voorkempen", "101", "An", "482913", T0)
    set_presence(session, "voorkempen", "101", PresenceStatus.BREAK, T0, call_sid=CALL)

    set_enabled(session, "voorkempen", "101", False, at(5))
    set_enabled(session, "voorkempen", "101", True, at(6))

    assert presence(session, "voorkempen") == [Presence("101", PresenceStatus.OFFLINE, None, at(5))]


def test_removing_an_agent_who_never_logged_in_leaves_no_presence(session: Session) -> None:
    create_agent(session, "voorkempen", "101", "An", "482913", T0)

    remove_agent(session, "voorkempen", "101", at(5))

    assert presence(session, "voorkempen") == []


def test_list_agents_of_one_helpdesk_by_code(session: Session) -> None:
    for desk, code, name in [
        ("voorkempen", "205", "Chris"),
        ("kempen-zuid", "101", "Bart"),
        ("voorkempen", "101", "An"),
    ]:
        create_agent(session, desk, code, name, "482913", T0)

    assert [agent.code for agent in list_agents(session, "voorkempen")] == ["101", "205"]
    assert list_agents(session, "nergens") == []


def _answered(
    session: Session,
    sid: int,
    desk: str,
    by: str | None,
    answered: dt.datetime | None,
    left: dt.datetime | None,
) -> None:
    session.add(
        QueueEntry(
            call_sid=f"CA{sid:032x}",
            helpdesk_id=desk,
            enqueued_at=DAY_START - dt.timedelta(hours=2),
            left_at=left,
            result="bridged" if left else None,
            answered_by=by,
            answered_at=answered,
        )
    )
    session.flush()


def test_agent_states_join_presence_and_todays_calls(session: Session) -> None:
    create_agent(session, "voorkempen", "101", "An", "482913", T0)
    create_agent(session, "voorkempen", "102", "Bart", "551177", T0)
    create_agent(session, "voorkempen", "103", "Chris", "662288", T0)
    create_agent(session, "kempen-zuid", "101", "Dirk", "773399", T0)
    set_enabled(session, "voorkempen", "103", False, T0)
    set_presence(session, "voorkempen", "101", PresenceStatus.AVAILABLE, at(-60), call_sid=CALL)
    set_presence(session, "voorkempen", "102", PresenceStatus.BREAK, at(-5))
    # An: two calls today (one still going), one yesterday; Dirk (same code, other helpdesk): one.
    _answered(session, 1, "voorkempen", "101", at(-30), at(-25))
    _answered(session, 2, "voorkempen", "101", at(-2), None)
    _answered(session, 3, "voorkempen", "101", DAY_START - dt.timedelta(seconds=1), None)
    _answered(session, 4, "kempen-zuid", "101", at(-10), at(-8))
    _answered(session, 5, "voorkempen", None, None, None)  # still waiting
    _answered(session, 6, "voorkempen", "102", DAY_START, at(-50))  # at midnight exactly: today

    assert agent_states(session, "voorkempen", DAY_START, T0) == [
        AgentState("voorkempen", "101", "An", True, PresenceStatus.AVAILABLE, at(-60), 2, True),
        AgentState("voorkempen", "102", "Bart", True, PresenceStatus.BREAK, at(-5), 1, False),
        AgentState("voorkempen", "103", "Chris", False, PresenceStatus.OFFLINE, None, 0, False),
    ]
    assert [
        (s.helpdesk_id, s.code, s.calls_taken_today) for s in agent_states(session, None, DAY_START, T0)
    ] == [
        ("kempen-zuid", "101", 1),
        ("voorkempen", "101", 2),
        ("voorkempen", "102", 1),
        ("voorkempen", "103", 0),
    ]


def test_calls_answered_after_now_do_not_count_yet(session: Session) -> None:
    create_agent(session, "voorkempen", "101", "An", "482913", T0)
    _answered(session, 1, "voorkempen", "101", at(1), None)

    (state,) = agent_states(session, "voorkempen", DAY_START, T0)

    assert (state.calls_taken_today, state.on_call_now) == (0, False)


def test_the_live_view_reads_the_queue_columns_the_calls_domain_defines() -> None:
    # agents may not import calls (layers), so it names the columns; they must exist there.
    model = Base.metadata.tables[QueueEntry.__tablename__]
    named = {c.name: type(c.type) for c in _queue_entries.c}

    assert _queue_entries.name == model.name
    assert {name: type(model.c[name].type) for name in named} == named
