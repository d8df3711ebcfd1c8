"""Bounded soak test: ``python -m bench.soak --minutes 10``.

Starts the service as in production (uvicorn, a fresh migrated SQLite database, the given
config) on 127.0.0.1, logs two agents in per helpdesk through the ops API, then:

1. ramps the call rate for 30 s to find the highest rate with p99 latency within 100 ms and no
   errors;
2. warms up for 30 s at half that rate and notes the server's resident memory (VmRSS);
3. soaks for ``--minutes`` at half that rate, sampling VmRSS every 10 s.

Exits non-zero when any request failed or the resident memory grew by more than 10 %.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.load import LOOPBACK, Stats, Target, run_load
from config import load_config
from database.migrations import upgrade

ROOT = Path(__file__).resolve().parent.parent
RAMP_STEP_S = 3.0
RAMP_STEPS = 10  # 10 steps of 3 s: the 30 s ramp
RAMP_START_RATE = 2.0
RAMP_FACTOR = 1.5
P99_LIMIT_MS = 100.0
WARM_UP_S = 30.0
RSS_EVERY_S = 10.0
RSS_GROWTH_LIMIT = 1.10
MAX_IN_FLIGHT = 200
AGENTS_PER_HELPDESK = 2
START_TIMEOUT_S = 30.0
MAX_MINUTES = 24 * 60


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


@dataclass(frozen=True)
class Service:
    process: subprocess.Popen[bytes]
    target: Target
    ops_token: str
    log: Path


def start_service(workdir: Path, config: Path) -> Service:
    database_url = f"sqlite:///{workdir / 'ivr.sqlite3'}"
    upgrade(database_url)
    port = free_port()
    base_url = f"http://{LOOPBACK}:{port}"
    token = secrets.token_hex(16)
    ops_token = secrets.token_hex(16)
    env = os.environ | {
        "DATABASE_URL": database_url,
        "IVR_CONFIG": str(config),
        "TWILIO_AUTH_TOKEN": token,
        "PUBLIC_BASE_URL": base_url,
        "IVR_SCHEDULER": "false",
        "IVR_SPOOL_DIR": str(workdir / "spool"),
        "IVR_API_TOKENS": f"ops:{ops_token}",
    }
    log = workdir / "service.log"
    command = [sys.executable, "-m", "uvicorn", "app:create_app", "--factory"]
    command += ["--host", LOOPBACK, "--port", str(port), "--no-access-log"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    service = Service(process, Target(base_url, base_url, token), ops_token, log)
    try:
        wait_healthy(service)
    except BaseException:
        stop_service(service)
        raise
    return service


def wait_healthy(service: Service) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"the service exited at start-up; see {service.log}")
        try:
            if httpx.get(f"{service.target.base_url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the service did not become healthy in {START_TIMEOUT_S:.0f} s")


def stop_service(service: Service) -> None:
    service.process.terminate()
    try:
        service.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        service.process.kill()
        service.process.wait(timeout=20)


def log_agents_in(service: Service, helpdesks: Sequence[str]) -> None:
    """Creates agents and sets them available, so that calls are queued rather than forwarded."""
    auth = {"Authorization": f"Bearer {service.ops_token}"}
    base = service.target.base_url
    with httpx.Client(headers=auth, timeout=10) as client:
        for helpdesk in helpdesks:
            for number in range(AGENTS_PER_HELPDESK):
                code = f"{901 + number}"
                agent = {"helpdesk": helpdesk, "code": code, "name": f"Soak {code}", "pin": "4321"}
                client.post(f"{base}/api/agents", json=agent).raise_for_status()
                presence = f"{base}/api/agents/{helpdesk}/{code}/presence"
                client.put(presence, json={"status": "available"}).raise_for_status()


def sustainable(stats: Stats) -> bool:
    return stats.errors == 0 and stats.requests > 0 and stats.p99_ms() <= P99_LIMIT_MS


async def ramp(target: Target) -> float:
    """The highest rate (calls per second) of the ramp that stayed within the limits; 0 if none."""
    best = 0.0
    rate = RAMP_START_RATE
    for _ in range(RAMP_STEPS):
        stats = await run_load(target, rate=rate, duration_s=RAMP_STEP_S, max_in_flight=MAX_IN_FLIGHT)
        ok = sustainable(stats)
        print(
            f"  ramp {rate:7.2f} calls/s: {stats.requests} requests, {stats.errors} errors, "
            f"p99 {stats.p99_ms():.1f} ms{'' if ok else '  <- over the limit'}",
            flush=True,
        )
        if not ok:
            break
        best = rate
        rate *= RAMP_FACTOR
    return best


async def soak(service: Service, rate: float, minutes: float) -> tuple[Stats, Stats, int, list[int]]:
    """The warm-up's and the soak's figures, the RSS after the warm-up and the samples after."""
    pid = service.process.pid
    print(f"warm-up: {WARM_UP_S:.0f} s at {rate:.2f} calls/s", flush=True)
    warm = await run_load(service.target, rate=rate, duration_s=WARM_UP_S, max_in_flight=MAX_IN_FLIGHT)
    if warm.errors:
        print(f"  warm-up errors: {warm.errors}", flush=True)
    rss_start = rss_kib(pid)
    duration_s = minutes * 60
    print(f"soak: {duration_s:.0f} s at {rate:.2f} calls/s; RSS after warm-up {rss_start} KiB", flush=True)
    samples: list[int] = []

    async def sample() -> None:
        for _ in range(math.ceil(duration_s / RSS_EVERY_S)):
            await asyncio.sleep(RSS_EVERY_S)
            samples.append(rss_kib(pid))
            print(f"  RSS {samples[-1]} KiB", flush=True)

    sampler = asyncio.create_task(sample())
    try:
        stats = await run_load(service.target, rate=rate, duration_s=duration_s, max_in_flight=MAX_IN_FLIGHT)
    finally:
        sampler.cancel()
        await asyncio.gather(sampler, return_exceptions=True)
    samples.append(rss_kib(pid))
    return warm, stats, rss_start, samples


def report(rate: float, warm: Stats, stats: Stats, rss_start: int, samples: list[int]) -> bool:
    rss_end = samples[-1]
    ratio = rss_end / rss_start
    print()
    print(f"max sustainable rate: {rate * 2:.2f} calls/s; soaked at {rate:.2f} calls/s")
    print(f"calls: {stats.calls_started} started, {stats.calls_completed} completed")
    print(
        f"requests sent: {stats.requests}  ({', '.join(f'{p} {n}' for p, n in sorted(stats.paths.items()))})"
    )
    print(f"status codes: {dict(sorted(stats.statuses.items()))}")
    print(f"errors: {stats.errors} (warm-up: {warm.errors})")
    for sample in warm.error_samples + stats.error_samples:
        print(f"  {sample}")
    print(f"latency: p50 {stats.p50_ms():.1f} ms, p99 {stats.p99_ms():.1f} ms")
    print(f"RSS: {rss_start} KiB after warm-up, {rss_end} KiB at the end, ratio {ratio:.3f}")
    print(f"RSS samples (KiB): {' '.join(str(kib) for kib in samples)}")
    passed = stats.errors == 0 and warm.errors == 0 and ratio <= RSS_GROWTH_LIMIT
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
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "helpdesk.yaml")
    args = parser.parse_args(argv)
    config: Path = args.config.resolve()
    helpdesks = [desk.id for desk in load_config(config).helpdesks]
    with tempfile.TemporaryDirectory(prefix="ivr-soak-") as workdir:
        service = start_service(Path(workdir), config)
        try:
            log_agents_in(service, helpdesks)
            print(f"service on {service.target.base_url} (pid {service.process.pid}); ramp:", flush=True)
            best = asyncio.run(ramp(service.target))
            if best == 0:
                print(f"FAIL: not even {RAMP_START_RATE} calls/s within the limits")
                return 1
            print(f"max sustainable rate: {best:.2f} calls/s", flush=True)
            warm, stats, rss_start, samples = asyncio.run(soak(service, best / 2, args.minutes))
        finally:
            stop_service(service)
    return 0 if report(best / 2, warm, stats, rss_start, samples) else 1


if __name__ == "__main__":
    sys.exit(main())
