"""Bounded soak test: ``python -m bench.soak --minutes 10 --rps 1700``.

Starts the service as in production (uvicorn with one worker per core and the Dockerfile's
flags, a fresh migrated SQLite database, the given config) on 127.0.0.1, logs two agents in per
helpdesk through the ops API, then:

1. takes the maximum rate: ``--rps``, the whole-call mix's requests per second that ``make bench``
   measured on this machine, or else ramps the call rate for 30 s to find the highest rate with
   p99 latency within 100 ms and no errors;
2. warms up for 30 s at half that rate and notes each worker's resident memory (VmRSS);
3. soaks for ``--minutes`` at half that rate, sampling VmRSS every 10 s.

Exits non-zero when any request failed or a worker's resident memory grew by more than 10 %.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import secrets
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.load import LOOPBACK, Stats, Target, run_load
from bench.service import ROOT, Service, free_port, start_uvicorn, stop
from bench.webhooks import PRODUCTION_FLAGS
from config import load_config
from database.migrations import upgrade

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
# Requests of one call in the load generator's mix, before the warm-up measures it.
REQUESTS_PER_CALL = 6.0


@dataclass(frozen=True)
class Soaked:
    """The service under soak: uvicorn, where to load it, and its ops token."""

    service: Service
    target: Target
    ops_token: str


def start_service(workdir: Path, config: Path, workers: int) -> Soaked:
    database_url = f"sqlite:///{workdir / 'ivr.sqlite3'}"
    upgrade(database_url)
    port = free_port()
    base_url = f"http://{LOOPBACK}:{port}"
    token = secrets.token_hex(16)
    ops_token = secrets.token_hex(16)
    env = {
        "DATABASE_URL": database_url,
        "IVR_CONFIG": str(config),
        "TWILIO_AUTH_TOKEN": token,
        "PUBLIC_BASE_URL": base_url,
        "IVR_SCHEDULER": "false",
        "IVR_SPOOL_DIR": str(workdir / "spool"),
        "IVR_API_TOKENS": f"ops:{ops_token}",
    }
    service = start_uvicorn(
        "app:create_app",
        env,
        workdir / "service.log",
        workers=workers,
        extra_args=PRODUCTION_FLAGS,
        port=port,
    )
    return Soaked(service, Target(base_url, base_url, token), ops_token)


def log_agents_in(soaked: Soaked, helpdesks: Sequence[str]) -> None:
    """Creates agents and sets them available, so that calls are queued rather than forwarded."""
    auth = {"Authorization": f"Bearer {soaked.ops_token}"}
    base = soaked.target.base_url
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


async def soak(
    soaked: Soaked, rate: float, minutes: float, target_rps: float | None
) -> tuple[float, Stats, Stats, dict[int, int], list[dict[int, int]]]:
    """Warm-up, then the soak: its call rate, both runs' figures and each worker's RSS samples.

    With ``target_rps`` the warm-up's requests per call turn that request rate into calls/s.
    """
    print(f"warm-up: {WARM_UP_S:.0f} s at {rate:.2f} calls/s", flush=True)
    warm = await run_load(soaked.target, rate=rate, duration_s=WARM_UP_S, max_in_flight=MAX_IN_FLIGHT)
    if warm.errors:
        print(f"  warm-up errors: {warm.errors}", flush=True)
    if target_rps is not None and warm.calls_started:
        rate = target_rps / (warm.requests / warm.calls_started)
    rss_start = soaked.service.rss_kib()
    duration_s = minutes * 60
    print(f"soak: {duration_s:.0f} s at {rate:.2f} calls/s; RSS after warm-up {rss_start} KiB", flush=True)
    samples: list[dict[int, int]] = []

    async def sample() -> None:
        for _ in range(math.ceil(duration_s / RSS_EVERY_S)):
            await asyncio.sleep(RSS_EVERY_S)
            samples.append(soaked.service.rss_kib())
            print(f"  RSS {samples[-1]} KiB", flush=True)

    sampler = asyncio.create_task(sample())
    try:
        stats = await run_load(soaked.target, rate=rate, duration_s=duration_s, max_in_flight=MAX_IN_FLIGHT)
    finally:
        sampler.cancel()
        await asyncio.gather(sampler, return_exceptions=True)
    samples.append(soaked.service.rss_kib())
    return rate, warm, stats, rss_start, samples


def report(
    rate: float, warm: Stats, stats: Stats, rss_start: dict[int, int], samples: list[dict[int, int]]
) -> bool:
    rss_end = samples[-1]
    ratios = {pid: rss_end[pid] / kib for pid, kib in rss_start.items()}
    seconds = max(1.0, (len(samples) - 1) * RSS_EVERY_S)
    print()
    print(f"soaked at {rate:.2f} calls/s (about {stats.requests / seconds:.0f} requests/s)")
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
    passed = stats.errors == 0 and warm.errors == 0 and max(ratios.values()) <= RSS_GROWTH_LIMIT
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
    parser.add_argument(
        "--rps", type=float, help="the maximum rate: make bench's whole-call mix requests/s (else a ramp)"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="uvicorn workers")
    args = parser.parse_args(argv)
    config: Path = args.config.resolve()
    helpdesks = [desk.id for desk in load_config(config).helpdesks]
    with tempfile.TemporaryDirectory(prefix="ivr-soak-") as workdir:
        soaked = start_service(Path(workdir), config, args.workers)
        try:
            log_agents_in(soaked, helpdesks)
            print(f"service on {soaked.target.base_url} (workers {soaked.service.pids()})", flush=True)
            target_rps: float | None = None
            if args.rps is not None:
                target_rps = args.rps / 2
                best = target_rps / REQUESTS_PER_CALL * 2
                print(f"maximum rate from make bench: {args.rps:.0f} requests/s; soak at half", flush=True)
            else:
                print("ramp:", flush=True)
                best = asyncio.run(ramp(soaked.target))
                if best == 0:
                    print(f"FAIL: not even {RAMP_START_RATE} calls/s within the limits")
                    return 1
                print(f"max sustainable rate: {best:.2f} calls/s", flush=True)
            rate, warm, stats, rss_start, samples = asyncio.run(
                soak(soaked, best / 2, args.minutes, target_rps)
            )
        finally:
            stop(soaked.service)
    return 0 if report(rate, warm, stats, rss_start, samples) else 1


if __name__ == "__main__":
    sys.exit(main())
