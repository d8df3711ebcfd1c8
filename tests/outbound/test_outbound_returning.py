"""Whether a caller returns a call of ours they missed (playbook 1.5.2), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from calllog.privacy import caller_hash
from outbound.returning import returning_attempt, window_start
from outbound.tables import Outcome
from tests.outbound.attempts import add_attempt

KEY = b"test caller hash key"
NUMBER = "+32470123456"
OTHER = "+32470654321"
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
WINDOW = 72

AddAttempt = Callable[..., int]


@pytest.fixture
def add(session: Session) -> AddAttempt:
    """An attempt to ``number`` placed ``hours_ago`` from ``helpdesk`` that ended with ``outcome``."""

    def add_one(
        hours_ago: float, outcome: Outcome | None, *, number: str = NUMBER, helpdesk: str = "voorkempen"
    ) -> int:
        started_at = NOW - dt.timedelta(hours=hours_ago)
        return add_attempt(
            session, helpdesk_id=helpdesk, number=number, key=KEY, started_at=started_at, outcome=outcome
        )

    return add_one


def _returning(session: Session, number: str = NUMBER, helpdesk: str = "voorkempen") -> int | None:
    return returning_attempt(session, caller_hash(number, KEY), helpdesk, NOW, WINDOW)


@pytest.mark.parametrize(
    ("outcome", "returning"),
    [
        (Outcome.NO_ANSWER, True),
        (Outcome.BUSY, True),
        (Outcome.VOICEMAIL, True),
        (Outcome.FAILED, False),
        (Outcome.ACCEPTED, False),
        (Outcome.KEPT, False),
        (Outcome.DO_NOT_CALL, False),
        (Outcome.WRONG_NUMBER, False),
    ],
    ids=str,
)
def test_only_an_unanswered_call_is_returned(
    session: Session, add: AddAttempt, outcome: Outcome, returning: bool
) -> None:
    attempt = add(2, outcome)
    assert _returning(session) == (attempt if returning else None)


@pytest.mark.parametrize(
    ("hours_ago", "returning"),
    [(0, True), (2, True), (71.99, True), (72, False), (73, False), (-0.5, False)],
    ids=["just-now", "2-h-ago", "just-inside", "window-edge", "73-h-ago", "after-now"],
)
def test_the_window_before_now(session: Session, add: AddAttempt, hours_ago: float, returning: bool) -> None:
    attempt = add(hours_ago, Outcome.NO_ANSWER)
    assert _returning(session) == (attempt if returning else None)


def test_the_latest_missed_call_is_the_one_returned(session: Session, add: AddAttempt) -> None:
    add(30, Outcome.VOICEMAIL)
    latest = add(3, Outcome.BUSY)
    assert _returning(session) == latest


def test_a_later_conversation_ends_the_link(session: Session, add: AddAttempt) -> None:
    add(5, Outcome.NO_ANSWER)
    add(2, Outcome.KEPT)
    assert _returning(session) is None


def test_a_later_failed_or_ringing_call_leaves_the_link(session: Session, add: AddAttempt) -> None:
    # The person never saw a failed call, and a call still ringing has not ended.
    missed = add(5, Outcome.NO_ANSWER)
    add(3, Outcome.FAILED)
    add(0.01, None)
    assert _returning(session) == missed


def test_only_this_helpdesks_calls_and_this_number_count(session: Session, add: AddAttempt) -> None:
    add(2, Outcome.NO_ANSWER, helpdesk="kempen-zuid")
    add(2, Outcome.NO_ANSWER, number=OTHER)
    assert _returning(session) is None
    assert _returning(session, helpdesk="kempen-zuid") is not None
    assert _returning(session, number=OTHER) is not None


def test_another_key_finds_nothing(session: Session, add: AddAttempt) -> None:
    add(2, Outcome.NO_ANSWER)
    assert returning_attempt(session, caller_hash(NUMBER, b"another key"), "voorkempen", NOW, WINDOW) is None


@pytest.fixture
def statements(session: Session) -> Iterator[list[str]]:
    executed: list[str] = []

    def record(*args: Any) -> None:
        executed.append(args[2])

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", record)
    yield executed
    event.remove(connection, "before_cursor_execute", record)


def test_the_lookup_is_one_statement_on_the_number_and_time_index(
    session: Session, add: AddAttempt, statements: list[str]
) -> None:
    add(2, Outcome.NO_ANSWER)
    statements.clear()
    _returning(session)
    assert len(statements) == 1
    assert "outbound_attempts.number_hash" in statements[0]


@pytest.mark.parametrize(
    ("now", "hours", "problem"),
    [
        (dt.datetime(2026, 12, 2, 10, 0), 72, "timezone-aware"),  # noqa: DTZ001
        (NOW, 0, "at least 1 hour"),
    ],
    ids=["naive-time", "no-window"],
)
def test_a_bad_window_is_refused(now: dt.datetime, hours: int, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        window_start(now, hours)


def test_the_window_starts_its_hours_before_now() -> None:
    assert window_start(NOW, 72) == dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)
