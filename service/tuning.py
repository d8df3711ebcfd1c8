"""Memory: large blocks go back to the system when they are freed (glibc); what the process
built at start-up is kept out of the cyclic garbage collector's way.

Checking an agent's PIN runs scrypt, which takes 16 MiB for a moment. glibc serves a block that
large with ``mmap`` and unmaps it on free, but then raises its mmap threshold to that size: the
next such block of every thread comes from that thread's heap arena and stays resident. A worker
grew by 16 MiB for each thread that had ever checked a PIN. A fixed threshold (glibc's default,
128 KiB) keeps large blocks on ``mmap``. Where the C library is not glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import sys
from typing import Any

from service.runtime import Runtime
from service.writer import GroupCommit

log = logging.getLogger("ivr")
# glibc's malloc.h.
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 128 * 1024


def return_large_blocks() -> bool:
    """Fix glibc's mmap threshold; whether it took effect."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        log.debug("mallopt is not available: the C library's own threshold stays")
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))


def freeze_startup_objects() -> int:
    """Move every object alive now out of the garbage collector's generations, once per
    process; returns how many are frozen.

    Called once a worker has started (the app, its config, the libraries' modules and tables:
    hundreds of thousands of objects that live as long as the process). The collector's full
    collection otherwise walks them all each time, which stalled a worker for 60–80 ms under
    load, and at a high request rate such a stall takes many times its length to catch up
    (see README, Performance). They are still freed when their last reference goes; only
    cycles among them are no longer looked for. Once: a process that builds several apps (the
    tests) would otherwise keep every earlier app's cycles for good.
    """
    if not gc.get_freeze_count():
        gc.collect()
        gc.freeze()
    return gc.get_freeze_count()


# Python's default is 5 ms, about ten waits per batch of a writer thread: under full load the
# PostgreSQL writer then fell behind and the webhooks waited for it (make bench, paced run at
# half the bare rate: 4,498 of 5,067 requests/s answered, p99 2.2 s; at 0.5 ms: 4,978 of
# 5,039, p99 0.63 s).
WRITER_SWITCH_INTERVAL_S = 0.0005


def start_writer(runtime: Runtime[Any], writer: GroupCommit) -> None:
    """A SQLite file is written from the event loop, a database across the network from a thread.

    A SQLite batch is a few milliseconds of local work and, written on the loop once the writer
    lock is free, never waits; PostgreSQL's round trips would hold up every webhook on the loop.
    The thread gets Python's lock back after each round trip only when the busy event loop lets
    go of it, which it does every switch interval: that is shortened to WRITER_SWITCH_INTERVAL_S
    (the caller puts the old one back at shutdown).
    """
    if runtime.engine.dialect.name == "sqlite":
        writer.start_in_loop(runtime.writer_lock.try_hold if runtime.writer_lock is not None else None)
    else:
        sys.setswitchinterval(min(sys.getswitchinterval(), WRITER_SWITCH_INTERVAL_S))
        writer.start()
