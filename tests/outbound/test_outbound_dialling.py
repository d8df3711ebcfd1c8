"""Calling the people of the call lists, on SQLite and PostgreSQL: who is claimed next, each call
placed and how it ended, the do-not-call register, a list filled by its last acceptance, claims
released when the agent's call ends, and no person ever claimed twice."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from database import make_engine
from database.engine import WRITE_UNIT
from outbound import (
    FILLED,
    CallList,
    CallListEntry,
    Claimed,
    Outcome,
    Recorded,
    claim_next,
    finish_attempt,
    record_outcome,
    record_screen,
    record_talk,
    release_claims,
    screened_as,
    start_attempt,
)
from tests.outbound.seed import add_list, attempts, do_not_call, entries

T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
AGENT_CALL = "CA" + "a" * 32
OTHER_CALL = "CA" + "b" * 32
PERSON_LEG = "CA" + "c" * 32
NUMBERS = ("+32470000001", "+32470000002", "+32470000003")


def at(seconds: int) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def _claim(session: Session, call_sid: str = AGENT_CALL, agent: str = "101", when: int = 0) -> Claimed | None:
    return claim_next(session, "voorkempen", agent, call_sid, at(when))


def _dial(session: Session, call_sid: str = AGENT_CALL, when: int = 0) -> tuple[Claimed, int]:
    claimed = _claim(session, call_sid, when=when)
    assert claimed is not None
    return claimed, start_attempt(session, claimed, "voorkempen", "101", call_sid, at(when))


def _list(session: Session, list_id: int) -> tuple[dt.datetime | None, str | None]:
    row = session.execute(
        select(CallList.closed_at, CallList.closed_reason).where(CallList.id == list_id)
    ).one()
    return row.closed_at, row.closed_reason


def test_the_oldest_list_first_then_list_order(session: Session) -> None:
    newer = add_list(session, "voorkempen", ["+32470000009"], at(60))
    older = add_list(session, "voorkempen", NUMBERS[:2], at(0), label="reservelijst maandag")
    first = _claim(session, "CA" + "1" * 32)
    second = _claim(session, "CA" + "2" * 32)
    third = _claim(session, "CA" + "3" * 32)

    assert first is not None
    assert second is not None
    assert third is not None
    assert [(c.list_id, c.number) for c in (first, second, third)] == [
        (older, "+32470000001"),
        (older, "+32470000002"),
        (newer, "+32470000009"),
    ]
    assert first.label == "reservelijst maandag"
    assert first.masked == "+32 4** ** ** 01"
    assert _claim(session, "CA" + "4" * 32) is None
    assert entries(session, older) == [
        ("+32470000001", "claimed", None, 0, "CA" + "1" * 32),
        ("+32470000002", "claimed", None, 0, "CA" + "2" * 32),
    ]


def test_only_pending_people_of_this_helpdesks_open_lists_with_a_number(session: Session) -> None:
    closed = add_list(session, "voorkempen", ["+32470000011"], at(0))
    session.execute(
        update(CallList).where(CallList.id == closed).values(closed_at=at(1), closed_reason="closed")
    )
    add_list(session, "kempen-zuid", ["+32470000012"], at(0))
    erased = add_list(session, "voorkempen", ["+32470000013"], at(1))
    session.execute(update(CallListEntry).where(CallListEntry.list_id == erased).values(number=None))
    blocked = add_list(session, "voorkempen", ["+32470000014"], at(2))
    claimed, attempt = _dial(session, OTHER_CALL)  # the one on the blocked list
    assert claimed.list_id == blocked
    record_talk(session, attempt, 30, PERSON_LEG, at(40))
    record_outcome(session, attempt, Outcome.DO_NOT_CALL, at(50))
    # The same number on a newer list: never called again.
    add_list(session, "voorkempen", ["+32470000014"], at(3))

    assert _claim(session) is None


def test_never_again_ends_the_numbers_turn_on_the_other_lists(session: Session) -> None:
    first = add_list(session, "voorkempen", ["+32470000021", "+32470000022"], at(0))
    later = add_list(session, "voorkempen", ["+32470000023", "+32470000021"], at(1))
    claimed, attempt = _dial(session)
    assert claimed.list_id == first
    record_talk(session, attempt, 30, PERSON_LEG, at(40))
    record_outcome(session, attempt, Outcome.DO_NOT_CALL, at(50))

    assert [(state, outcome) for _, state, outcome, _, _ in entries(session, later)] == [
        ("pending", None),
        ("done", "do_not_call"),
    ]
    # No call was placed to it on the later list: the figures count calls, not this.
    assert [a.list_id for a in attempts(session)] == [first]


def test_a_call_claiming_again_gets_the_person_it_held(session: Session) -> None:
    list_id = add_list(session, "voorkempen", NUMBERS, at(0))
    first = _claim(session)
    again = _claim(session, when=5)

    assert first is not None
    assert again is not None
    assert again.entry_id == first.entry_id
    assert [state for _, state, *_ in entries(session, list_id)] == ["claimed", "pending", "pending"]


def test_a_call_placed_counts_an_attempt(session: Session) -> None:
    list_id = add_list(session, "voorkempen", NUMBERS, at(0))
    claimed, attempt_id = _dial(session, when=3)

    (attempt,) = attempts(session)
    assert attempt.id == attempt_id
    assert (attempt.entry_id, attempt.list_id, attempt.helpdesk_id, attempt.agent) == (
        claimed.entry_id,
        list_id,
        "voorkempen",
        "101",
    )
    assert (attempt.agent_call_sid, attempt.started_at, attempt.ended_at, attempt.outcome) == (
        AGENT_CALL,
        at(3),
        None,
        None,
    )
    assert entries(session, list_id)[0] == ("+32470000001", "claimed", None, 1, AGENT_CALL)


def test_a_machine_on_the_screen_is_voicemail_at_once(session: Session) -> None:
    list_id = add_list(session, "voorkempen", NUMBERS, at(0))
    _, attempt_id = _dial(session)
    record_screen(session, attempt_id, "machine_start", PERSON_LEG, at(20), machine=True)

    (attempt,) = attempts(session)
    assert (attempt.answered_by, attempt.dial_call_sid, attempt.outcome, attempt.ended_at) == (
        "machine_start",
        PERSON_LEG,
        "voicemail",
        at(20),
    )
    assert entries(session, list_id)[0] == ("+32470000001", "done", "voicemail", 1, None)
    assert screened_as(session, attempt_id) == "machine_start"
    # The dial's action then finds it done: nothing changes.
    assert finish_attempt(session, attempt_id, Outcome.VOICEMAIL, at(21), PERSON_LEG) is False
    assert attempts(session)[0].ended_at == at(20)


def test_a_person_on_the_screen_stays_claimed(session: Session) -> None:
    list_id = add_list(session, "voorkempen", NUMBERS, at(0))
    _, attempt_id = _dial(session)
    assert screened_as(session, attempt_id) is None
    record_screen(session, attempt_id, "human", PERSON_LEG, at(12), machine=False)

    assert screened_as(session, attempt_id) == "human"
    assert (attempts(session)[0].outcome, attempts(session)[0].ended_at) == (None, None)
    assert entries(session, list_id)[0] == ("+32470000001", "claimed", None, 1, AGENT_CALL)


@pytest.mark.parametrize("outcome", [Outcome.NO_ANSWER, Outcome.BUSY, Outcome.FAILED], ids=str)
def test_an_automatic_outcome_makes_the_person_done(session: Session, outcome: Outcome) -> None:
    list_id = add_list(session, "voorkempen", NUMBERS, at(0))
    _, attempt_id = _dial(session)

    assert finish_attempt(session, attempt_id, outcome, at(45), PERSON_LEG) is True
    assert finish_attempt(session, attempt_id, outcome, at(46), PERSON_LEG) is False  # repeated
    (attempt,) = attempts(session)
    assert (attempt.outcome, attempt.ended_at, attempt.dial_call_sid, attempt.talk_s) == (
        outcome.value,
        at(45),
        PERSON_LEG,
        None,
    )
    assert entries(session, list_id)[0] == ("+32470000001", "done", outcome.value, 1, None)


@pytest.mark.parametrize(
    "outcome", [Outcome.ACCEPTED, Outcome.KEPT, Outcome.DO_NOT_CALL, Outcome.WRONG_NUMBER], ids=str
)
def test_a_keyed_outcome_is_not_automatic(session: Session, outcome: Outcome) -> None:
    add_list(session, "voorkempen", NUMBERS, at(0))
    _, attempt_id = _dial(session)
    with pytest.raises(ValueError, match=f"{outcome.value} is keyed by the agent, not automatic"):
        finish_attempt(session, attempt_id, outcome, at(1))


@pytest.mark.parametrize(
    "outcome", [Outcome.NO_ANSWER, Outcome.BUSY, Outcome.FAILED, Outcome.VOICEMAIL], ids=str
)
def test_an_automatic_outcome_is_not_keyed(session: Session, outcome: Outcome) -> None:
    add_list(session, "voorkempen", NUMBERS, at(0))
    _, attempt_id = _dial(session)
    with pytest.raises(ValueError, match=f"{outcome.value} is automatic, not keyed by the agent"):
        record_outcome(session, attempt_id, outcome, at(1))


@pytest.mark.parametrize(
    ("outcome", "registered"),
    [
        (Outcome.KEPT, False),
        (Outcome.DO_NOT_CALL, True),
        (Outcome.WRONG_NUMBER, False),
        (Outcome.ACCEPTED, False),
    ],
    ids=str,
)
def test_a_keyed_outcome_after_the_conversation(session: Session, outcome: Outcome, registered: bool) -> None:
    list_id = add_list(session, "voorkempen", NUMBERS, at(0))
    claimed, attempt_id = _dial(session)
    record_screen(session, attempt_id, "human", PERSON_LEG, at(10), machine=False)
    record_talk(session, attempt_id, 95, PERSON_LEG, at(110))

    assert record_outcome(session, attempt_id, outcome, at(118)) == Recorded(recorded=True, filled=False)
    (attempt,) = attempts(session)
    assert (attempt.outcome, attempt.talk_s, attempt.ended_at) == (outcome.value, 95, at(110))
    assert entries(session, list_id)[0] == ("+32470000001", "done", outcome.value, 1, None)
    assert do_not_call(session) == ({claimed.number_hash} if registered else set())
    assert _list(session, list_id) == (None, None)  # no slots: called until everyone had a turn
    # A repeated key changes nothing.
    assert record_outcome(session, attempt_id, Outcome.WRONG_NUMBER, at(119)) == Recorded(recorded=False)
    assert attempts(session)[0].outcome == outcome.value


def test_the_acceptance_of_the_last_slot_closes_the_list(session: Session) -> None:
    list_id = add_list(session, "voorkempen", NUMBERS, at(0), slots=2)
    _, first = _dial(session, "CA" + "1" * 32)
    _, second = _dial(session, "CA" + "2" * 32)

    assert record_outcome(session, first, Outcome.ACCEPTED, at(100)) == Recorded(recorded=True, filled=False)
    assert _list(session, list_id) == (None, None)
    assert record_outcome(session, second, Outcome.ACCEPTED, at(130)) == Recorded(recorded=True, filled=True)
    assert _list(session, list_id) == (at(130), FILLED)
    # The third person of the closed list is never called.
    assert _claim(session, "CA" + "3" * 32) is None
    assert entries(session, list_id)[2] == ("+32470000003", "pending", None, 0, None)


def test_other_outcomes_do_not_fill_the_slots(session: Session) -> None:
    list_id = add_list(session, "voorkempen", NUMBERS, at(0), slots=1)
    _, first = _dial(session, "CA" + "1" * 32)
    _, second = _dial(session, "CA" + "2" * 32)
    record_outcome(session, first, Outcome.KEPT, at(100))
    finish_attempt(session, second, Outcome.NO_ANSWER, at(100))

    assert _list(session, list_id) == (None, None)
    assert _claim(session, "CA" + "3" * 32) is not None


def test_the_end_of_the_agents_call_releases_its_claim(session: Session) -> None:
    list_id = add_list(session, "voorkempen", NUMBERS, at(0))
    _, talked = _dial(session, AGENT_CALL)
    _dial(session, OTHER_CALL)
    record_talk(session, talked, 60, PERSON_LEG, at(70))

    assert release_claims(session, AGENT_CALL, at(80)) == 1
    assert release_claims(session, AGENT_CALL, at(81)) == 0
    assert entries(session, list_id) == [
        ("+32470000001", "pending", None, 1, None),
        ("+32470000002", "claimed", None, 1, OTHER_CALL),
        ("+32470000003", "pending", None, 0, None),
    ]
    first, second = attempts(session)
    assert (first.outcome, first.talk_s, first.ended_at) == (None, 60, at(70))
    assert (second.outcome, second.ended_at) == (None, None)
    # An outcome keyed for a released person records nothing.
    assert record_outcome(session, talked, Outcome.ACCEPTED, at(90)) == Recorded(recorded=False)
    assert attempts(session)[0].outcome is None
    # The person is called again, by whoever claims next.
    again = _claim(session, "CA" + "9" * 32)
    assert again is not None
    assert again.number == "+32470000001"


def test_a_released_call_without_an_end_ends_then(session: Session) -> None:
    add_list(session, "voorkempen", NUMBERS, at(0))
    _dial(session)  # the agent hangs up while the person's phone rings

    assert release_claims(session, AGENT_CALL, at(15)) == 1
    (attempt,) = attempts(session)
    assert (attempt.outcome, attempt.ended_at) == (None, at(15))


def test_done_people_stay_done_when_the_call_ends(session: Session) -> None:
    list_id = add_list(session, "voorkempen", NUMBERS[:1], at(0))
    _, attempt_id = _dial(session)
    finish_attempt(session, attempt_id, Outcome.BUSY, at(5))

    assert release_claims(session, AGENT_CALL, at(9)) == 0
    assert entries(session, list_id) == [("+32470000001", "done", "busy", 1, None)]


# -- Two connections at once -------------------------------------------------------------------


@pytest.fixture
def own_engine(migrated_db_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_db_url)
    yield engine
    engine.dispose()


def _unit(engine: Engine) -> Session:
    """A session whose transaction writes, as the service opens them (SQLite: BEGIN IMMEDIATE)."""
    session = Session(engine)
    session.connection(execution_options={WRITE_UNIT: True})
    return session


def test_a_claim_in_progress_is_passed_over_by_another_connection(
    own_engine: Engine, db_backend: str
) -> None:
    with Session(own_engine) as session, session.begin():
        list_id = add_list(session, "voorkempen", NUMBERS, at(0))
    first = _unit(own_engine)
    claimed_first = _claim(first, "CA" + "1" * 32)  # held: not committed yet
    assert claimed_first is not None
    got: list[Claimed | None] = []

    def other() -> None:
        with _unit(own_engine) as second:
            got.append(_claim(second, "CA" + "2" * 32))
            second.commit()

    thread = threading.Thread(target=other)
    thread.start()
    # PostgreSQL (SKIP LOCKED) does not wait for the first claim: the other connection is done
    # while the first still holds its row. SQLite has one writer at a time: it waits.
    thread.join(timeout=10 if db_backend == "postgresql" else 0.5)
    finished_before_commit = not thread.is_alive()
    first.commit()
    first.close()
    thread.join()

    assert finished_before_commit == (db_backend == "postgresql")
    assert got[0] is not None
    assert got[0].entry_id != claimed_first.entry_id
    assert [got[0].number, claimed_first.number] == ["+32470000002", "+32470000001"]
    with Session(own_engine) as session:
        assert [state for _, state, *_ in entries(session, list_id)] == ["claimed", "claimed", "pending"]


def test_agents_claiming_at_once_never_get_the_same_person(own_engine: Engine) -> None:
    people = [f"+3247100{n:04d}" for n in range(60)]
    with Session(own_engine) as session, session.begin():
        add_list(session, "voorkempen", people[:30], at(0))
        add_list(session, "voorkempen", people[30:], at(1))
    claimed: dict[str, list[str]] = {}
    start = threading.Barrier(4)

    def agent(number: int) -> None:
        mine = claimed.setdefault(f"agent-{number}", [])
        start.wait()
        while True:
            call_sid = f"CA{number:02d}{len(mine):030d}"  # a call of its own per person: no release
            with _unit(own_engine) as session:
                person = claim_next(session, "voorkempen", f"{number}", call_sid, at(10))
                session.commit()
            if person is None:
                return
            mine.append(person.number)

    threads = [threading.Thread(target=agent, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    everyone = [number for numbers in claimed.values() for number in numbers]
    assert sorted(everyone) == people
