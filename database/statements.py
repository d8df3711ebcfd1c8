"""Statements whose SQL differs between the two supported databases."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session


def dialect_insert(session: Session, entity: type[DeclarativeBase]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT for ``entity`` that offers ``on_conflict_do_nothing``/``on_conflict_do_update``.

    Webhooks are retried by Twilio and handled by several instances at once, so rows keyed by a
    Twilio identifier are written with ``ON CONFLICT`` rather than read-then-insert, which races.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(entity)
    if dialect == "sqlite":
        return sqlite.insert(entity)
    raise ValueError(f"unsupported database dialect {dialect!r}")
