"""What one running app holds: settings, the loaded config, the database and the clock."""

from __future__ import annotations

import collections
import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from fastapi import Request
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from calllog import wait_history
from calls import FoldedRead, line_states, line_states_with, lock_lines
from calls import closures as stored_closures
from config import HelpdeskConfig, Settings
from database import Letter, store_dead_letters
from database.dead_letters import ERROR_LENGTH
from database.engine import WRITE_UNIT, WriterLock
from outbound.returning import returning_params, returning_query
from routing import Closure, LineState, WaitHistory
from service.closures import RecentClosures
from service.histories import WaitHistories
from service.operations import Admission, Admitted, Item, Operation, Seen, apply, describe
from service.spool import Spool
from service.writer import GroupCommit, RecentLines

Clock = Callable[[], datetime]


class Served(Protocol):
    """What the service serves for one config version: built from it by the adapter (the Twilio
    line's renderer), kept per version so that a call in progress keeps the config it began with."""

    @property
    def config(self) -> HelpdeskConfig: ...

    @property
    def version(self) -> str: ...


S = TypeVar("S", bound=Served)
KEPT_VERSIONS = 8
# A write that failed within this many seconds came from a database that answered: arrivals are
# then decided on what it still reads (a read-only or full disk) instead of the fail-safe.
READ_AFTER_FAILURE_S = 0.5
log = logging.getLogger("ivr")


def system_clock() -> datetime:
    return datetime.now(UTC)


def twilio_token(settings: Settings) -> str:
    """The Auth Token that signs webhooks; a local run without one gets a development token."""
    if settings.twilio_auth_token is not None:
        return settings.twilio_auth_token.get_secret_value()
    token = secrets.token_hex(16)
    # Printed on purpose: the developer needs it to sign requests to a local run. It is random
    # per process and never valid on Twilio.
    print(f"No TWILIO_AUTH_TOKEN set: development token for this run is {token}")
    return token


def caller_hash_key(settings: Settings, token: str) -> bytes:
    """The key of the caller-number hash: configured, or derived from the Twilio token."""
    if settings.ivr_caller_hash_key is not None:
        return settings.ivr_caller_hash_key.get_secret_value().encode()
    return hmac.new(token.encode(), b"ivr caller hash key", hashlib.sha256).digest()


@dataclass
class Runtime(Generic[S]):
    """The process's state: config versions, database, write path, line states, clock."""

    settings: Settings
    config: HelpdeskConfig
    # What is served for the current config (the Twilio adapter's renderer).
    renderer: S
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    validator: RequestValidator
    caller_key: bytes
    # Twilio's REST API; None without TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (REST actions off).
    twilio: Client | None = None
    # Called with the helpdesk id after an agent went on break or offline (callers may have to
    # leave the queue now that fewer agents take calls).
    presence_listeners: list[Callable[[str], object]] = field(default_factory=list)
    # Called with the id of each new escalation once it is committed (announcing it elsewhere).
    escalation_listeners: list[Callable[[int], object]] = field(default_factory=list)
    # The YAML file the config was read from and is reloaded from; None when the config was
    # given explicitly (a dry run), which is then never reloaded.
    config_file: Path | None = None
    # When the serving config was loaded (wall clock, also under a simulated clock).
    loaded_at: datetime = field(default_factory=system_clock)
    # The problems of the last refused edit of ``config_file``; empty while the file is good.
    config_errors: tuple[str, ...] = ()
    # Renderers of the last few configs by version: a call in progress keeps the config it
    # started with, as its webhook URLs carry ``v=<version>``.
    versions: dict[str, S] = field(default_factory=dict)
    # Where writes go while the database is unreachable (None: they are only logged).
    spool: Spool | None = None
    # Commits the webhooks' writes together (None: each webhook writes its own transaction).
    writer: GroupCommit | None = None
    # Line states read a moment ago, for the webhooks that may use them (none kept by default).
    lines: RecentLines = field(default_factory=lambda: RecentLines(0.0))
    # Recent answered calls per helpdesk, for the estimated wait (read once a minute at most).
    histories: WaitHistories = field(default_factory=WaitHistories)
    # The closures set by ops, read at most a second ago (every instance applies a change fast).
    closures: RecentClosures = field(default_factory=RecentClosures)
    # Held around every unit of work that writes (database.engine.writer_lock: SQLite files).
    writer_lock: WriterLock | None = None
    # Operations kept as dead letters (refused by the database for what they hold) since start.
    dead_lettered: int = 0
    # When refresh_lines may read again (monotonic clock).
    _next_refresh: float = field(default=0.0, repr=False)
    # One webhook read of a helpdesk's line state at a time (see :meth:`line`).
    _line_reads: dict[str, threading.Lock] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.versions = {**self.versions, self.renderer.version: self.renderer}

    def renderer_for(self, version: str) -> S:
        """The renderer (and with it the config) of ``version`` if still kept, else the current one."""
        return self.versions.get(version, self.renderer)

    def install(self, renderer: S, loaded_at: datetime) -> None:
        """Serve ``renderer``'s config from now on; keeps the last ``KEPT_VERSIONS`` versions."""
        kept = {v: r for v, r in self.versions.items() if v != renderer.version}
        kept[renderer.version] = renderer
        # Each assignment is atomic; readers take ``renderer`` (which holds its config) once.
        self.versions = dict(list(kept.items())[-KEPT_VERSIONS:])
        self.renderer = renderer
        self.config = renderer.config
        self.loaded_at = loaded_at
        self.config_errors = ()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """The request's unit of work: committed at the end, rolled back on error."""
        held = self.writer_lock.hold() if self.writer_lock is not None else nullcontext()
        with held, self.sessions() as session, session.begin():
            # On SQLite it takes the write lock at BEGIN (IMMEDIATE); other databases ignore it.
            session.connection(execution_options={WRITE_UNIT: True})
            yield session

    def commit(self, items: Sequence[Item]) -> list[Admitted]:
        """Write ``items`` durably: committed, or spooled while the database fails.

        The operations and the arrivals to decide (:class:`Admission`) are written in one
        transaction. Returns each admission's result, in order. A batch the database refuses for
        what one of its items holds (not for being unreachable) is split until that item stands
        alone: it is then kept in the dead-letter table (or file) and the rest is committed. While
        the database is unreachable the operations are appended to the spool and every admission
        takes its fail-safe answer.
        """
        results, _ = self._commit_splitting(list(items), spool=True)
        return [results[id(item)] for item in items if isinstance(item, Admission)]

    def write(self, operations: Sequence[Operation]) -> bool:
        """Write ``operations`` in one transaction, or spool them when the database fails.

        Returns whether they reached the database (or its dead-letter table) now. Nothing is lost
        either way: a spooled batch is replayed (idempotently) once the database answers again.
        """
        _, reached = self._commit_splitting(list(operations), spool=True)
        return reached

    def _commit_splitting(self, items: list[Item], *, spool: bool) -> tuple[dict[int, Admitted], bool]:
        """:meth:`commit`'s work; with ``spool`` False an outage raises instead (spool replay).

        Returns the admissions' results by ``id``, and whether nothing had to be spooled.
        """
        results: dict[int, Admitted] = {}
        chunks: collections.deque[list[Item]] = collections.deque([items] if items else [])
        while chunks:
            chunk = chunks.popleft()
            started = time.monotonic()
            try:
                results.update(self._transaction(chunk))
                continue
            except Exception as exc:
                if is_outage(exc):
                    if not spool:
                        raise
                    rest = [item for part in (chunk, *chunks) for item in part]
                    # A database that said at once that it cannot write may still be read.
                    readable = time.monotonic() - started < READ_AFTER_FAILURE_S
                    self._spool_outage(rest, results, exc, readable=readable)
                    return results, False
                error = exc
            if len(chunk) > 1:
                half = len(chunk) // 2
                chunks.extendleft([chunk[half:], chunk[:half]])
                continue
            item = chunk[0]
            if isinstance(item, Admission):
                # Its own operations are refused: the caller takes the fail-safe answer instead.
                log.warning(
                    "arrival not recorded: %s; fail-safe answer",
                    _error_text(error),
                    extra={"helpdesk": item.helpdesk_id},
                )
                results[id(item)] = item.fallback
                chunks.appendleft(list(item.fallback.operations))
            else:
                self._dead_letter(item, error)
        if spool and items:
            self._replay_if_spooled()
        return results, True

    def _transaction(self, chunk: Sequence[Item]) -> dict[int, Admitted]:
        """``chunk`` in one transaction: its admissions decided in order, then all written at once.

        The admissions are decided on the line state committed before this transaction (the lock
        held from before the read to the commit), each counting the callers queued before it.
        Departures handed in with them count from the next batch on: they are as concurrent with
        these arrivals as can be, and counting them late never lets a caller in over the cap.
        """
        operations = [item for item in chunk if not isinstance(item, Admission)]
        admissions = [item for item in chunk if isinstance(item, Admission)]
        results: dict[int, Admitted] = {}
        lines: dict[str, LineState] = {}
        generation = self.lines.generation
        with self.session() as session:
            if admissions:
                lock_lines(session, [admission.helpdesk_id for admission in admissions])
                lines, returning = _admission_reads(session, admissions)
                operations.extend(_decide_in_order(admissions, lines, returning, results))
            apply(session, operations)
        for helpdesk_id, line in lines.items():
            self.lines.remember(helpdesk_id, line, generation)
        return results

    def _spool_outage(
        self, items: Sequence[Item], results: dict[int, Admitted], error: BaseException, *, readable: bool
    ) -> None:
        """The database cannot be written: spool ``items``' operations.

        The admissions among them are decided on the line states if the database can still be
        read (``readable``: it refused quickly), else they take their fail-safe answers.
        """
        admissions = [item for item in items if isinstance(item, Admission)]
        operations = [item for item in items if not isinstance(item, Admission)]
        read: tuple[dict[str, LineState], list[int | None]] | None = None
        if admissions and readable:
            try:
                with self.sessions() as session:
                    read = _admission_reads(session, admissions)
            except Exception:
                log.debug("line states unreadable too: fail-safe answers", exc_info=True)
        if read is not None:
            operations.extend(_decide_in_order(admissions, *read, results))
        else:
            for admission in admissions:
                results[id(admission)] = admission.fallback
                operations.extend(admission.fallback.operations)
        if self.spool is None:
            log.error("write lost: the database failed (%s) and no spool is configured", _error_text(error))
            return
        log.warning("database unavailable: writes spooled (%s)", _error_text(error))
        try:
            self.spool.append(operations)
        except OSError:
            log.exception("write lost: the database failed and the spool cannot be written")

    def _dead_letter(self, operation: Operation, error: BaseException) -> None:
        """Keep ``operation``, which the database refused for what it holds, with its error."""
        letter = Letter(failed_at=self.clock(), operation=describe(operation), error=_error_text(error))
        self.dead_lettered += 1
        log.warning(
            "write refused, kept as a dead letter: %s", letter.error, extra={"operation": letter.operation}
        )
        try:
            with self.session() as session:
                store_dead_letters(session, [letter])
        except Exception as exc:
            if self.spool is None:
                log.error("dead letter lost: %s", _error_text(exc), extra={"operation": letter.operation})
                return
            try:
                self.spool.dead_letter(letter)
            except OSError:
                log.exception("dead letter lost: neither the database nor the spool took it")

    def _replay_if_spooled(self) -> None:
        # A flag, not a directory listing: this runs after every batch.
        if self.spool is not None and self.spool.spooled_here:
            self.replay_spool()

    async def hand_in(self, operations: Sequence[Operation]) -> None:
        """A webhook's writes, durable when this returns (group commit, or written here)."""
        await self.submit(operations)

    async def submit(self, items: Sequence[Item]) -> list[Admitted]:
        """:meth:`commit` from the event loop: by the group commit, else in the thread pool."""
        if self.writer is not None and self.writer.running:
            return await self.writer.submit(items)
        return await run_in_threadpool(self.commit, items)

    async def admit(self, admission: Admission) -> Admitted:
        """Decide and record a caller's arrival (see :class:`Admission`); durable on return."""
        try:
            (admitted,) = await self.submit([admission])
        except Exception:
            log.exception("arrival not written; fail-safe answer", extra={"helpdesk": admission.helpdesk_id})
            return admission.fallback
        return admitted

    def flush(self) -> None:
        """Write what the webhooks handed in, before reading what must include it."""
        if self.writer is not None:
            self.writer.flush()

    def read_lines(self, helpdesk_ids: Sequence[str]) -> dict[str, LineState]:
        """Read the line states of ``helpdesk_ids`` in one session and remember them.

        A presence change made while the read runs forgets them again: that read is not kept.
        """
        generation = self.lines.generation
        with self.sessions() as session:
            read = line_states(session, helpdesk_ids)
        return {
            helpdesk_id: self.lines.remember(helpdesk_id, line, generation)
            for helpdesk_id, line in read.items()
        }

    def line(self, helpdesk_id: str) -> LineState:
        """The line state of ``helpdesk_id`` for a webhook: remembered if recent, else read.

        One read per helpdesk at a time: webhooks that find no recent state while another one
        reads it wait for that read and take its result, so that a late write-behind batch
        costs one database read per helpdesk instead of one per webhook (and connection).
        """
        with self._line_reads.setdefault(helpdesk_id, threading.Lock()):
            recent = self.lines.recent(helpdesk_id)
            if recent is not None:
                return recent
            return self.read_lines([helpdesk_id])[helpdesk_id]

    def wait_history(self, helpdesk_id: str, now: datetime) -> WaitHistory:
        """The recent answered calls of ``helpdesk_id`` (for a waiting caller's estimated wait):
        kept for a minute, else read."""
        history = self.histories.recent(helpdesk_id, now)
        if history is not None:
            return history
        with self.sessions() as session:
            history = wait_history(session, helpdesk_id, now)
        return self.histories.remember(helpdesk_id, now, history)

    def read_closures(self) -> Mapping[str, Closure]:
        """The closures set by ops by helpdesk, at most ``closures``' TTL old (may read: blocking)."""
        return self.closures.read(self._load_closures)

    def _load_closures(self) -> dict[str, Closure]:
        with self.sessions() as session:
            return {helpdesk_id: state.closure for helpdesk_id, state in stored_closures(session).items()}

    async def closure(self, helpdesk_id: str) -> Closure | None:
        """The closure of ``helpdesk_id`` for a webhook (expired or not); read off the event loop
        when the one known is not recent."""
        known = self.closures.recent()
        if known is None:
            known = await run_in_threadpool(self.read_closures)
        return known.get(helpdesk_id)

    def refresh_lines(self) -> None:
        """Re-read the line states the webhooks asked for since the last refresh (the
        write-behind, after each batch).

        When the read fails the entries are left to expire: the webhooks then read for
        themselves and meet the failure with their own fail-safe answers.
        """
        now = time.monotonic()
        if now < self._next_refresh:
            return
        asked = self.lines.asked()
        if not asked:
            return
        # At most twice per lifetime of an entry: a batch may follow the previous one at once.
        self._next_refresh = now + self.lines.ttl_s / 2
        try:
            self.read_lines(asked)
        except Exception:
            log.debug("line states not refreshed: the database failed", exc_info=True)

    def replay_spool(self) -> int:
        """Replay spooled writes; 0 when there are none or the database still fails."""
        if self.spool is None:
            return 0
        try:
            return self.spool.replay(self._replay, self._dead_letter_line)
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.warning("spooled writes kept: the database still fails (%s)", _error_text(exc))
            return 0

    def _replay(self, operations: list[Operation]) -> None:
        self._commit_splitting(list(operations), spool=False)

    def _dead_letter_line(self, line: str, error: BaseException) -> None:
        """A spooled line that cannot be read back: kept in the spool's dead-letter file."""
        self.dead_lettered += 1
        log.warning("spooled line unreadable, kept as a dead letter: %s", _error_text(error))
        assert self.spool is not None  # noqa: S101 - only the spool calls this
        self.spool.dead_letter(Letter(failed_at=self.clock(), operation=line, error=_error_text(error)))

    def presence_changed(self, helpdesk_id: str) -> None:
        """Tell every listener that ``helpdesk_id`` has fewer agents taking calls.

        Called after the change is committed; a failing listener is logged and does not keep the
        others from running, nor fail the request that changed the presence.
        """
        self.lines.forget(helpdesk_id)
        for listener in self.presence_listeners:
            try:
                listener(helpdesk_id)
            except Exception:
                log.exception("presence listener failed", extra={"helpdesk": helpdesk_id})

    def escalation_stored(self, escalation_id: int) -> None:
        """Tell every listener that the escalation ``escalation_id`` was stored (committed).

        Like :meth:`presence_changed`, a failing listener is logged and fails nothing else.
        """
        for listener in self.escalation_listeners:
            try:
                listener(escalation_id)
            except Exception:
                log.exception("escalation listener failed", extra={"escalation": escalation_id})


async def runtime(request: Request) -> Runtime[Any]:
    """The app's runtime (a coroutine: FastAPI would run a plain function in a thread)."""
    value: Runtime[Any] = request.app.state.runtime
    return value


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be written now, rather than refusing one write.

    Unreachable, disconnected, locked, read-only, out of space or a pool exhausted: the same
    write succeeds later, so it is spooled. Anything else (a value a column cannot hold or the
    driver cannot send, a broken constraint, a bug in one operation) fails again every time, and
    is kept aside as a dead letter instead of holding up the writes after it.
    """
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(
        error,
        OperationalError | InterfaceError | DisconnectionError | PoolTimeout | OSError,
    )


def _admission_reads(
    session: Session, admissions: Sequence[Admission]
) -> tuple[dict[str, LineState], list[int | None]]:
    """The line states of the admissions' helpdesks and, per admission, the outbound call its
    caller returns (``None`` where not asked): one round trip, the same as the line states alone."""
    checks = [
        FoldedRead(
            returning_query,
            returning_params(check.number_hash, admission.helpdesk_id, check.now, check.window_hours),
        )
        for admission in admissions
        if (check := admission.returning) is not None
    ]
    lines, found = line_states_with(session, [admission.helpdesk_id for admission in admissions], checks)
    attempts = iter(found)
    return lines, [None if admission.returning is None else next(attempts) for admission in admissions]


def _decide_in_order(
    admissions: Sequence[Admission],
    lines: dict[str, LineState],
    returning: Sequence[int | None],
    results: dict[int, Admitted],
) -> list[Operation]:
    """Decide ``admissions`` one after the other, each counting the callers queued before it;
    ``returning``: per admission, the outbound call its caller returns.

    Updates ``lines`` and ``results`` (by ``id``); returns the operations that record them.
    """
    operations: list[Operation] = []
    for admission, attempt in zip(admissions, returning, strict=True):
        line = lines[admission.helpdesk_id]
        result = _decided(admission, Seen(line, attempt))
        if result.queued:
            lines[admission.helpdesk_id] = LineState(
                agents_logged_in=line.agents_logged_in, callers_waiting=line.callers_waiting + 1
            )
        results[id(admission)] = result
        operations.extend(result.operations)
    return operations


def _decided(admission: Admission, seen: Seen) -> Admitted:
    try:
        return admission.decide(seen)
    except Exception:
        log.exception("arrival decision failed; fail-safe routing", extra={"helpdesk": admission.helpdesk_id})
        return admission.fallback


def _error_text(error: BaseException) -> str:
    """One line naming ``error``, for the log and the dead-letter table (no traceback)."""
    text = " ".join(str(getattr(error, "orig", None) or error).split())
    return f"{type(error).__name__}: {text}"[:ERROR_LENGTH]
