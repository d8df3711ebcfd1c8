"""Write-behind for the webhooks: their writes are committed in batches by one writer.

A webhook's answer never waits for the database: it hands its writes (queue entries, call-log
events) to :class:`WriteBehind` and answers at once. Every ``interval_s`` the writer commits
everything handed in since, in one transaction, through the same path as a direct write
(spooled on local disk when the database fails). At ten webhooks in an interval that is one
transaction instead of ten, and on SQLite a few writers instead of one per request waiting for
the lock. Writes of one process reach the database in the order they were handed in.

The writer is a thread (:meth:`WriteBehind.start`) for a database across the network, whose
round trips must not hold up the event loop; for a SQLite file it is a task of the event loop
itself (:meth:`WriteBehind.start_in_loop`). A batch there is a few milliseconds of work on a
local file, written once the writer lock is free (never waiting for it), and it competes with
nothing: a thread would release Python's lock at every statement and row SQLite steps through
and then wait up to a switch interval (5 ms) to get it back from the busy event loop, which
under load left it far behind the webhooks.

What is read back soon after (the count of waiting callers, the KPIs) may lag the calls by up
to one interval; what acts on the queue (REST redirects, the reaper) calls :meth:`flush` first.
After each batch the writer runs ``after`` (the runtime re-reads the line states the
webhooks asked for), so that the webhooks themselves rarely wait for a read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager

from ivr.spool import Operation
from routing import LineState

log = logging.getLogger("ivr.writer")
# Handed-in operations that wake the writer before its interval is over.
FLUSH_AT = 500
# Operations pending beyond which the webhooks wait for a batch to be written (see
# Runtime.keep_up): the writer has fallen behind, and memory must not grow with the backlog.
BACKLOG = 2 * FLUSH_AT
# How often the event loop's writer looks again for a writer lock held elsewhere, and how long it
# keeps looking before it writes from a thread (which may wait on SQLite's own locking).
TURN_POLL_S = 0.0005
TURN_WAIT_S = 1.0
# Takes the writer lock if free: yields True (held), False (busy) or None (no lock to take).
Turn = Callable[[], AbstractContextManager[bool | None]]


class WriteBehind:
    """Batches operations for ``write`` (one transaction per call); a thread or a task flushes them."""

    def __init__(
        self,
        write: Callable[[Sequence[Operation]], object],
        interval_s: float,
        after: Callable[[], object] | None = None,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        self._write = write
        self._after = after
        self._interval_s = interval_s
        self._pending: list[Operation] = []
        # Event-loop futures waiting for the next batch to be written (see next_batch).
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._lock = threading.Lock()  # guards _pending and _waiters
        self._flushing = threading.Lock()  # one batch at a time, in order
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        # The event loop's writer (start_in_loop): its loop, task, wake-up and end.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop_wake: asyncio.Event | None = None
        self._task_ended = threading.Event()

    @property
    def interval_s(self) -> float:
        """Seconds between batches (sooner when FLUSH_AT operations are pending)."""
        return self._interval_s

    @property
    def running(self) -> bool:
        return self._thread is not None or self._task is not None

    def submit(self, operations: Sequence[Operation]) -> None:
        """Hand ``operations`` in; written now when the writer is not running."""
        if not operations:
            return
        with self._lock:
            self._pending.extend(operations)
            full = len(self._pending) >= FLUSH_AT
        if not self.running:
            self.flush()
        elif full:
            self._wake_writer()

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def behind(self) -> bool:
        """Whether more than :data:`BACKLOG` operations wait: the writer is not keeping up."""
        return len(self._pending) > BACKLOG  # one read of a list's length: no lock needed

    def next_batch(self) -> asyncio.Future[None]:
        """A future of the running loop, done once a batch begun after this call is written.

        What a webhook awaits when the writer has fallen behind: no thread waits for it.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if not self.running:  # stopped (its last flush is done or sees this waiter)
                future.set_result(None)
                return future
            self._waiters.append((loop, future))
        self._wake_writer()
        return future

    def flush(self) -> None:
        """Write everything handed in so far (in the calling thread)."""
        with self._flushing:
            self._flush_held()

    def _flush_held(self) -> None:
        """:meth:`flush`, by whoever holds ``_flushing``."""
        with self._lock:
            batch, self._pending = self._pending, []
            waiters, self._waiters = self._waiters, []
        try:
            if batch:
                self._write(batch)
        finally:
            for loop, future in waiters:
                if loop is self._loop and self._on_loop_thread():
                    _done(future)  # the loop's own writer: no wake-up through its pipe
                    continue
                # RuntimeError: its loop has closed, nobody waits any more.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_done, future)

    def start(self) -> None:
        """Write the batches from a thread of their own."""
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="ivr-write-behind", daemon=True)
        self._thread.start()

    def start_in_loop(self, turn: Turn | None = None) -> None:
        """Write the batches from a task of the running event loop (for a local database).

        ``turn`` tries to take the database's writer lock without waiting, yielding True when
        it did, False when another writer holds it and None when there is no lock to take (see
        ``database.engine.WriterLock.try_hold``). While another writer holds it the task looks
        again every :data:`TURN_POLL_S`, serving webhooks in between; after :data:`TURN_WAIT_S`,
        or without a lock, it writes the batch from a thread instead, which may wait.
        """
        if self.running:
            return
        self._stopping.clear()
        self._task_ended.clear()
        self._loop = asyncio.get_running_loop()
        self._loop_wake = asyncio.Event()
        self._task = self._loop.create_task(self._run_in_loop(turn), name="ivr-write-behind")

    def stop(self) -> None:
        """Stop the writer after writing what is pending.

        A writer of the event loop is stopped from another thread (the loop must go on to let
        its task end); from the loop itself use :meth:`aclose`.
        """
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stopping.set()
            self._wake.set()
            thread.join()
        if self._task is not None:
            if self._loop is not None and self._on_loop_thread():
                raise RuntimeError("stop() would wait for the event loop it runs on: await aclose()")
            self._stopping.set()
            self._wake_writer()
            # A loop closed before its writer ended will not run it again.
            while not self._task_ended.wait(0.1) and not (self._loop is None or self._loop.is_closed()):
                pass
            self._task = None
        self.flush()

    async def aclose(self) -> None:
        """:meth:`stop`, awaited on the event loop."""
        task = self._task
        if task is None or not self._on_loop_thread():
            await asyncio.to_thread(self.stop)
            return
        self._stopping.set()
        self._wake_writer()
        # It ends at its next wake-up; what it raised was logged (or it was cancelled).
        await asyncio.gather(task, return_exceptions=True)
        self._task = None
        await asyncio.to_thread(self.flush)

    def _on_loop_thread(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def _wake_writer(self) -> None:
        self._wake.set()
        loop, wake = self._loop, self._loop_wake
        if self._task is not None and loop is not None and wake is not None:
            if self._on_loop_thread():
                wake.set()
            else:
                # RuntimeError: the loop has closed, its writer with it.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(wake.set)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self._interval_s)
            self._wake.clear()
            self._batch()

    async def _run_in_loop(self, turn: Turn | None) -> None:
        wake = self._loop_wake
        assert wake is not None  # noqa: S101 - set by start_in_loop
        try:
            while not self._stopping.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), self._interval_s)
                wake.clear()
                try:
                    written = await self._write_in_loop(turn)
                except Exception:
                    # Taking the lock failed (a bug, or the lock file's file system): the batch
                    # is written from a thread below, so that no webhook waits for it forever.
                    log.exception("write-behind turn failed")
                    written = False
                if written:
                    self._run_after()
                else:
                    await asyncio.to_thread(self._batch)
        finally:
            self._task_ended.set()

    async def _write_in_loop(self, turn: Turn | None) -> bool:
        """One batch written on the loop once nobody else writes; False: write it elsewhere."""
        deadline = time.monotonic() + TURN_WAIT_S
        while True:
            if self._flushing.acquire(blocking=False):
                try:
                    with turn() if turn is not None else contextlib.nullcontext(True) as mine:
                        if mine is None:  # no lock to take: waiting on SQLite must not block the loop
                            return False
                        if mine:
                            self._logged(self._flush_held)
                            return True
                finally:
                    self._flushing.release()
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(TURN_POLL_S)

    def _batch(self) -> None:
        """One batch written in the calling thread, and the work after it."""
        self._logged(self.flush)
        self._run_after()

    @staticmethod
    def _logged(flush: Callable[[], None]) -> None:
        try:
            flush()
        except Exception:
            # write() spools what the database refuses; this is a bug, not an outage.
            log.exception("write-behind batch failed")

    def _run_after(self) -> None:
        if self._after is not None:
            try:
                self._after()
            except Exception:
                log.exception("after-batch work failed")


def _done(future: asyncio.Future[None]) -> None:
    if not future.done():  # a waiter that gave up cancelled it
        future.set_result(None)


class RecentLines:
    """Line states (agents logged in, callers waiting) read within the last ``ttl_s``, per helpdesk.

    With a write-behind the database already lags the webhooks by up to one interval, so a line
    state read a few intervals ago is as good as a new read: at a busy helpdesk the webhooks then
    need no database round trip. The write-behind re-reads, after each batch, the
    helpdesks the webhooks asked for (:meth:`asked`), so that their entries rarely expire while
    calls come in. An instance that changes presence forgets its helpdesk's entry at once, and a
    read that began before the change is not kept. ``ttl_s`` 0 keeps nothing.
    """

    def __init__(self, ttl_s: float) -> None:
        self._ttl_s = ttl_s
        self._lines: dict[str, tuple[float, LineState]] = {}
        self._asked: set[str] = set()
        # Bumped by forget(): a read that started before it is stale.
        self._generation = 0

    @property
    def generation(self) -> int:
        """Pass to :meth:`remember` the value read before the database was."""
        return self._generation

    def recent(self, helpdesk_id: str) -> LineState | None:
        if self._ttl_s <= 0:
            return None
        self._asked.add(helpdesk_id)
        found = self._lines.get(helpdesk_id)
        if found is None or time.monotonic() >= found[0]:
            return None
        return found[1]

    def asked(self) -> list[str]:
        """The helpdesks asked for since the last call (each webhook asking again re-adds its own)."""
        asked, self._asked = self._asked, set()
        return sorted(asked)

    def remember(self, helpdesk_id: str, line: LineState, generation: int | None = None) -> LineState:
        """Keep ``line`` for ``ttl_s``, unless the helpdesk was forgotten since ``generation``."""
        if self._ttl_s > 0 and (generation is None or generation == self._generation):
            # One assignment: atomic for readers on other threads.
            self._lines[helpdesk_id] = (time.monotonic() + self._ttl_s, line)
        return line

    def forget(self, helpdesk_id: str) -> None:
        self._generation += 1
        self._lines.pop(helpdesk_id, None)
