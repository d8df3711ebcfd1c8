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

Tests leave no trace in the checkout. The settings whose defaults are paths under ``var/``
(``DATABASE_URL``, ``IVR_SPOOL_DIR``) point into a temporary folder for the whole run, so an app
or command a test builds without its own writes nothing there; a test that sets them itself
(``monkeypatch.setenv``, ``Settings(...)``) still wins. At the end of the run, anything the suite
created under ``var/`` fails it and is listed (what was there before is not the suite's).
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
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
ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var"

# Settings whose defaults are paths under var/, and where a test run puts them instead.
PATH_SETTINGS = ("DATABASE_URL", "IVR_SPOOL_DIR")

# Stash keys of the run's state (see pytest_configure and pytest_sessionfinish).
_VAR_BEFORE = pytest.StashKey[frozenset[str]]()
_VAR_LEFT = pytest.StashKey[list[str]]()
_SCRATCH = pytest.StashKey[Path]()
_ENV_BEFORE = pytest.StashKey[dict[str, str | None]]()
_TESTS = itertools.count()


def var_entries(directory: Path = VAR) -> frozenset[str]:
    """Paths under ``directory`` (itself included), relative to its parent; empty when it is missing."""
    if not directory.is_dir():
        return frozenset()
    base = directory.parent
    found = {directory.name}
    # os.walk ignores what vanishes while it walks: other processes may be busy in var/.
    for folder, subfolders, files in os.walk(directory):
        for name in (*subfolders, *files):
            found.add(os.path.relpath(os.path.join(folder, name), base))
    return frozenset(found)


def path_settings(directory: Path) -> dict[str, str]:
    """``DATABASE_URL`` and ``IVR_SPOOL_DIR`` inside ``directory`` (created when first written)."""
    return {
        "DATABASE_URL": f"sqlite:///{directory / 'ivr.sqlite3'}",
        "IVR_SPOOL_DIR": str(directory / "spool"),
    }


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    if not _is_xdist_worker(config):
        config.stash[_VAR_BEFORE] = var_entries()
    # For the whole process, collection included (a module may build an app when imported);
    # each test then gets folders of its own (_paths_of_this_test).
    scratch = Path(tempfile.mkdtemp(prefix="ivr-tests-"))
    config.stash[_SCRATCH] = scratch
    config.stash[_ENV_BEFORE] = {name: os.environ.get(name) for name in PATH_SETTINGS}
    os.environ.update(path_settings(scratch / "session"))


def pytest_unconfigure(config: pytest.Config) -> None:
    for name, value in config.stash.get(_ENV_BEFORE, {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    if _SCRATCH in config.stash:
        shutil.rmtree(config.stash[_SCRATCH], ignore_errors=True)


@pytest.fixture(autouse=True)
def _paths_of_this_test(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database file and spool folder of this test's own by default: a spool left by one test
    would otherwise be replayed into the next test's database when its app starts."""
    directory = request.config.stash[_SCRATCH] / f"test-{next(_TESTS)}"
    for name, value in path_settings(directory).items():
        monkeypatch.setenv(name, value)


@pytest.hookimpl(trylast=True)  # after the session-scoped fixtures are torn down
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if _is_xdist_worker(config) or _VAR_BEFORE not in config.stash:
        return
    before = config.stash[_VAR_BEFORE]
    left = sorted(var_entries() - before)
    config.stash[_VAR_LEFT] = left
    if left and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    left = terminalreporter.config.stash.get(_VAR_LEFT, [])
    if left:
        terminalreporter.section("the suite wrote into the checkout's var/", sep="=", red=True, bold=True)
        for path in left:
            terminalreporter.line(path)


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
