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
