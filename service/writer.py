"""Group commit for the webhooks: a webhook answers once its writes are durable.

A webhook hands its writes (queue entries, call-log events, arrivals to decide) to
:class:`GroupCommit` and waits for them: the writer commits everything handed in while its
previous commit ran, in one transaction, and releases the answers of that batch together. The
write itself is the runtime's (``Runtime.commit``): committed, or appended and fsynced to the
local spool while the database fails. So an answered webhook is on record even if the process is
killed right after answering, and under load ten webhooks cost one transaction instead of ten
(on SQLite also one turn at the write lock instead of ten). Writes of one process reach the
database in the order they were handed in.

The writer is a thread (:meth:`GroupCommit.start`) for a database across the network, whose
round trips must not hold up the event loop; for a SQLite file it is a task of the event loop
itself (:meth:`GroupCommit.start_in_loop`). A batch there is a few milliseconds of work on a
local file, written once the writer lock is free (never waiting for it), and it competes with
nothing: a thread would release Python's lock at every statement and row SQLite steps through
and then wait up to a switch interval to get it back from the busy event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from routing import LineState
from service.operations import Admission, Admitted, Item

log = logging.getLogger("ivr.writer")
# How often the event loop's writer looks again for a writer lock held elsewhere, and how long it
# keeps looking before it writes from a thread (which may wait on SQLite's own locking).
TURN_POLL_S = 0.0005
# Turns of the event loop its writer lets pass before taking a batch (see _catch_up).
CATCH_UP_TURNS = 2
TURN_WAIT_S = 1.0
# Takes the writer lock if free: yields True (held), False (busy) or None (no lock to take).
Turn = Callable[[], AbstractContextManager[bool | None]]
# Commits items in one go (or spools them); returns the admissions' results in order.
Commit = Callable[[Sequence[Item]], list[Admitted]]


@dataclass
class _Request:
    """One webhook's items and how it is told that they are written."""

    items: Sequence[Item]
    loop: asyncio.AbstractEventLoop | None
    future: asyncio.Future[list[Admitted]] | None
    # For a caller on another thread (no event loop): set once written.
    done: threading.Event | None = None
    result: list[Admitted] = field(default_factory=list)
    error: BaseException | None = None


class GroupCommit:
    """Commits the items handed in as one batch per turn; a thread or a task runs the turns."""

    def __init__(self, commit: Commit, after: Callable[[], object] | None = None) -> None:
        self._commit = commit
        self._after = after
        self._pending: list[_Request] = []
        self._lock = threading.Lock()  # guards _pending
        self._flushing = threading.Lock()  # one batch at a time, in order
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        # The event loop's writer (start_in_loop): its loop, task and wake-up.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop_wake: asyncio.Event | None = None
        self._task_ended = threading.Event()

    @property
    def running(self) -> bool:
        return self._thread is not None or self._task is not None

    def pending(self) -> int:
        """Items handed in and not yet written."""
        with self._lock:
            return sum(len(request.items) for request in self._pending)

    async def submit(self, items: Sequence[Item]) -> list[Admitted]:
        """Hand ``items`` in and wait until they are written; returns the admissions' results.

        Written in the calling thread when the writer is not running.
        """
        if not self.running:
            return await asyncio.to_thread(self.write_now, items)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Admitted]] = loop.create_future()
        with self._lock:
            self._pending.append(_Request(items, loop, future))
        self._wake_writer()
        # Shielded: a webhook given up on (the client went away) does not take the batch with it.
        return await asyncio.shield(future)

    def submit_and_wait(self, items: Sequence[Item]) -> list[Admitted]:
        """:meth:`submit` from a thread that is not the writer's event loop (blocks)."""
        if not self.running or self._on_loop_thread():
            return self.write_now(items)
        request = _Request(items, None, None, done=threading.Event())
        with self._lock:
            self._pending.append(request)
        self._wake_writer()
        assert request.done is not None  # noqa: S101 - set above
        request.done.wait()
        if request.error is not None:
            raise request.error
        return request.result

    def write_now(self, items: Sequence[Item]) -> list[Admitted]:
        """Write ``items`` in the calling thread, after what was handed in before."""
        with self._flushing:
            self._flush_held()
            return self._commit(items)

    def flush(self) -> None:
        """Write everything handed in so far (in the calling thread)."""
        with self._flushing:
            self._flush_held()

    def _flush_held(self) -> None:
        """:meth:`flush`, by whoever holds ``_flushing``: one batch, its requests released together."""
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return
        items = [item for request in batch for item in request.items]
        try:
            results = self._commit(items)
        except Exception as exc:
            # The commit spools what the database refuses: this is a bug, not an outage.
            log.exception("group commit failed")
            for request in batch:
                self._release(request, error=exc)
            return
        admitted = iter(results)
        for request in batch:
            mine = [next(admitted) for item in request.items if isinstance(item, Admission)]
            self._release(request, result=mine)

    def _release(
        self, request: _Request, result: list[Admitted] | None = None, error: BaseException | None = None
    ) -> None:
        if request.done is not None:
            request.result, request.error = result or [], error
            request.done.set()
            return
        loop, future = request.loop, request.future
        assert loop is not None  # noqa: S101 - an event loop's request
        assert future is not None  # noqa: S101
        if loop is self._loop and self._on_loop_thread():
            _settle(future, result, error)  # the loop's own writer: no wake-up through its pipe
            return
        # RuntimeError: its loop has closed, nobody waits any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle, future, result, error)

    def start(self) -> None:
        """Write the batches from a thread of their own."""
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="ivr-group-commit", daemon=True)
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
        self._task = self._loop.create_task(self._run_in_loop(turn), name="ivr-group-commit")

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
        # It ends once nothing is pending; what it raised was logged (or it was cancelled).
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

    def _has_pending(self) -> bool:
        return bool(self._pending)  # one read of a list's length: no lock needed

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            # As soon as one commit ends the next takes whatever came in meanwhile.
            while self._has_pending():
                self.flush()
                self._run_after()
            if self._stopping.is_set():
                return

    async def _run_in_loop(self, turn: Turn | None) -> None:
        wake = self._loop_wake
        assert wake is not None  # noqa: S101 - set by start_in_loop
        try:
            while True:
                await wake.wait()
                wake.clear()
                while self._has_pending():
                    await self._catch_up()
                    try:
                        written = await self._write_in_loop(turn)
                    except Exception:
                        # Taking the lock failed (a bug, or the lock file's file system): the batch
                        # is written from a thread below, so that no webhook waits for it forever.
                        log.exception("group commit turn failed")
                        written = False
                    if not written:
                        await asyncio.to_thread(self.flush)
                    self._run_after()
                    # Let the webhooks woken by this batch run before the next one is taken.
                    await asyncio.sleep(0)
                if self._stopping.is_set():
                    return
        finally:
            self._task_ended.set()

    @staticmethod
    async def _catch_up() -> None:
        """Let the loop take in what has already arrived before the batch is taken.

        The writer runs on the loop, so nothing is handed in while it commits: the requests that
        came meanwhile wait in their sockets. Two turns of the loop read them and run their
        handlers up to their hand-in (one turn reads, the next runs the new tasks), so that they
        join this batch instead of each costing a transaction of its own; on an idle loop the
        turns take microseconds.
        """
        for _ in range(CATCH_UP_TURNS):
            await asyncio.sleep(0)

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
                            self._flush_held()
                            return True
                finally:
                    self._flushing.release()
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(TURN_POLL_S)

    def _run_after(self) -> None:
        if self._after is not None:
            try:
                self._after()
            except Exception:
                log.exception("after-batch work failed")


def _settle(
    future: asyncio.Future[list[Admitted]], result: list[Admitted] | None, error: BaseException | None
) -> None:
    if future.done():  # cancelled: nobody waits for it any more
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result or [])


class RecentLines:
    """Line states (agents logged in, callers waiting) read within the last ``ttl_s``, per helpdesk.

    What a waiting caller hears next and why a caller left the queue depend on the line state
    only loosely (whether any agent is still logged in), so a state read a moment ago is as good
    as a new read: at a busy helpdesk those webhooks then need no database round trip. Arrivals
    never use it: they are decided where they are written (``service.operations.Admission``). The
    group commit re-reads, after a batch, the helpdesks the webhooks asked for (:meth:`asked`),
    so that their entries rarely expire while calls come in. An instance that changes presence
    forgets its helpdesk's entry at once, and a read that began before the change is not kept.
    ``ttl_s`` 0 keeps nothing.
    """

    def __init__(self, ttl_s: float) -> None:
        self._ttl_s = ttl_s
        self._lines: dict[str, tuple[float, LineState]] = {}
        self._asked: set[str] = set()
        # Bumped by forget(): a read that started before it is stale.
        self._generation = 0

    @property
    def ttl_s(self) -> float:
        return self._ttl_s

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
