"""Writes that could not reach the database, kept on local disk and replayed when it is back.

While the database is down the call flow still answers (fail-safe routing); what the webhooks
would have written (queue entries, call-log events) is appended to a spool file, fsynced, and
applied later in one transaction. Every operation is idempotent (call-log events carry a dedupe
key, queue changes keep the first value), so a replay never counts anything twice.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from agents import end_agent_call
from calllog import NewEvent, new_event, record_event, record_events
from calls import QueueChanges, apply_queue_changes, enter_queue, leave_queue, mark_answered

log = logging.getLogger("ivr.spool")

Operation = tuple[str, dict[str, Any]]
OPERATIONS: dict[str, Callable[..., object]] = {
    "enter_queue": enter_queue,
    "leave_queue": leave_queue,
    "mark_answered": mark_answered,
    "end_agent_call": end_agent_call,
    "record_event": record_event,
}
# The caller-hash key is a secret: it is never written to disk, only marked and put back.
_CALLER_KEY = "$caller_key"


def _encode(value: Any, caller_key: bytes) -> Any:
    if isinstance(value, bytes):
        if value != caller_key:
            raise ValueError("only the caller-hash key may be spooled as bytes")
        return {_CALLER_KEY: True}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    return value


def _decode(value: Any, caller_key: bytes) -> Any:
    if isinstance(value, dict):
        if value.get(_CALLER_KEY):
            return caller_key
        if "$datetime" in value:
            return dt.datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
    return value


def apply(session: Session, operations: Sequence[Operation]) -> None:
    """Apply ``operations`` in one batch per kind: a few statements instead of a few per call.

    Queue changes go first (entries, answers, departures: each call's own order), then the
    presence ones in order, then the call-log events. Events touch only the call log, which the
    queue and presence operations never read, so the grouping changes no result.
    """
    events: list[NewEvent] = []
    queue = QueueChanges(entered=[], answered=[], left=[])
    grouped = {"enter_queue": queue.entered, "mark_answered": queue.answered, "leave_queue": queue.left}
    others: list[Operation] = []
    for name, arguments in operations:
        if name == "record_event":
            events.append(new_event(**arguments))
        elif name in grouped:
            grouped[name].append(arguments)
        else:
            others.append((name, arguments))
    apply_queue_changes(session, queue)
    for name, arguments in others:
        OPERATIONS[name](session, **arguments)
    record_events(session, events)


class Spool:
    """Append-only spool files in ``directory`` (one per process), replayed by any process."""

    def __init__(self, directory: Path, caller_key: bytes) -> None:
        self.directory = directory
        self._caller_key = caller_key
        self._name = f"spool-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
        self._lock = threading.Lock()
        # Set when this process spooled something: the webhook path then tries a replay after
        # its next successful write; other processes' files wait for the tick or a start-up.
        self.spooled_here = False

    @property
    def _path(self) -> Path:
        return self.directory / self._name

    def append(self, operations: Sequence[Operation]) -> None:
        """Keep ``operations`` durably (written and fsynced before this returns)."""
        line = json.dumps(
            [
                [name, {key: _encode(value, self._caller_key) for key, value in args.items()}]
                for name, args in operations
            ]
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._lock:
            while True:
                with self._path.open("a", encoding="utf-8") as spool:
                    fcntl.flock(spool, fcntl.LOCK_EX)
                    # A replay may have taken the file between open and lock: start a new one.
                    if not self._path.exists() or os.fstat(spool.fileno()).st_ino != self._path.stat().st_ino:
                        continue
                    spool.write(line + "\n")
                    spool.flush()
                    os.fsync(spool.fileno())
                    self.spooled_here = True
                    return

    def pending(self) -> bool:
        return any(self.directory.glob("spool-*.jsonl"))

    def replay(self, sessions: sessionmaker[Session]) -> int:
        """Apply every spooled batch; returns how many batches reached the database."""
        replayed = 0
        for path in sorted(self.directory.glob("spool-*.jsonl")):
            try:
                handle = path.open("r+", encoding="utf-8")
            except FileNotFoundError:
                continue
            with handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                if not path.exists() or os.fstat(handle.fileno()).st_ino != path.stat().st_ino:
                    continue  # another process replayed it meanwhile
                batches = [json.loads(line) for line in handle.read().splitlines() if line.strip()]
                decoded = [
                    [
                        (name, {k: _decode(v, self._caller_key) for k, v in args.items()})
                        for name, args in batch
                    ]
                    for batch in batches
                ]
                with sessions() as session, session.begin():
                    for batch in decoded:
                        apply(session, batch)
                path.unlink()
                if path.name == self._name:
                    self.spooled_here = False
            replayed += len(batches)
        if replayed:
            log.info("spooled writes replayed", extra={"batches": replayed})
        return replayed
