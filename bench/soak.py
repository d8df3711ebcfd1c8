"""Bounded soak test: ``python -m bench.soak --minutes 10``.

Starts the service as in production (uvicorn with one worker per core and the Dockerfile's
flags, a fresh migrated SQLite database, the example config open around the clock, agents
available) on 127.0.0.1, then:

1. takes the maximum rate: ``--rps`` (the whole-call mix's requests per second that ``make bench``
   measured on this machine) or else measures it here the same way, with wrk for 10 s;
2. plays whole signed calls open-loop at half that rate (a call starts on schedule whatever the
   answers take) for a 30 s warm-up, and notes each worker's resident memory (VmRSS);
3. goes on for ``--minutes``, sampling VmRSS every 10 s.

Exits non-zero when any request failed or a worker's resident memory grew by more than 10 %.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import secrets
import sys
import tempfile
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from bench.databases import sqlite_database
from bench.helpdesks import bench_config, log_agents_in
from bench.load import LOOPBACK, Stats, call_sid, start_on_schedule
from bench.service import Service, start_app, stop
from bench.whole_calls import Endpoints, probe_endpoints, raw_request, whole_call, write_requests
from bench.wrk import run_wrk

WARM_UP_S = 30.0
RSS_EVERY_S = 10.0
RSS_GROWTH_LIMIT = 1.10
AGENTS_PER_HELPDESK = 10
MAX_CONNECTIONS = 256
# Connections opened before the first call, for the kernel to spread over the workers.
OPEN_AT_START = 16
# Idle connections older than this are closed rather than reused: uvicorn closes them at 5 s.
MAX_IDLE_S = 2.0
REQUEST_TIMEOUT_S = 10.0
MAX_MINUTES = 24 * 60
MEASURE_S = 10.0
RESULTS = ("bridged", "hangup", "leave")
# Requests of one call, averaged over the three endings the calls cycle through (6, 4 and 8).
REQUESTS_PER_CALL = 6.0


@dataclass(frozen=True)
class Soaked:
    """The service under soak: uvicorn, where its calls go, and its Twilio token."""

    service: Service
    endpoints: list[Endpoints]
    token: str


def start_service(workdir: Path, workers: int) -> Soaked:
    config = bench_config(workdir / "helpdesk.yaml")
    token, ops_token = secrets.token_hex(16), secrets.token_hex(16)
    env = {
        "DATABASE_URL": sqlite_database(workdir / "ivr.sqlite3"),
        "IVR_CONFIG": str(config),
        "TWILIO_AUTH_TOKEN": token,
        "IVR_SPOOL_DIR": str(workdir / "spool"),
        "IVR_API_TOKENS": f"ops:{ops_token}",
    }
    service = start_app(env, workdir / "service.log", workers=workers)
    base_url = service.base_url
    try:
        desks = yaml.safe_load(config.read_text(encoding="utf-8"))["helpdesks"]
        log_agents_in(base_url, ops_token, [desk["id"] for desk in desks], AGENTS_PER_HELPDESK)
        endpoints = [probe_endpoints(base_url, token, desk["id"], desk["numbers"][0]) for desk in desks]
    except BaseException:
        stop(service)
        raise
    return Soaked(service, endpoints, token)


def measure_max_rps(soaked: Soaked, workdir: Path, connections: int) -> float:
    """The whole-call mix's requests/s with wrk, as ``make bench`` measures it."""
    base_url = soaked.service.base_url
    write_requests(workdir / "warm", soaked.endpoints, base_url, soaked.token, connections, 2_000)
    run_wrk(base_url, workdir / "warm", connections, 2)
    write_requests(workdir / "max", soaked.endpoints, base_url, soaked.token, connections, 20_000)
    return run_wrk(base_url, workdir / "max", connections, MEASURE_S).rps


class OpenLoop:
    """Plays whole calls at a fixed request rate over keep-alive connections to the service.

    A call's requests go one after another on one connection, as Twilio sends them; calls start
    on schedule whatever the answers take, so a slow service shows as latency and errors, not
    as a lower rate. Requests are written by hand (no HTTP client library) so that the
    generator's own cost stays small next to the service's on the same machine.
    """

    def __init__(self, soaked: Soaked, stats: Stats) -> None:
        self.soaked = soaked
        self.stats = stats
        parts = urlsplit(soaked.service.base_url)
        self.host, self.port = parts.hostname or LOOPBACK, parts.port or 80
        # Oldest first: calls take turns over every open connection, so that the kernel's
        # spreading of connections over the workers spreads the calls too.
        self.idle: deque[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = deque()
        self.open = 0
        self.results = itertools.cycle(RESULTS)
        self.desks = itertools.cycle(soaked.endpoints)

    async def run(self, rps: float, duration_s: float) -> None:
        calls_per_s = rps / REQUESTS_PER_CALL
        total = math.ceil(calls_per_s * duration_s)
        for _ in range(OPEN_AT_START - len(self.idle)):
            reader, writer = await asyncio.open_connection(self.host, self.port)
            self.idle.append((reader, writer, time.monotonic()))
        running = await start_on_schedule(
            self.play, rate=calls_per_s, total=total, max_in_flight=MAX_CONNECTIONS, stats=self.stats
        )
        if running:
            await asyncio.wait(set(running))
        for _, writer, _ in self.idle:
            writer.close()
        self.idle.clear()

    async def play(self) -> None:
        self.stats.calls_started += 1
        while self.idle and self.idle[0][2] < time.monotonic() - MAX_IDLE_S:
            self.idle.popleft()[1].close()
        if self.idle:
            reader, writer, _ = self.idle.popleft()
        else:
            try:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            except OSError as error:
                self.stats.error(f"connect: {error}")
                return
        base_url, token = self.soaked.service.base_url, self.soaked.token
        try:
            for url, params in whole_call(next(self.desks), next(self.results), call_sid()):
                request = raw_request(base_url, token, url, params)
                path = urlsplit(url).path
                started = time.perf_counter()
                status, body = await asyncio.wait_for(
                    self._exchange(reader, writer, request), REQUEST_TIMEOUT_S
                )
                self.stats.latencies_s.append(time.perf_counter() - started)
                self.stats.statuses[status] += 1
                self.stats.paths[path] += 1
                if status != 200 or b"<Response" not in body:
                    self.stats.error(f"{path}: HTTP {status}: {body[:120]!r}")
                    raise ConnectionAbortedError
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
            if not isinstance(error, ConnectionAbortedError):
                self.stats.error(f"{type(error).__name__}: {error}")
            writer.close()
            return
        self.idle.append((reader, writer, time.monotonic()))
        self.stats.calls_completed += 1

    @staticmethod
    async def _exchange(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
    ) -> tuple[int, bytes]:
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = next(
            (int(line.split(":", 1)[1]) for line in lines[1:] if line.lower().startswith("content-length:")),
            None,
        )
        if length is None:
            raise ValueError("an answer without Content-Length")
        return status, await reader.readexactly(length)


async def soak(
    soaked: Soaked, rps: float, minutes: float
) -> tuple[Stats, Stats, float, dict[int, int], list[dict[int, int]]]:
    """Warm-up, then the soak: both runs' figures, the soak's seconds, each worker's RSS samples."""
    warm = Stats()
    print(f"warm-up: {WARM_UP_S:.0f} s at {rps:.0f} requests/s", flush=True)
    await OpenLoop(soaked, warm).run(rps, WARM_UP_S)
    if warm.errors:
        print(f"  warm-up errors: {warm.errors}", flush=True)
    rss_start = soaked.service.rss_kib()
    duration_s = minutes * 60
    print(f"soak: {duration_s:.0f} s at {rps:.0f} requests/s; RSS after warm-up {rss_start} KiB", flush=True)
    samples: list[dict[int, int]] = []

    async def sample() -> None:
        for _ in range(math.ceil(duration_s / RSS_EVERY_S)):
            await asyncio.sleep(RSS_EVERY_S)
            samples.append(soaked.service.rss_kib())
            print(f"  RSS {samples[-1]} KiB", flush=True)

    stats = Stats()
    sampler = asyncio.create_task(sample())
    started = time.monotonic()
    try:
        await OpenLoop(soaked, stats).run(rps, duration_s)
    finally:
        sampler.cancel()
        await asyncio.gather(sampler, return_exceptions=True)
    seconds = time.monotonic() - started
    samples.append(soaked.service.rss_kib())
    return warm, stats, seconds, rss_start, samples


def report(
    max_rps: float,
    warm: Stats,
    stats: Stats,
    seconds: float,
    rss_start: dict[int, int],
    samples: list[dict[int, int]],
) -> bool:
    rss_end = samples[-1]
    ratios = {pid: rss_end[pid] / kib for pid, kib in rss_start.items()}
    print()
    print(f"maximum rate {max_rps:.0f} requests/s; soaked at {stats.requests / seconds:.0f} requests/s")
    print(f"calls: {stats.calls_started} started, {stats.calls_completed} completed")
    print(
        f"requests sent: {stats.requests}  ({', '.join(f'{p} {n}' for p, n in sorted(stats.paths.items()))})"
    )
    print(f"status codes: {dict(sorted(stats.statuses.items()))}")
    print(f"errors: {stats.errors} (warm-up: {warm.errors})")
    for sample in warm.error_samples + stats.error_samples:
        print(f"  {sample}")
    print(f"latency: p50 {stats.p50_ms():.1f} ms, p99 {stats.p99_ms():.1f} ms")
    for pid, kib in rss_start.items():
        print(f"RSS of worker {pid}: {kib} KiB after warm-up, {rss_end[pid]} KiB at the end", end="")
        print(f", ratio {ratios[pid]:.3f}")
        print(f"  samples (KiB): {' '.join(str(sample[pid]) for sample in samples)}")
    passed = stats.errors == 0 and warm.errors == 0 and stats.requests > 0
    passed = passed and max(ratios.values()) <= RSS_GROWTH_LIMIT
    print("PASS" if passed else f"FAIL: errors or RSS growth over {RSS_GROWTH_LIMIT - 1:.0%}")
    return passed


def minutes_arg(text: str) -> float:
    value = float(text)
    if not 0 < value <= MAX_MINUTES:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most {MAX_MINUTES}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=minutes_arg, default=10.0, help="soak duration (fractions allowed)")
    parser.add_argument("--rps", type=float, help="the maximum rate: make bench's whole-call mix requests/s")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="uvicorn workers")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ivr-soak-") as workdir:
        soaked = start_service(Path(workdir), args.workers)
        try:
            print(f"service on {soaked.service.base_url} (workers {soaked.service.pids()})", flush=True)
            if args.rps is not None:
                max_rps = float(args.rps)
                print(f"maximum rate (make bench): {max_rps:.0f} requests/s", flush=True)
            else:
                max_rps = measure_max_rps(soaked, Path(workdir), 2 * args.workers)
                print(f"maximum rate (wrk, {MEASURE_S:.0f} s): {max_rps:.0f} requests/s", flush=True)
            warm, stats, seconds, rss_start, samples = asyncio.run(soak(soaked, max_rps / 2, args.minutes))
        finally:
            stop(soaked.service)
    return 0 if report(max_rps, warm, stats, seconds, rss_start, samples) else 1


if __name__ == "__main__":
    sys.exit(main())
