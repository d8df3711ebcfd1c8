"""Writes that the database refused for what they hold, kept aside instead of holding back others.

A webhook's operation that fails for any reason other than the database being unreachable (a
value the column cannot hold, a bug) is split from its batch and stored here with its error, so
that the rest of the batch is committed and the operation can be looked at and replayed by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import Integer, String, Text, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from database.base import Base
from database.types import UtcDateTime

# What is kept of an error's text.
ERROR_LENGTH = 500


class DeadLetter(Base):
    __tablename__ = "write_dead_letters"

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    failed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    # The operation as the spool writes it (JSON).
    operation: Mapped[str] = mapped_column(Text())
    error: Mapped[str] = mapped_column(String(ERROR_LENGTH))


class Letter(NamedTuple):
    failed_at: dt.datetime
    operation: str
    error: str


def store_dead_letters(session: Session, letters: Sequence[Letter]) -> None:
    """Keep ``letters``; never commits."""
    if letters:
        session.execute(
            insert(DeadLetter),
            [
                {
                    "failed_at": letter.failed_at,
                    "operation": letter.operation,
                    "error": letter.error[:ERROR_LENGTH],
                }
                for letter in letters
            ],
        )


def dead_letters(session: Session) -> list[Letter]:
    """Every operation kept aside, oldest first."""
    rows = session.execute(
        select(DeadLetter.failed_at, DeadLetter.operation, DeadLetter.error).order_by(DeadLetter.id)
    )
    return [Letter(*row) for row in rows]


def count_dead_letters(session: Session) -> int:
    return session.execute(select(func.count()).select_from(DeadLetter)).scalar_one()
