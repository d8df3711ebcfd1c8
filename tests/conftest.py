"""Database fixtures: every database test runs on SQLite and on a real PostgreSQL server.

- ``db_backend``: ``"sqlite"`` or ``"postgresql"``; parametrizes every test that uses a database
  fixture (test ids ``[sqlite]`` and ``[postgresql]``; the PostgreSQL ones are marked ``postgres``).
- ``db_url``: URL of a database created for this test run and migrated to head once; shared,
  so only write to it through ``session``.
- ``engine``: an ``Engine`` (``database.make_engine``) on ``db_url``, shared by the run.
- ``session``: a ``Session`` inside a transaction that is rolled back after the test, so tests
  never see each other's rows; ``session.commit()`` in a test only releases a savepoint.
- ``migrated_db_url``: URL of a database of this test's own, already at head, for code that
  commits through its own engine (the app under test); cloned from a migrated template, so cheap.
- ``empty_db_url``: URL of a brand-new, unmigrated database of this test's own (migration tests).

PostgreSQL is the server at ``IVR_TEST_POSTGRES_URL`` (default below; ``.ci/run`` starts it).
Each run creates its own databases there and drops them afterwards. An unreachable server fails
the PostgreSQL tests rather than skipping them: a skipped half of the suite looks green.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from database import make_engine, upgrade

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_server_url() -> str:
    return os.environ.get("IVR_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


@contextmanager
def _new_database(backend: str, directory: Path, template: str | None = None) -> Iterator[str]:
    """A database of its own, empty or a copy of ``template`` (a database nobody is connected to)."""
    if backend == "sqlite":
        path = directory / f"ivr-{uuid.uuid4().hex[:8]}.sqlite3"
        if template is not None:
            source = make_url(template).database
            assert source is not None
            shutil.copyfile(source, path)
        yield f"sqlite:///{path}"
        return
    server = make_url(postgres_server_url())
    name = f"ivr_test_{uuid.uuid4().hex[:16]}"
    create = f'CREATE DATABASE "{name}"'
    if template is not None:
        create += f' TEMPLATE "{make_url(template).database}"'
    admin = make_engine(server.render_as_string(hide_password=False)).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(create))
    except OperationalError as exc:
        admin.dispose()
        pytest.fail(
            f"PostgreSQL at {server.render_as_string(hide_password=True)} is unreachable ({exc.orig}). "
            "Start it (.ci/run does) or point IVR_TEST_POSTGRES_URL at a server.",
            pytrace=False,
        )
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(
    scope="session",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def db_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


@pytest.fixture(scope="session")
def _migrated_template(db_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # Migrated once per run and backend; never connected to afterwards, as PostgreSQL requires
    # of a template database (upgrade() disposes of its engine when done).
    with _new_database(db_backend, tmp_path_factory.mktemp(f"template-{db_backend}")) as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def db_url(
    db_backend: str, _migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    directory = tmp_path_factory.mktemp(f"db-{db_backend}")
    with _new_database(db_backend, directory, template=_migrated_template) as url:
        yield url


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            session.close()
            transaction.rollback()


@pytest.fixture
def empty_db_url(db_backend: str, tmp_path: Path) -> Iterator[str]:
    with _new_database(db_backend, tmp_path) as url:
        yield url


@pytest.fixture
def migrated_db_url(db_backend: str, _migrated_template: str, tmp_path: Path) -> Iterator[str]:
    with _new_database(db_backend, tmp_path, template=_migrated_template) as url:
        yield url
