"""Webhook benchmark (``make bench``): whole calls against a bare FastAPI endpoint, same run.

For each database (SQLite, PostgreSQL) the service starts as in production: uvicorn with one
worker per core and the Dockerfile's flags, a fresh migrated database, a config open all day,
agents available. ``wrk`` (compiled, on 127.0.0.1) replays whole signed citizen calls with unique
CallSids, one call after another on each connection:

    voice → waitUrl at QueueTime 0 (60, 120, 180) → the agent's <Queue url> when bridged →
    Enqueue action (bridged, hangup or leave) → central Dial action when forwarded → status callback

Then the same server settings serve a bare FastAPI app answering fixed TwiML to the same
requests. Rounds of the two alternate, each as fast as it is answered (closed loop, full load):
the ratio of their rates and the p99 of the mix at the rate it measures are two of the targets.
Last, the service gets the mix on a fixed schedule from 32 connections (open loop): first at
half the mix's own full-load rate (the median of the rounds of the same run), whose p99 is the
third target, then at lower shares of it until p99 is within target. Latency there counts from
when a request was due, so a stall also counts against the requests it held up (no coordinated
omission); the rate answered by the highest paced run within target is the rate carried within
it, and what the waiting callers are counted from. All latencies are timed by replay.lua on the
monotonic clock; requests/s and latencies count the answers of the span in which every
connection was sending (see bench/wrk.py). Printed per database: requests/s, p50/p99 latency,
the paced runs, and each target of PRODUCT.md ("Scale and speed") with its figure: the ratio to
the bare endpoint, the closed-loop p99 at the measured rate, the paced p99 at half the mix's own
rate, the simultaneously waiting callers carried within the latency target, the resident memory
per worker. Exits non-zero when one of them is missed or a request failed.

This module holds the command line, the run of each database and the summary; the parts are
beside it, one job each: bench/databases.py and bench/helpdesks.py (what the service runs on),
bench/whole_calls.py (the requests replayed), bench/rounds.py (the closed-loop rounds against
the bare endpoint) and bench/paced.py (the paced runs).
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.databases import DEFAULT_POSTGRES, fresh_database
from bench.helpdesks import agents_needed, bench_config
from bench.options import Options
from bench.paced import MAX_P99_MS, PACED_KEPT_UP, meets_latency, paced_runs
from bench.rounds import closed_loop_rounds
from bench.service import AppRuns
from bench.wrk import WrkResult

# PRODUCT.md "Scale and speed" (and MAX_P99_MS, see bench/paced.py).
MIN_RATIO = 0.5
MAX_RSS_MB = 150.0
MIN_WAITING_CALLERS = 20_000
# The targets as PRODUCT.md states them, in the summary and in the PASS/FAIL line.
RATIO_GOAL = f"ratio >= {MIN_RATIO:g}"
P99_GOAL = f"closed-loop p99 <= {MAX_P99_MS:g} ms at the measured rate"
PACED_GOAL = f"paced p99 <= {MAX_P99_MS:g} ms at half the mix's own rate"
WAITING_GOAL = f"waiting callers >= {MIN_WAITING_CALLERS:,} from the rate carried within {MAX_P99_MS:g} ms"
RSS_GOAL = f"RSS <= {MAX_RSS_MB:g} MB per worker"


@dataclass(frozen=True)
class Measured:
    database: str
    app: list[WrkResult]
    bare: list[WrkResult]
    rss_kib: dict[int, int]
    announce_every: int
    overflow_after: int
    # The whole-call mix sent on a fixed schedule at half its own full-load rate (see
    # paced_rate), then at lower rates until one met MAX_P99_MS: (rate sent, result) in that order.
    paced: list[tuple[float, WrkResult]]

    def carried(self) -> tuple[float, WrkResult] | None:
        """The highest paced rate kept up with p99 within MAX_P99_MS, if any."""
        met = [(rate, run) for rate, run in self.paced if meets_latency(rate, run)]
        return max(met, key=lambda pair: pair[0]) if met else None


def bench_database(database: str, options: Options, workdir: Path) -> Measured:
    """Alternating rounds of the app and the bare endpoint on the same server settings, then the
    paced runs, on a fresh database."""
    config = bench_config(workdir / "helpdesk.yaml")
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    queue = data["helpdesks"][0].get("queue", {})
    with fresh_database(database, workdir / "ivr.sqlite3", options.postgres_url) as url:
        token, ops_token = secrets.token_hex(16), secrets.token_hex(16)
        env = {
            "DATABASE_URL": url,
            "IVR_CONFIG": str(config),
            "TWILIO_AUTH_TOKEN": token,
            "IVR_API_TOKENS": f"ops:{ops_token}",
            "IVR_SPOOL_DIR": str(workdir / "spool"),
            "IVR_CALLER_HASH_KEY": secrets.token_hex(16),
        }
        app = AppRuns(env, workdir / "app.log", options.workers)
        agents = agents_needed(options, int(queue.get("lines_per_agent", 4)))
        app_results, bare_results = closed_loop_rounds(
            database, options, app, token, ops_token, data, workdir, agents
        )
        paced = paced_runs(database, options, app, token, data, workdir, app_results)
        return Measured(
            database,
            app_results,
            bare_results,
            app.rss_kib,
            int(queue.get("announce_every", 60)),
            int(queue.get("overflow_after", 180)),
            paced,
        )


def requests_per_caller(announce_every: int, overflow_after: int) -> float:
    """What a caller waiting the whole overflow time costs: the arrival and exit requests and one
    waitUrl request per ``announce_every``."""
    return 2 + overflow_after / announce_every


def waiting_callers(rps: float, announce_every: int, overflow_after: int) -> int:
    """Callers waiting at once that ``rps`` carries."""
    return int(rps * overflow_after / requests_per_caller(announce_every, overflow_after))


def report(measured: Measured) -> bool:
    """Prints the medians of the rounds and each target of PRODUCT.md with its figure; whether
    every target was met and every request answered."""
    app_rps = statistics.median([r.rps for r in measured.app])
    bare_rps = statistics.median([r.rps for r in measured.bare])
    ratio = statistics.median([a.rps / b.rps for a, b in zip(measured.app, measured.bare, strict=True)])
    p50 = statistics.median([r.p50_ms for r in measured.app])
    p99 = statistics.median([r.p99_ms for r in measured.app])
    paced = [run for _, run in measured.paced]
    runs = [*measured.app, *measured.bare, *paced]
    failures = sum(r.failures for r in runs)
    wrapped = sum(r.wrapped for r in [*measured.app, *paced])
    inconsistent = [r for r in runs if not r.consistent]
    rss_mb = [kib * 1024 / 1e6 for kib in measured.rss_kib.values()]
    every, overflow = measured.announce_every, measured.overflow_after
    per_caller = requests_per_caller(every, overflow)
    half_rate, at_half = measured.paced[0]
    behind = "; fell behind its schedule" if at_half.rps < PACED_KEPT_UP * half_rate else ""
    carried = measured.carried()
    carried_rps = carried[1].rps if carried is not None else 0.0
    waiting = waiting_callers(carried_rps, every, overflow)
    print(f"\n{measured.database}: medians of {len(measured.app)} rounds")
    print(
        f"  whole-call mix  {app_rps:8.0f} requests/s  p50 {p50:.2f} ms  p99 {p99:.2f} ms "
        "(closed loop, full load)"
    )
    print(f"  bare endpoint   {bare_rps:8.0f} requests/s (closed loop, full load, same server settings)")
    if carried is not None:
        rate, run = carried
        print(
            f"  rate carried within {MAX_P99_MS:g} ms: {carried_rps:.0f} requests/s answered of {rate:.0f} "
            f"sent on schedule ({rate / half_rate:.2f} x half the mix's rate), p99 {run.p99_ms:.2f} ms: "
            "the highest paced rate within target"
        )
    else:
        lowest = measured.paced[-1][0]
        print(f"  rate carried within {MAX_P99_MS:g} ms: none, no paced rate down to {lowest:.0f} requests/s")
    goals = [
        (
            RATIO_GOAL,
            ratio >= MIN_RATIO,
            f"{ratio:.3f} (whole-call mix / bare endpoint, median of the rounds)",
        ),
        (P99_GOAL, p99 <= MAX_P99_MS, f"{p99:.2f} ms at {app_rps:.0f} requests/s (from when sent)"),
        (
            PACED_GOAL,
            meets_latency(half_rate, at_half),
            f"{at_half.p99_ms:.2f} ms sent open-loop on a fixed schedule at {half_rate:.0f} requests/s "
            f"({at_half.rps:.0f} answered/s{behind}; from when due)",
        ),
        (
            WAITING_GOAL,
            waiting >= MIN_WAITING_CALLERS,
            f"{waiting:,} ({carried_rps:.0f} requests/s x {overflow} s / {per_caller:g} requests per caller; "
            f"{waiting_callers(app_rps, every, overflow):,} at the closed-loop full-load rate)",
        ),
        (RSS_GOAL, max(rss_mb) <= MAX_RSS_MB, ", ".join(f"{mb:.1f}" for mb in rss_mb) + " MB"),
    ]
    print('  targets of PRODUCT.md ("Scale and speed"):')
    for goal, met, figure in goals:
        print(f"    {'met   ' if met else 'MISSED'} {goal}: {figure}")
    print(f"  failed requests {failures}" + (f"; request files wrapped {wrapped} times" if wrapped else ""))
    for run in inconsistent:
        print(
            f"  latency not credible: mean {run.mean_ms:.2f} ms x {run.rps:.0f} req/s is more than "
            f"{run.connections} connections in flight"
        )
    samples = [r.bad_sample for r in runs if r.bad_sample]
    if samples:
        print(f"  first bad answer: {samples[0]}")
    checks = {goal: met for goal, met, _ in goals} | {
        "no failures": failures == 0,
        "no repeated calls": wrapped == 0,
        "credible latencies": not inconsistent,
    }
    missed = [name for name, ok in checks.items() if not ok]
    print("  PASS" if not missed else f"  FAIL: {'; '.join(missed)}")
    return not missed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__.split("\n\n")[0])
    cores = os.cpu_count() or 1
    parser.add_argument("--workers", type=int, default=cores, help="uvicorn workers (default: one per core)")
    parser.add_argument("--connections", type=int, default=2 * cores, help="wrk connections (one per thread)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each measured run")
    parser.add_argument("--warm-up", type=float, default=2.0, help="warm-up before each measured run (s)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating app/bare rounds per database")
    parser.add_argument("--requests-per-thread", type=int, default=40_000)
    parser.add_argument(
        "--paced-connections", type=int, default=32, help="connections of the runs on a fixed schedule"
    )
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--database", choices=("sqlite", "postgresql"), action="append")
    args = parser.parse_args(argv)
    options = Options(
        workers=args.workers,
        connections=args.connections,
        seconds=args.seconds,
        warm_up_s=args.warm_up,
        rounds=args.rounds,
        requests_per_thread=args.requests_per_thread,
        postgres_url=args.postgres_url,
        databases=tuple(args.database or ("sqlite", "postgresql")),
        paced_connections=args.paced_connections,
    )
    print(
        f"{cores} cores, {options.workers} workers, {options.connections} wrk connections, "
        f"{options.rounds} rounds of {options.seconds:g} s per database",
        flush=True,
    )
    passed = True
    for database in options.databases:
        with tempfile.TemporaryDirectory(prefix="ivr-bench-") as workdir:
            started = time.monotonic()
            measured = bench_database(database, options, Path(workdir))
            passed = report(measured) and passed
            print(f"  ({time.monotonic() - started:.0f} s)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
