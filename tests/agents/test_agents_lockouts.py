"""The lockout of the agent line: 5 wrong PINs from one number lock it for 15 minutes."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from agents import (
    LOCK_MINUTES,
    MAX_PIN_FAILURES,
    PinLockout,
    caller_key,
    clear_failures,
    is_locked,
    record_failure,
)
from database import make_engine, make_sessionmaker

T0 = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)
CALLER = "+32470123456"
OTHER = "+32471999888"


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


LOCKED_UNTIL = at(4 * 60 + LOCK_MINUTES * 60)  # the fifth failure comes at T0 + 4 minutes


def fail_five_times(session: Session, caller: str = CALLER) -> list[dt.datetime | None]:
    return [record_failure(session, caller, at(minute * 60)) for minute in range(5)]


def test_the_rule_is_five_failures_and_fifteen_minutes() -> None:
    assert (MAX_PIN_FAILURES, LOCK_MINUTES) == (5, 15)


def test_four_failures_do_not_lock(session: Session) -> None:
    results = [record_failure(session, CALLER, at(minute * 60)) for minute in range(4)]

    assert results == [None, None, None, None]
    assert is_locked(session, CALLER, at(4 * 60)) is None


def test_the_fifth_failure_locks_for_fifteen_minutes(session: Session) -> None:
    assert fail_five_times(session) == [None, None, None, None, LOCKED_UNTIL]

    assert is_locked(session, CALLER, at(4 * 60)) == LOCKED_UNTIL
    assert is_locked(session, CALLER, LOCKED_UNTIL - dt.timedelta(seconds=1)) == LOCKED_UNTIL
    assert is_locked(session, OTHER, at(4 * 60)) is None


def test_the_lock_ends_after_fifteen_minutes(session: Session) -> None:
    fail_five_times(session)

    assert is_locked(session, CALLER, LOCKED_UNTIL) is None


def test_failures_during_the_lock_do_not_extend_it(session: Session) -> None:
    fail_five_times(session)

    assert record_failure(session, CALLER, at(10 * 60)) is None
    assert is_locked(session, CALLER, at(10 * 60)) == LOCKED_UNTIL


def test_after_the_lock_the_count_starts_again(session: Session) -> None:
    fail_five_times(session)
    after = LOCKED_UNTIL + dt.timedelta(minutes=1)

    results = [record_failure(session, CALLER, after + dt.timedelta(seconds=n)) for n in range(5)]

    assert results == [None, None, None, None, after + dt.timedelta(seconds=4, minutes=LOCK_MINUTES)]
    row = session.execute(select(PinLockout.failures, PinLockout.first_failure_at)).one()
    assert tuple(row) == (5, after)


def test_a_successful_login_clears_the_count(session: Session) -> None:
    for minute in range(4):
        record_failure(session, CALLER, at(minute * 60))

    clear_failures(session, CALLER)

    assert [record_failure(session, CALLER, at(300 + n)) for n in range(4)] == [None] * 4
    assert is_locked(session, CALLER, at(310)) is None
    assert record_failure(session, CALLER, at(320)) == at(320 + LOCK_MINUTES * 60)


def test_numbers_are_counted_apart(session: Session) -> None:
    for minute in range(4):
        record_failure(session, CALLER, at(minute * 60))
        record_failure(session, OTHER, at(minute * 60))

    assert record_failure(session, OTHER, at(300)) == at(300 + LOCK_MINUTES * 60)
    assert is_locked(session, CALLER, at(300)) is None


def test_the_table_holds_a_hash_of_the_number_not_the_number(session: Session) -> None:
    fail_five_times(session)

    row = session.execute(
        select(PinLockout.key, PinLockout.failures, PinLockout.first_failure_at, PinLockout.locked_until)
    ).one()

    assert tuple(row) == (hashlib.sha256(CALLER.encode()).hexdigest(), 5, T0, LOCKED_UNTIL)
    assert caller_key(CALLER) == hashlib.sha256(b"+32470123456").hexdigest()


def test_times_in_another_zone_mean_the_same_instant(session: Session) -> None:
    brussels = dt.timezone(dt.timedelta(hours=1))
    fail_five_times(session)

    assert is_locked(session, CALLER, dt.datetime(2026, 12, 2, 9, 18, 59, tzinfo=brussels)) == LOCKED_UNTIL
    assert is_locked(session, CALLER, dt.datetime(2026, 12, 2, 9, 19, 0, tzinfo=brussels)) is None


def test_the_lock_survives_a_restart(migrated_db_url: str) -> None:
    first = make_engine(migrated_db_url)
    with make_sessionmaker(first)() as session, session.begin():
        fail_five_times(session)
    first.dispose()

    second = make_engine(migrated_db_url)
    try:
        with make_sessionmaker(second)() as session:
            assert is_locked(session, CALLER, at(5 * 60)) == LOCKED_UNTIL
    finally:
        second.dispose()
