"""Start and stop the service under test as in production: uvicorn on 127.0.0.1, free port.

Shared by ``make soak`` and ``make bench``. Only the loopback interface is ever used.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx

from bench.load import LOOPBACK

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0
# The Dockerfile's command; the benchmarks add --workers (one per core), as in production.
PRODUCTION_FLAGS = ("--proxy-headers",)
Result = TypeVar("Result")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def rss_kib(pid: int) -> int:
    """The resident set size of process ``pid`` in KiB (``VmRSS`` in ``/proc/<pid>/status``)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def children(pid: int) -> list[int]:
    """The direct child processes of ``pid`` (uvicorn's workers)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text(encoding="ascii")
        found.extend(int(child) for child in text.split())
    return sorted(found)


@dataclass(frozen=True)
class Service:
    """A uvicorn process serving ``factory`` on ``base_url``; its output goes to ``log``."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def pids(self) -> list[int]:
        """The serving processes: the workers, or the one process when there are none.

        With ``--workers`` uvicorn starts them with multiprocessing's spawn, which also starts a
        resource tracker: that one serves nothing and is left out.
        """
        workers = [pid for pid in children(self.process.pid) if b"spawn_main" in _cmdline(pid)]
        return workers or [self.process.pid]

    def rss_kib(self) -> dict[int, int]:
        return {pid: rss_kib(pid) for pid in self.pids()}


def start_uvicorn(
    factory: str,
    env: Mapping[str, str],
    log: Path,
    *,
    workers: int = 1,
    extra_args: Sequence[str] = (),
    port: int | None = None,
) -> Service:
    """``uvicorn <factory> --factory`` on 127.0.0.1, once ``/health`` answers 200."""
    port = port or free_port()
    base_url = f"http://{LOOPBACK}:{port}"
    command = [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", LOOPBACK, "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    command += list(extra_args)
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=ROOT, env=os.environ | dict(env), stdout=out, stderr=subprocess.STDOUT
        )
    service = Service(process, base_url, log)
    try:
        wait_healthy(service, workers)
    except BaseException:
        stop(service)
        raise
    return service


def start_app(env: Mapping[str, str], log: Path, *, workers: int) -> Service:
    """The service (``app:create_app``) as in production, on a free port that is also its
    ``PUBLIC_BASE_URL``: the URL Twilio signs on is the one the requests are sent to."""
    port = free_port()
    return start_uvicorn(
        "app:create_app",
        dict(env) | {"PUBLIC_BASE_URL": f"http://{LOOPBACK}:{port}"},
        log,
        workers=workers,
        extra_args=PRODUCTION_FLAGS,
        port=port,
    )


@dataclass
class AppRuns:
    """Runs against the service with the same settings (``env``), each on a newly started one;
    each worker's largest resident memory over the runs is kept."""

    env: Mapping[str, str]
    log: Path
    workers: int
    rss_kib: dict[int, int] = field(default_factory=dict)

    def run(self, measure: Callable[[Service], Result]) -> Result:
        """``measure`` on a newly started service, stopped afterwards."""
        app = start_app(self.env, self.log, workers=self.workers)
        try:
            result = measure(app)
            for pid, kib in app.rss_kib().items():
                self.rss_kib[pid] = max(self.rss_kib.get(pid, 0), kib)
        finally:
            stop(app)
        return result


def wait_healthy(service: Service, workers: int = 1) -> None:
    """Until ``/health`` answers and, with several workers, every worker has started."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"the service exited at start-up; see {service.log}")
        try:
            healthy = httpx.get(f"{service.base_url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            healthy = False
        if healthy and (workers == 1 or len(service.pids()) >= workers):
            # Every worker answers: a few more requests reach the ones that started last.
            for _ in range(4 * workers):
                httpx.get(f"{service.base_url}/health", timeout=5).raise_for_status()
            return
        time.sleep(0.2)
    raise RuntimeError(f"the service did not become healthy in {START_TIMEOUT_S:.0f} s; see {service.log}")


def stop(service: Service) -> None:
    service.process.terminate()
    try:
        service.process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        service.process.kill()
        service.process.wait(timeout=STOP_TIMEOUT_S)


def sign_in_csrf(form: str) -> str:
    """The CSRF token of the console's sign-in form (bound to the pre-session cookie it set)."""
    found = re.search(r'name="csrf" value="([^"]+)"', form)
    if found is None:
        raise RuntimeError("the console's sign-in form has no CSRF token")
    return found.group(1)
