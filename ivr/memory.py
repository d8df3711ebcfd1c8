"""Large memory blocks go back to the system when they are freed (glibc).

Checking an agent's PIN runs scrypt, which takes 16 MiB for a moment. glibc serves a block that
large with ``mmap`` and unmaps it on free, but then raises its mmap threshold to that size: the
next such block of every thread comes from that thread's heap arena and stays resident. A worker
grew by 16 MiB for each thread that had ever checked a PIN. A fixed threshold (glibc's default,
128 KiB) keeps large blocks on ``mmap``. Where the C library is not glibc this does nothing.
"""

from __future__ import annotations

import ctypes
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
