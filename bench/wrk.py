"""wrk driven by replay.lua: whole calls replayed on keep-alive connections, and the figures of a run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPLAY = Path(__file__).resolve().parent / "replay.lua"
# Little's law with room for the load generator's own time between answer and next request.
LITTLE_SLACK = 1.05


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    connections: int
    # Timed by replay.lua on the monotonic clock; in a paced run counted from when each request
    # was due, else from when it was sent.
    p50_ms: float
    p99_ms: float
    mean_ms: float
    failures: int
    wrapped: int
    bad_sample: str
    paced: bool = False

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def consistent(self) -> bool:
        """Whether the latencies obey Little's law: a closed loop of ``connections`` cannot
        keep more requests in flight than it has connections (mean latency x rate)."""
        return self.paced or self.mean_ms / 1000 * self.rps <= self.connections * LITTLE_SLACK


def run_wrk(
    base_url: str, requests_dir: Path, connections: int, seconds: float, rate: float | None = None
) -> WrkResult:
    """Replay the requests in ``requests_dir``: as fast as they are answered, or at ``rate`` per second."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (Debian/Ubuntu) or brew install wrk")
    # wrk takes whole seconds.
    command = [wrk, "-t", str(connections), "-c", str(connections), "-d", f"{max(1, round(seconds))}s"]
    command += ["--timeout", "10s", "-s", str(REPLAY), base_url, "--", str(requests_dir)]
    env = dict(os.environ)
    if rate is not None:
        env |= {"REPLAY_INTERVAL_US": f"{connections / rate * 1e6:.0f}", "REPLAY_THREADS": str(connections)}
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)  # noqa: S603
    line = next((row for row in done.stdout.splitlines() if row.startswith("WRK_RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("WRK_RESULT "))
    failures = sum(
        data[key]
        for key in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts", "bad")
    )
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        connections=connections,
        p50_ms=data["latency_p50_us"] / 1000,
        p99_ms=data["latency_p99_us"] / 1000,
        mean_ms=data["latency_mean_us"] / 1000,
        failures=failures,
        wrapped=data["wrapped"],
        bad_sample=data["bad_sample"],
        paced=data["paced"],
    )
