"""What one running app holds: settings, the loaded config, the database and the clock."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from fastapi import Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from calls import line_states
from config import HelpdeskConfig, Settings
from database.engine import WRITE_UNIT, WriterLock
from ivr.spool import Operation, Spool, apply
from ivr.twiml import Renderer
from ivr.writer import RecentLines, WriteBehind
from routing import LineState

Clock = Callable[[], datetime]
KEPT_VERSIONS = 8
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
class Runtime:
    settings: Settings
    config: HelpdeskConfig
    renderer: Renderer
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
    # The YAML file the config was read from and is reloaded from; None when the config was
    # given explicitly (a dry run), which is then never reloaded.
    config_file: Path | None = None
    # When the serving config was loaded (wall clock, also under a simulated clock).
    loaded_at: datetime = field(default_factory=system_clock)
    # The problems of the last refused edit of ``config_file``; empty while the file is good.
    config_errors: tuple[str, ...] = ()
    # Renderers of the last few configs by version: a call in progress keeps the config it
    # started with, as its webhook URLs carry ``v=<version>``.
    versions: dict[str, Renderer] = field(default_factory=dict)
    # Where writes go while the database is unreachable (None: they are only logged).
    spool: Spool | None = None
    # Batches the webhooks' writes (None: each webhook writes before it answers).
    writer: WriteBehind | None = None
    # Line states read in the last write interval (none are kept without a write-behind).
    lines: RecentLines = field(default_factory=lambda: RecentLines(0.0))
    # Held around every unit of work that writes (database.engine.writer_lock: SQLite files).
    writer_lock: WriterLock | None = None
    # One webhook read of a helpdesk's line state at a time (see :meth:`line`).
    _line_reads: dict[str, threading.Lock] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.versions = {**self.versions, self.renderer.version: self.renderer}

    def renderer_for(self, version: str) -> Renderer:
        """The renderer (and with it the config) of ``version`` if still kept, else the current one."""
        return self.versions.get(version, self.renderer)

    def install(self, renderer: Renderer, loaded_at: datetime) -> None:
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

    def write(self, operations: Sequence[Operation]) -> bool:
        """Apply ``operations`` in one transaction, or spool them when the database fails.

        Returns whether they reached the database now. Nothing is lost either way: a spooled
        batch is replayed (idempotently) once the database answers again.
        """
        try:
            with self.session() as session:
                apply(session, operations)
        except Exception:
            if self.spool is None:
                log.exception("write lost: the database failed and no spool is configured")
                return False
            log.warning("database unavailable: writes spooled", exc_info=True)
            try:
                self.spool.append(operations)
            except OSError:
                log.exception("write lost: the database failed and the spool cannot be written")
            return False
        # A flag, not a directory listing: this runs after every webhook's write.
        if self.spool is not None and self.spool.spooled_here:
            self.replay_spool()
        return True

    def submit(self, operations: Sequence[Operation]) -> None:
        """A webhook's writes: handed to the write-behind, or written now when there is none."""
        if self.writer is None:
            self.write(operations)
        else:
            self.writer.submit(operations)

    @property
    def writes_behind(self) -> bool:
        """Whether webhook writes are handed to a running write-behind (never block the loop)."""
        return self.writer is not None and self.writer.running

    async def hand_in(self, operations: Sequence[Operation]) -> None:
        """:meth:`submit` from the event loop: a direct write runs in the thread pool."""
        if self.writes_behind:
            assert self.writer is not None  # noqa: S101 - writes_behind says so
            self.writer.submit(operations)
        else:
            await run_in_threadpool(self.write, operations)

    async def keep_up(self) -> None:
        """Wait for the write-behind's next batch when it has fallen behind (after a webhook).

        Under more load than the database takes, the webhooks then slow down to the rate their
        writes are committed at, instead of the backlog (and the memory it holds) growing.
        """
        if self.writer is not None and self.writer.running and self.writer.behind():
            await self.writer.next_batch()

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
            helpdesk_id: self.lines.remember(
                helpdesk_id, LineState(agents_logged_in=agents, callers_waiting=waiting), generation
            )
            for helpdesk_id, (agents, waiting) in read.items()
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

    def refresh_lines(self) -> None:
        """Re-read the line states the webhooks asked for since the last refresh (the
        write-behind, after each batch).

        When the read fails the entries are left to expire: the webhooks then read for
        themselves and meet the failure with their own fail-safe answers.
        """
        asked = self.lines.asked()
        if not asked:
            return
        try:
            self.read_lines(asked)
        except Exception:
            log.debug("line states not refreshed: the database failed", exc_info=True)

    def replay_spool(self) -> int:
        """Replay spooled writes; 0 when there are none or the database still fails."""
        if self.spool is None:
            return 0
        try:
            return self.spool.replay(self.sessions)
        except Exception:
            log.warning("spooled writes kept: the database still fails", exc_info=True)
            return 0

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


async def runtime(request: Request) -> Runtime:
    """The app's runtime (a coroutine: FastAPI would run a plain function in a thread)."""
    value: Runtime = request.app.state.runtime
    return value
