"""The ``session`` fixture: what one test writes, even committed, the next one never sees.

The two tests run in file order for each database; the second fails if the first leaked.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calls import QueueEntry

AT = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def _count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(QueueEntry)).scalar_one()


def test_first_writes_and_commits(session: Session) -> None:
    session.add(QueueEntry(call_sid="CA" + "a" * 32, helpdesk_id="voorkempen", enqueued_at=AT))
    session.commit()

    assert _count(session) == 1


def test_second_starts_from_an_empty_table(session: Session) -> None:
    assert _count(session) == 0
