"""Scheduled jobs that run once per minute across every instance behind the load balancer.

Each instance runs the same scheduler; the first one to insert the ``(job, tick)`` row runs the
job for that minute and the others skip it (PRODUCT.md: "scheduled jobs run once, not once per
instance"). ``INSERT … ON CONFLICT DO NOTHING`` decides, so no lock table or leader election is
needed, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import CursorResult, delete
from sqlalchemy.orm import Session

from database import dialect_insert
from staffing.tables import JobTick


def tick_of(now: dt.datetime) -> dt.datetime:
    """The tick ``now`` falls in: the whole UTC minute at or before it."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime {now.isoformat()} refused: pass a timezone-aware datetime")
    return now.astimezone(dt.UTC).replace(second=0, microsecond=0)


def claim_tick(session: Session, job: str, tick: dt.datetime, *, ran_at: dt.datetime | None = None) -> bool:
    """Whether this caller is the one to run ``job`` for ``tick``; only the first claimant gets True.

    The claim is part of the caller's transaction: on PostgreSQL a second claimant waits until
    the first commits (then gets False) or rolls back (then gets True and runs the job itself).
    ``ran_at`` is when the claimant started (the tick itself by default).
    """
    insert = dialect_insert(session, JobTick).values(job=job, tick=tick, ran_at=ran_at or tick)
    statement = insert.on_conflict_do_nothing(index_elements=[JobTick.job, JobTick.tick])
    # SQLAlchemy reports an INSERT's rowcount (-1 otherwise on psycopg) only when asked to keep it.
    result = cast(CursorResult[Any], session.execute(statement.execution_options(preserve_rowcount=True)))
    return result.rowcount == 1


def prune_ticks(session: Session, job: str, before: dt.datetime) -> int:
    """Forget the claims of ``job`` older than ``before``; returns how many rows went."""
    result = cast(
        CursorResult[Any], session.execute(delete(JobTick).where(JobTick.job == job, JobTick.tick < before))
    )
    return result.rowcount
