"""Fresh migrated databases for the benchmarks: a SQLite file, or a new database on a PostgreSQL
server that is dropped again afterwards.

Shared by ``make bench``, ``make bench-metrics`` and ``make soak``: every run starts from an
empty schema at the latest migration, so that no run measures what an earlier one left behind.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from database.migrations import upgrade

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def sqlite_database(path: Path) -> str:
    """A SQLite database at ``path``, migrated: its URL."""
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


def postgres_database(server_url: str) -> tuple[str, str]:
    """A new empty database on the server of ``server_url``: (its URL, its name)."""
    name = f"ivr_bench_{secrets.token_hex(4)}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False), name


def drop_postgres_database(server_url: str, name: str) -> None:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


@contextmanager
def fresh_database(database: str, sqlite_path: Path, postgres_url: str) -> Iterator[str]:
    """The URL of a migrated empty database: ``database`` "sqlite" (at ``sqlite_path``) or
    "postgresql" (on the server of ``postgres_url``, dropped on the way out, also on errors)."""
    if database == "sqlite":
        yield sqlite_database(sqlite_path)
        return
    url, name = postgres_database(postgres_url)
    try:
        upgrade(url)
        yield url
    finally:
        drop_postgres_database(postgres_url, name)
