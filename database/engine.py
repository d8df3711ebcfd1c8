"""Engines and sessions for the two supported databases: SQLite (one instance) and PostgreSQL."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import cast

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection, ExceptionContext
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

logger = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///var/ivr.sqlite3"
# Execution option of a connection whose transaction may write (see _begin_sqlite_transaction).
WRITE_UNIT = "ivr_write_unit"

# A webhook must answer within Twilio's patience even when PostgreSQL is unreachable, so a
# connection attempt gives up quickly instead of waiting for the operating system's TCP timeout.
_POSTGRES_CONNECT_TIMEOUT_S = 3
_SQLITE_BUSY_TIMEOUT_MS = 5000
# How often a writer waiting for another process's write unit looks again (see WriterLock).
_WRITER_POLL_S = 0.0005


def make_engine(url: str) -> Engine:
    """Create the engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``).

    Anything else is refused: the data functions rely on ``INSERT ... ON CONFLICT``, which is
    written for exactly these two databases.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        connect_args: dict[str, object] = {}
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = _POSTGRES_CONNECT_TIMEOUT_S
        # No server-side prepared statements: the planner then sees each batch's own arrays (how
        # many rows an unnest gives) and the table as it is now, instead of keeping a plan made
        # while the table was still empty (a fresh deployment's first minutes). It also keeps
        # the service usable behind a transaction-pooling PgBouncer.
        connect_args["prepare_threshold"] = None
        # Instances behind a load balancer keep pooled connections across database restarts and
        # failovers; pre-ping replaces a dead one instead of failing the request that drew it.
        engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
        event.listen(engine, "connect", _binary_arrays)
        return engine
    raise ValueError(
        f"unsupported database {backend!r} in DATABASE_URL: use sqlite:///path/to/file.sqlite3 "
        "or postgresql+psycopg://user@host:5432/name"
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions for one unit of work each; the caller commits, the data functions never do."""
    # Values already loaded stay readable after commit (for rendering the response) without a
    # second round trip to reload them.
    return sessionmaker(bind=engine, expire_on_commit=False)


def ping(engine: Engine) -> bool:
    """Whether the database answers a trivial query right now."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        logger.warning("database unreachable: %s", exc.__class__.__name__, exc_info=exc)
        return False
    return True


def writer_lock(engine: Engine) -> WriterLock | None:
    """What a unit of work that writes holds around its transaction (see :class:`WriterLock`).

    For a SQLite file, the lock beside it; for PostgreSQL (and in-memory SQLite) none: the
    server orders its writers itself.
    """
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return WriterLock(Path(f"{database}-writer.lock"))


class WriterLock:
    """One writing transaction at a time on a SQLite file, across threads and processes.

    SQLite lets one connection write at a time; the others retry on their busy timeout, which
    sleeps 1, 2, 5 ... up to 100 ms between tries and favours whoever asks at the right moment.
    Two workers each committing a batch every few milliseconds then starve each other for a
    second or more. Queued on this lock (a thread lock, then ``flock`` on a file beside the
    database) a writer starts within half a millisecond of the previous one's commit. Waiting is
    bounded by SQLite's own busy timeout; past it, or when the lock file cannot be opened, the
    unit goes ahead on SQLite's locking alone, which is what keeps the data right either way.

    A thread that holds the lock may take it again (an event loop's :meth:`try_hold` around a
    unit of work that takes :meth:`hold` itself): only the outermost holder locks the file.
    """

    def __init__(self, path: Path, timeout_s: float = _SQLITE_BUSY_TIMEOUT_MS / 1000) -> None:
        self._path = path
        self._timeout_s = timeout_s
        # One thread of this process at a time; guards _fd and _depth.
        self._threads = threading.RLock()
        self._fd: int | None = None
        self._depth = 0
        self._warned = False

    @contextlib.contextmanager
    def hold(self) -> Iterator[object]:
        deadline = time.monotonic() + self._timeout_s
        if not self._threads.acquire(timeout=self._timeout_s):
            yield None
            return
        try:
            with self._held(deadline):
                yield None
        finally:
            self._threads.release()

    @contextlib.contextmanager
    def try_hold(self) -> Iterator[bool | None]:
        """:meth:`hold` without waiting: yields True when it holds the lock, False when another
        writer does, None when the lock file cannot be opened.

        For an event loop, which must not block: it tries again later instead of waiting. Without
        a lock file (None) the caller writes where waiting on SQLite's own locking harms nobody.
        """
        if not self._threads.acquire(blocking=False):
            yield False
            return
        try:
            with self._held(deadline=0.0) as locked:
                yield True if locked else (None if self._fd is None else False)
        finally:
            self._threads.release()

    @contextlib.contextmanager
    def _held(self, deadline: float) -> Iterator[bool]:
        """By the thread holding ``_threads``: the file locked by the outermost holder only;
        yields whether it is (or an outer holder of this thread took it)."""
        self._depth += 1
        fd = self._lock_file(deadline) if self._depth == 1 else None
        try:
            yield self._depth > 1 or fd is not None
        finally:
            self._depth -= 1
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _lock_file(self, deadline: float) -> int | None:
        """The lock file's descriptor once locked; None when it cannot be had in time."""
        try:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            if not self._warned:  # once: it is tried again for every unit
                logger.warning("writer lock %s unavailable (%s): SQLite's locking alone", self._path, exc)
                self._warned = True
            return None
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return None
                time.sleep(_WRITER_POLL_S)
                continue
            return self._fd


def _sqlite_engine(url: URL) -> Engine:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    event.listen(engine, "handle_error", _discard_read_only_connection)
    return engine


def _binary_arrays(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    """PostgreSQL receives Python lists (the write-behind's one array per column) in binary.

    psycopg dumps a list as text element by element in Python, about 4 µs per value; the binary
    dumper takes a tenth of that (2.3 against 23 µs per six-column row of a 300-row batch).
    """
    # Imported here: a SQLite deployment never loads psycopg.
    from psycopg.types.array import ListBinaryDumper

    dbapi_connection.adapters.register_dumper(list, ListBinaryDumper)


def _configure_sqlite_connection(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    connection = cast(sqlite3.Connection, dbapi_connection)
    # Python's sqlite3 module skips BEGIN before SELECT, DDL and SAVEPOINT, which breaks
    # savepoints and transactional migrations; SQLAlchemy emits BEGIN itself instead.
    connection.isolation_level = None
    # WAL lets readers proceed while a webhook writes; the busy timeout makes a second writer
    # wait for the lock instead of failing at once; SQLite leaves foreign keys off by default.
    connection.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL syncs at checkpoints, not at every commit: a commit survives a crash of
    # the process (the spool covers a failing database), only a power cut may undo the last ones.
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA foreign_keys=ON")


def _begin_sqlite_transaction(connection: Connection) -> None:
    # A unit of work that may write takes the write lock at its start (WRITE_UNIT): in WAL mode
    # a deferred transaction that has read fails at once with "database is locked" when it then
    # writes after another connection committed (SQLite does not wait there), which every write
    # of the write-behind would make likely. Reads stay deferred and never wait for writers.
    immediate = connection.get_execution_options().get(WRITE_UNIT, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _discard_read_only_connection(context: ExceptionContext) -> None:
    # SQLite opens a file it may not write (read-only file system, immutable or write-protected
    # file) read-only instead of failing, and that connection stays read-only after the file is
    # writable again. Dropped from the pool, it is replaced by a fresh one on the next checkout;
    # the other pooled connections are fine and stay.
    error = context.original_exception
    if isinstance(error, sqlite3.Error) and error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_READONLY:
        context.is_disconnect = True
        context.invalidate_pool_on_disconnect = False
