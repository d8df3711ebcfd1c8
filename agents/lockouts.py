"""Lockout of the agent line against PIN guessing (PRODUCT.md "Agent line").

Five wrong PINs from one caller number lock that number out for fifteen minutes. The count is
kept in the database, so that every instance behind the load balancer sees it and a restart does
not forgive it. The count starts again after a successful login from that number, or once the
lock has run out. Numbers are stored as a SHA-256 hash: the table needs to recognise a number,
not to list who called. Callers without a number (anonymous) share one count.

The functions take the caller's session and the current time, and never commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Final

from sqlalchemy import BindParameter, case, delete, literal, select
from sqlalchemy.orm import Session

from agents.tables import PinLockout
from database import UtcDateTime, dialect_insert

MAX_PIN_FAILURES: Final = 5
LOCK_MINUTES: Final = 15


def caller_key(caller: str) -> str:
    """How a caller number is stored: the SHA-256 hex digest of the number as Twilio sends it."""
    return hashlib.sha256(caller.encode()).hexdigest()


def is_locked(session: Session, caller: str, now: dt.datetime) -> dt.datetime | None:
    """Until when ``caller`` is locked out at ``now``; ``None`` when the number may try a PIN."""
    until: dt.datetime | None = session.execute(
        select(PinLockout.locked_until).where(
            PinLockout.key == caller_key(caller), PinLockout.locked_until > _at(now)
        )
    ).scalar_one_or_none()
    return until


def record_failure(session: Session, caller: str, now: dt.datetime) -> dt.datetime | None:
    """Count a wrong PIN from ``caller`` at ``now``; returns the end of the lock this failure set.

    ``None`` when the number is not locked by this failure: it has tries left, or it was already
    locked (failures during a lock are counted but do not extend it). Written as one upsert so
    that two instances counting failures of the same number at once cannot lose one.
    """
    until = now + dt.timedelta(minutes=LOCK_MINUTES)
    expired = PinLockout.locked_until.is_not(None) & (PinLockout.locked_until <= _at(now))
    failures = case((expired, 1), else_=PinLockout.failures + 1)
    insert = dialect_insert(session, PinLockout).values(
        key=caller_key(caller),
        failures=1,
        first_failure_at=now,
        locked_until=until if MAX_PIN_FAILURES <= 1 else None,
    )
    count, locked_until = session.execute(
        insert.on_conflict_do_update(
            index_elements=[PinLockout.key],
            set_={
                "failures": failures,
                "first_failure_at": case((expired, _at(now)), else_=PinLockout.first_failure_at),
                "locked_until": case(
                    (PinLockout.locked_until > _at(now), PinLockout.locked_until),
                    (failures >= MAX_PIN_FAILURES, _at(until)),
                    else_=None,
                ),
            },
        ).returning(PinLockout.failures, PinLockout.locked_until)
    ).one()
    return locked_until if count == MAX_PIN_FAILURES else None


def clear_failures(session: Session, caller: str) -> None:
    """Forget the wrong PINs of ``caller``: it has just logged in successfully."""
    session.execute(delete(PinLockout).where(PinLockout.key == caller_key(caller)))


def _at(moment: dt.datetime) -> BindParameter[dt.datetime]:
    # Bound through the column type, so that SQLite compares UTC with UTC (and naive is refused).
    return literal(moment, UtcDateTime())
