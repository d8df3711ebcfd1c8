"""A PIN check must not leave its 16 MiB of scrypt memory resident in every thread."""

from __future__ import annotations

import subprocess
import sys

import pytest

from service.tuning import return_large_blocks

# Hash a PIN on four threads, one after another, and print how much resident memory grew (KiB).
GROWTH = """
import sys, threading
from agents.pins import hash_pin
from service.tuning import return_large_blocks

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


# Freeze twice in a fresh process, with objects made in between; print the two counts.
FREEZE = """
import gc
from service.tuning import freeze_startup_objects

first = freeze_startup_objects()
later = [[n] for n in range(10_000)]  # made after start-up: the collector still sees them
second = freeze_startup_objects()
print(first, second, gc.get_freeze_count())
"""


def test_start_up_objects_are_frozen_once_per_process() -> None:
    done = subprocess.run([sys.executable, "-c", FREEZE], capture_output=True, text=True, check=True)
    first, second, count = done.stdout.split()
    assert int(first) > 1_000  # the modules and what they built
    assert int(second) == int(first) == int(count)  # the 10,000 later lists are not frozen
