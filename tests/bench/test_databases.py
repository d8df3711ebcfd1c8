"""The benchmarks' fresh databases: migrated to the newest schema, and on PostgreSQL dropped again
when the benchmark is done, also when it failed."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.databases import fresh_database
from database import alembic_config
from tests.conftest import postgres_server_url


class BenchFailedError(Exception):
    """A benchmark that broke off while its database was open."""


def _at_head(url: str) -> bool:
    """Whether the database at ``url`` is at the newest migration."""
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision() == head
    finally:
        engine.dispose()


def _postgres_exists(name: str) -> bool:
    engine = create_engine(postgres_server_url())
    try:
        with engine.connect() as connection:
            query = text("SELECT count(*) FROM pg_database WHERE datname = :name")
            count: int = connection.execute(query, {"name": name}).scalar_one()
    finally:
        engine.dispose()
    return count == 1


def test_a_sqlite_database_is_a_migrated_file_at_the_path_given(tmp_path: Path) -> None:
    path = tmp_path / "ivr.sqlite3"
    with fresh_database("sqlite", path, "postgresql+psycopg://nobody@192.0.2.1/unused") as url:
        assert url == f"sqlite:///{path}"
        assert _at_head(url)
    assert path.exists()


@pytest.mark.postgres
def test_a_postgres_database_is_new_migrated_and_dropped_afterwards(tmp_path: Path) -> None:
    with fresh_database("postgresql", tmp_path / "unused.sqlite3", postgres_server_url()) as url:
        name = make_url(url).database
        assert name is not None
        assert name.startswith("ivr_bench_")
        assert _at_head(url)
        assert _postgres_exists(name)
    assert not _postgres_exists(name)
    assert not (tmp_path / "unused.sqlite3").exists()


def _fail_inside(directory: Path, names: list[str | None]) -> None:
    """A benchmark on a fresh PostgreSQL database that fails; ``names`` gets the database's name."""
    with fresh_database("postgresql", directory / "unused.sqlite3", postgres_server_url()) as url:
        names.append(make_url(url).database)
        raise BenchFailedError


@pytest.mark.postgres
def test_a_postgres_database_is_dropped_when_the_benchmark_fails(tmp_path: Path) -> None:
    names: list[str | None] = []
    with pytest.raises(BenchFailedError):
        _fail_inside(tmp_path, names)
    assert len(names) == 1
    assert names[0] is not None
    assert not _postgres_exists(names[0])
