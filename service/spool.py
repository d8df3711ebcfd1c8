"""Writes that could not reach the database, kept on local disk and replayed when it is back.

While the database is down the call flow still answers (fail-safe routing); what the webhooks
would have written (queue entries, call-log events) is appended to a spool file as one line of
JSON per batch (``service.operations.encode``), fsynced, and applied later. Every operation is
idempotent (call-log events carry a dedupe key, queue changes keep the first value), so a
replay never counts anything twice. A line that cannot be read back, and an operation the
database refused while its dead-letter table could not be written either, go to the spool's
dead-letter file (``dead-letters.jsonl``), which is never replayed.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from database import Letter
from service.operations import Operation, decode, encode

log = logging.getLogger("ivr.spool")
DEAD_LETTERS = "dead-letters.jsonl"


class Spool:
    """Append-only spool files in ``directory`` (one per process), replayed by any process."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
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
        line = encode(operations).decode()
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

    def replay(
        self,
        commit: Callable[[list[Operation]], object],
        unreadable: Callable[[str, Exception], object],
    ) -> int:
        """Apply every spooled batch with ``commit``; returns how many batches it took.

        ``commit`` raises while the database fails, which keeps the file for the next try. A line
        that cannot be read back is handed to ``unreadable`` (and is not tried again).
        """
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
                operations: list[Operation] = []
                bad: list[tuple[str, Exception]] = []
                lines = [line for line in handle.read().splitlines() if line.strip()]
                for line in lines:
                    try:
                        operations.extend(decode(line))
                    except ValueError as error:  # pydantic's ValidationError is one
                        bad.append((line, error))
                commit(operations)
                for line, problem in bad:
                    unreadable(line, problem)
                path.unlink()
                if path.name == self._name:
                    self.spooled_here = False
            replayed += len(lines)
        if replayed:
            log.info("spooled writes replayed", extra={"batches": replayed})
        return replayed

    def dead_letter(self, letter: Letter) -> None:
        """Keep ``letter`` in the dead-letter file (appended and fsynced)."""
        record = {
            "failed_at": letter.failed_at.isoformat(),
            "operation": letter.operation,
            "error": letter.error,
        }
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._lock, (self.directory / DEAD_LETTERS).open("a", encoding="utf-8") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            file.write(json.dumps(record) + "\n")
            file.flush()
            os.fsync(file.fileno())
