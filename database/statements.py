"""Statements whose SQL differs between the two supported databases."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, CursorResult, Executable, Table, bindparam, cast, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.types import TypeEngine


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


Row = Mapping[str, Any]


@dataclass(frozen=True)
class ManyRows:
    """A statement written once for many rows.

    On PostgreSQL (``columns`` given) the rows travel as one array per column, which the statement
    reads back with ``unnest`` (see :func:`unnested`): one execution of one short query text
    whatever the number of rows, where a multi-row VALUES list would make the driver and the
    server parse a statement that grows with the batch. On SQLite the rows go to ``executemany``
    of a one-row statement, which SQLite prepares once and steps per row.
    """

    statement: Executable
    columns: tuple[str, ...] | None = None

    def execute(self, connection: Connection, rows: Sequence[Row]) -> CursorResult[*tuple[Any, ...]]:
        if self.columns is None:
            return connection.execute(self.statement, list(rows))
        arrays = {name: [row[name] for row in rows] for name in self.columns}
        return connection.execute(self.statement, arrays)


def unnested(columns: Mapping[str, TypeEngine[Any]], name: str = "v") -> TableValuedAlias:
    """PostgreSQL's ``unnest(CAST(:a AS type[]), ...) AS v(a, ...)``: rows from one array per column."""
    arrays = [cast(bindparam(column), postgresql.ARRAY(type_)) for column, type_ in columns.items()]
    return func.unnest(*arrays).table_valued(*columns).render_derived(name=name)


def insert_unnested(table: Table, columns: Sequence[str]) -> postgresql.Insert:
    """PostgreSQL's ``INSERT INTO table (columns) SELECT * FROM unnest(...)``: one array parameter
    per column, named as the column (for :class:`ManyRows` with the same ``columns``)."""
    rows = unnested({name: table.c[name].type for name in columns})
    return postgresql.insert(table).from_select(list(columns), select(*rows.c))
