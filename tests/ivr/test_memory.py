"""A PIN check must not leave its 16 MiB of scrypt memory resident in every thread."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ivr.memory import return_large_blocks

# Hash a PIN on four threads, one after another, and print how much resident memory grew (KiB).
GROWTH = """
import sys, threading
from agents.pins import hash_pin
from ivr.memory import return_large_blocks

def rss_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))

if sys.argv[1] == "fixed":
    assert return_large_blocks()
hash_pin("4321")
before = rss_kib()
for _ in range(4):
    thread = threading.Thread(target=hash_pin, args=("1234",))
    thread.start()
    thread.join()
print(rss_kib() - before)
"""


def _growth_kib(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", GROWTH, mode], capture_output=True, text=True, check=True)
    return int(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux") or not return_large_blocks(), reason="glibc only")
def test_pin_checks_on_many_threads_give_their_memory_back() -> None:
    # Without the fixed threshold a thread's arena keeps the 16 MiB scrypt block.
    assert _growth_kib("default") >= 12 * 1024
    assert _growth_kib("fixed") < 4 * 1024
