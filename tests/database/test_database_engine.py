"""Engines: SQLite set up for concurrent webhooks, PostgreSQL with pre-ping, others refused."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from calls import QueueEntry
from database import alembic_config, make_engine, make_sessionmaker, ping, upgrade
from database.engine import WRITE_UNIT, WriterLock, writer_lock

AT = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)

WAIT_S = 5.0


def test_sqlite_creates_the_parent_directory_and_sets_its_pragmas(tmp_path: Path) -> None:
    database = tmp_path / "var" / "nested" / "ivr.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            pragmas = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar_one()
                for name in ("journal_mode", "busy_timeout", "foreign_keys")
            }
    finally:
        engine.dispose()

    assert database.is_file()
    assert pragmas == {"journal_mode": "wal", "busy_timeout": 5000, "foreign_keys": 1}


class _InterceptedError(Exception):
    pass


def _connect_parameters(engine: Engine) -> dict[str, Any]:
    """What the engine would hand the driver, intercepted before any connection is attempted."""
    seen: dict[str, Any] = {}

    def intercept(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> None:
        seen.update(cparams)
        raise _InterceptedError

    event.listen(engine, "do_connect", intercept)
    with pytest.raises(_InterceptedError):
        engine.connect()
    return seen


@pytest.mark.parametrize(
    ("url", "timeout"),
    [
        pytest.param("postgresql+psycopg://ivr@db.invalid:5432/ivr", 3, id="default-3s"),
        pytest.param("postgresql+psycopg://ivr@db.invalid:5432/ivr?connect_timeout=10", "10", id="url-wins"),
    ],
)
def test_postgresql_engine_pings_pooled_connections_and_gives_up_connecting_quickly(
    url: str, timeout: int | str
) -> None:
    engine = make_engine(url)

    assert engine.pool._pre_ping is True
    assert _connect_parameters(engine)["connect_timeout"] == timeout


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("mysql+pymysql://ivr@localhost/ivr", id="mysql"),
        pytest.param("oracle://ivr@localhost/ivr", id="oracle"),
    ],
)
def test_other_databases_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match=r"unsupported database '(mysql|oracle)' in DATABASE_URL"):
        make_engine(url)


def test_ping_is_true_for_a_reachable_database(engine: Engine) -> None:
    assert ping(engine) is True


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("postgresql+psycopg://postgres@127.0.0.1:1/test", id="postgresql-nothing-listening"),
        pytest.param("sqlite:///{tmp}", id="sqlite-path-is-a-directory"),
    ],
)
def test_ping_is_false_for_an_unreachable_database(
    url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(url.format(tmp=tmp_path))
    try:
        assert ping(engine) is False
    finally:
        engine.dispose()
    assert caplog.messages == ["database unreachable: OperationalError"]


@contextmanager
def _unwritable(path: Path) -> Iterator[None]:
    """``path`` may not be opened for writing: immutable as root (whom modes do not stop),
    read-only otherwise."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        try:
            yield
        finally:
            # With the write-ahead log and index SQLite created meanwhile (with the file's mode).
            for file in path.parent.glob(f"{path.name}*"):
                file.chmod(0o644)
        return
    if shutil.which("chattr") is None:
        pytest.skip("making a file unwritable to root needs chattr")
    subprocess.run(["chattr", "+i", str(path)], check=True)  # noqa: S607 - chattr from PATH
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)  # noqa: S607 - chattr from PATH


def test_a_connection_opened_while_the_sqlite_file_was_unwritable_is_not_kept(tmp_path: Path) -> None:
    # SQLite opens such a file read-only instead of failing; kept in the pool, that connection
    # would refuse every write after the file is writable again.
    database = tmp_path / "ivr.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE write_probe (n INTEGER)"))
        engine.dispose()  # the next connection is opened while the file cannot be written
        with (
            _unwritable(database),
            pytest.raises(OperationalError, match="readonly database") as refused,
            engine.begin() as connection,
        ):
            connection.execute(text("INSERT INTO write_probe VALUES (1)"))
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO write_probe VALUES (2)"))
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT n FROM write_probe")).scalars().all()
    finally:
        engine.dispose()

    assert refused.value.connection_invalidated is True
    assert rows == [2]


def test_rolled_back_transaction_undoes_ddl_and_writes(empty_db_url: str) -> None:
    # Python's sqlite3 would commit the CREATE TABLE at once; a failed migration must leave
    # nothing half-done behind on SQLite either.
    engine = make_engine(empty_db_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("CREATE TABLE rollback_probe (n INTEGER)"))
            connection.execute(text("INSERT INTO rollback_probe VALUES (1)"))
            connection.rollback()
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
    finally:
        engine.dispose()

    assert tables == []


def test_savepoint_rollback_undoes_only_the_inner_work(session: Session) -> None:
    session.execute(text("CREATE TABLE savepoint_probe (n INTEGER)"))
    session.execute(text("INSERT INTO savepoint_probe VALUES (1)"))
    inner = session.begin_nested()
    session.execute(text("INSERT INTO savepoint_probe VALUES (2)"))
    inner.rollback()
    with session.begin_nested():
        session.execute(text("INSERT INTO savepoint_probe VALUES (3)"))

    rows = session.execute(text("SELECT n FROM savepoint_probe ORDER BY n")).scalars().all()

    assert rows == [1, 3]


def test_sessions_keep_loaded_values_readable_after_commit(migrated_db_url: str) -> None:
    # The request renders its response after committing, without reloading what it wrote.
    engine = make_engine(migrated_db_url)
    try:
        entry = QueueEntry(call_sid="CA" + "1" * 32, helpdesk_id="voorkempen", enqueued_at=AT)
        with make_sessionmaker(engine)() as unit_of_work:
            unit_of_work.add(entry)
            unit_of_work.commit()
        assert (entry.call_sid, entry.enqueued_at) == ("CA" + "1" * 32, AT)
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(migrated_db_url: str) -> None:
    upgrade(migrated_db_url)

    engine = make_engine(migrated_db_url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    finally:
        engine.dispose()
    head = ScriptDirectory.from_config(alembic_config(migrated_db_url)).get_current_head()
    assert versions == [head]


def _sqlite_table(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'locks.sqlite3'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    return engine


def test_a_deferred_sqlite_transaction_that_read_cannot_write_after_another_commit(tmp_path: Path) -> None:
    # Why units of work take the write lock at BEGIN: SQLite does not wait in this case.
    engine = _sqlite_table(tmp_path)
    try:
        with engine.connect() as reader:
            assert reader.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 0
            with engine.begin() as other:
                other.exec_driver_sql("INSERT INTO t VALUES (1)")
            with pytest.raises(OperationalError, match="database is locked"):
                reader.exec_driver_sql("INSERT INTO t VALUES (2)")
    finally:
        engine.dispose()


def test_a_sqlite_write_unit_holds_the_write_lock_from_its_begin(tmp_path: Path) -> None:
    engine = _sqlite_table(tmp_path)
    try:
        with engine.connect().execution_options(**{WRITE_UNIT: True}) as unit:
            assert unit.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 0
            with engine.connect() as other:
                other.exec_driver_sql("PRAGMA busy_timeout=0")
                with pytest.raises(OperationalError, match="database is locked"):
                    other.exec_driver_sql("INSERT INTO t VALUES (1)")
                other.rollback()
            unit.exec_driver_sql("INSERT INTO t VALUES (2)")
            unit.commit()
        with engine.connect() as check:
            assert check.exec_driver_sql("SELECT n FROM t").scalars().all() == [2]
    finally:
        engine.dispose()


# ------------------------------------------------------------------ the writer lock


def test_the_writer_lock_lets_one_holder_at_a_time_across_processes(tmp_path: Path) -> None:
    # Two WriterLocks on one file stand for two processes: flock excludes per open file.
    first, second = WriterLock(tmp_path / "db-writer.lock"), WriterLock(tmp_path / "db-writer.lock")
    order: list[str] = []
    inside = threading.Event()

    def other_process() -> None:
        inside.wait(WAIT_S)
        with second.hold():
            order.append("second")

    thread = threading.Thread(target=other_process)
    thread.start()
    with first.hold():
        inside.set()
        time.sleep(0.05)  # the other waits however long this takes
        order.append("first")
    thread.join(WAIT_S)
    assert order == ["first", "second"]


def test_threads_of_one_process_take_the_writer_lock_in_turn(tmp_path: Path) -> None:
    lock = WriterLock(tmp_path / "db-writer.lock")
    holders = 0
    most = 0

    def unit() -> None:
        nonlocal holders, most
        for _ in range(50):
            with lock.hold():
                holders += 1
                most = max(most, holders)
                time.sleep(0)
                holders -= 1

    threads = [threading.Thread(target=unit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_S)
    assert most == 1


def test_a_writer_lock_held_too_long_elsewhere_is_waited_for_only_up_to_its_timeout(tmp_path: Path) -> None:
    stuck, waiting = WriterLock(tmp_path / "db-writer.lock"), WriterLock(tmp_path / "db-writer.lock", 0.05)
    with stuck.hold():
        started = time.monotonic()
        with waiting.hold():  # goes ahead on SQLite's own locking
            waited = time.monotonic() - started
    assert 0.05 <= waited < WAIT_S


def test_without_a_writable_lock_file_the_unit_goes_ahead(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lock = WriterLock(tmp_path / "missing" / "db-writer.lock")
    for _ in range(3):
        with lock.hold():
            pass
    assert [r.message for r in caplog.records].count(
        f"writer lock {tmp_path / 'missing' / 'db-writer.lock'} unavailable "
        "([Errno 2] No such file or directory: "
        f"'{tmp_path / 'missing' / 'db-writer.lock'}'): SQLite's locking alone"
    ) == 1


def test_trying_the_writer_lock_never_waits(tmp_path: Path) -> None:
    first, second = WriterLock(tmp_path / "db-writer.lock"), WriterLock(tmp_path / "db-writer.lock")
    with first.try_hold() as held:
        assert held is True
        started = time.monotonic()
        with second.try_hold() as other:  # another process holds it
            assert other is False
        assert time.monotonic() - started < 0.5
        with first.hold():  # the holder's own unit of work takes it again
            pass
        with second.try_hold() as other:  # still held: the inner unit did not unlock the file
            assert other is False
    with second.try_hold() as other:
        assert other is True


def test_trying_the_writer_lock_held_by_another_thread_says_busy(tmp_path: Path) -> None:
    lock = WriterLock(tmp_path / "db-writer.lock")
    inside, leave = threading.Event(), threading.Event()

    def unit() -> None:
        with lock.hold():
            inside.set()
            leave.wait(WAIT_S)

    thread = threading.Thread(target=unit)
    thread.start()
    try:
        assert inside.wait(WAIT_S)
        with lock.try_hold() as held:
            assert held is False
    finally:
        leave.set()
        thread.join(WAIT_S)
    with lock.try_hold() as held:
        assert held is True


def test_trying_a_writer_lock_without_a_lock_file_says_there_is_none(tmp_path: Path) -> None:
    lock = WriterLock(tmp_path / "missing" / "db-writer.lock")
    with lock.try_hold() as held:
        assert held is None


def test_only_a_sqlite_file_gets_a_writer_lock(engine: Engine) -> None:
    lock = writer_lock(engine)
    if engine.dialect.name == "sqlite":
        assert lock is not None
        with lock.hold():
            assert Path(f"{engine.url.database}-writer.lock").exists()
    else:
        assert lock is None  # PostgreSQL orders its writers itself
    memory = make_engine("sqlite://")
    assert writer_lock(memory) is None
    memory.dispose()
