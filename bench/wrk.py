"""wrk driven by replay.lua: whole calls replayed on keep-alive connections, and the figures of a run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.load import percentile

REPLAY = Path(__file__).resolve().parent / "replay.lua"
# Little's law with room for the requests the measured span opens on: they were sent before it,
# so part of their time lies outside it.
LITTLE_SLACK = 1.05


@dataclass(frozen=True)
class WrkResult:
    # The answers within the span in which all connections were sending, and its length.
    requests: int
    seconds: float
    connections: int
    # Of those answers, timed by replay.lua on the monotonic clock; in a paced run counted from
    # when each request was due, else from when it was sent.
    p50_ms: float
    p99_ms: float
    mean_ms: float
    # Of the whole run.
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


@dataclass(frozen=True)
class Answers:
    """One connection's answers in order (one wrk thread each): when each was complete and how long
    its request took, in microseconds on replay.lua's monotonic clock."""

    at_us: tuple[int, ...]
    latency_us: tuple[int, ...]


def sending_span(connections: Sequence[Answers]) -> tuple[int, int] | None:
    """From the last connection's first answer to the first connection's last answer: the span in
    which all of them were sending, if there is one.

    Not wrk's duration: wrk starts each thread as soon as replay.lua's init() has read its
    requests and the clock of its requests/s only once the last one is started, so the first
    threads are answered for a while before it; and it stops each thread at its own next tick.
    """
    if not connections or not all(connection.at_us for connection in connections):
        return None
    start = max(connection.at_us[0] for connection in connections)
    end = min(connection.at_us[-1] for connection in connections)
    return (start, end) if end > start else None


def wrk_result(stdout: str, connections: int) -> WrkResult:
    """The figures of one run from what replay.lua printed: requests/s and latencies of the answers
    after the start of :func:`sending_span` up to its end, failures of the whole run."""
    summary: dict[str, Any] | None = None
    answers: dict[int, Answers] = {}
    for row in stdout.splitlines():
        kind, _, data = row.partition(" ")
        if kind == "WRK_RESULT":
            summary = json.loads(data)
        elif kind == "WRK_ANSWERS":
            thread = json.loads(data)
            answers[thread["thread"]] = Answers(tuple(thread["answered_at_us"]), tuple(thread["latency_us"]))
    if summary is None or len(answers) != connections:
        raise ValueError(f"wrk printed no result for {connections} connections")
    failures = sum(
        summary[key]
        for key in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts", "bad")
    )
    span = sending_span(list(answers.values()))
    latencies_us: list[float] = []
    if span is not None:
        start, end = span
        for connection in answers.values():
            latencies_us += [
                latency
                for at, latency in zip(connection.at_us, connection.latency_us, strict=True)
                if start < at <= end
            ]
    return WrkResult(
        requests=len(latencies_us),
        # Without a span (a connection never answered) no request counts, over wrk's duration.
        seconds=(span[1] - span[0] if span is not None else summary["duration_us"]) / 1e6,
        connections=connections,
        p50_ms=percentile(latencies_us, 0.5) / 1000,
        p99_ms=percentile(latencies_us, 0.99) / 1000,
        mean_ms=sum(latencies_us) / max(len(latencies_us), 1) / 1000,
        failures=failures,
        wrapped=summary["wrapped"],
        bad_sample=summary["bad_sample"],
        paced=summary["paced"],
    )


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
    try:
        return wrk_result(done.stdout, connections)
    except ValueError as error:
        printed = "\n".join(row for row in done.stdout.splitlines() if not row.startswith("WRK_ANSWERS "))
        raise RuntimeError(f"{error}:\n{printed}\n{done.stderr}") from None
