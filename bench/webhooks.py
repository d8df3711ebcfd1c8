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
"""

from __future__ import annotations

import argparse
import itertools
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.load import LOOPBACK, next_urls, sign
from bench.service import ROOT, Service, free_port, start_uvicorn, stop
from bench.wrk import WrkResult, run_wrk
from database.migrations import upgrade

EXAMPLE_CONFIG = ROOT / "config" / "helpdesk.yaml"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# The Dockerfile's command; the benchmark adds --workers (one per core), as in production.
PRODUCTION_FLAGS = ("--proxy-headers",)
ACCOUNT = "AC" + "0" * 32
QUEUE = "QU" + "0" * 32
# PRODUCT.md "Scale and speed".
MIN_RATIO = 0.5
MAX_P99_MS = 25.0
MAX_RSS_MB = 150.0
MIN_WAITING_CALLERS = 20_000
# The paced target's run is sent at this share of the mix's own full-load (closed-loop) rate.
PACED_SHARE = 0.5
# The targets as PRODUCT.md states them, in the summary and in the PASS/FAIL line.
RATIO_GOAL = f"ratio >= {MIN_RATIO:g}"
P99_GOAL = f"closed-loop p99 <= {MAX_P99_MS:g} ms at the measured rate"
PACED_GOAL = f"paced p99 <= {MAX_P99_MS:g} ms at half the mix's own rate"
WAITING_GOAL = f"waiting callers >= {MIN_WAITING_CALLERS:,} from the rate carried within {MAX_P99_MS:g} ms"
RSS_GOAL = f"RSS <= {MAX_RSS_MB:g} MB per worker"
# A paced run whose answers came at less than this share of its rate did not carry that rate.
PACED_KEPT_UP = 0.97
# The paced runs: half the mix's own rate first, then lower shares of it until one meets MAX_P99_MS.
PACED_STEPS = (1.0, 0.85, 0.7, 0.55, 0.4, 0.25)


@dataclass(frozen=True)
class Endpoints:
    """Where the calls of one helpdesk go, as written in the service's TwiML (absolute URLs)."""

    helpdesk: str
    line: str
    wait: str
    queue_exit: str
    central_result: str
    connect: str


def bench_config(path: Path) -> Path:
    """The example config, open every day around the clock (so the mix does not depend on the time)."""
    data = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    always = {"mon-sun": "00:00-24:00", "holidays": "00:00-24:00"}
    data["central"]["hours"] = dict(always)
    for desk in data["helpdesks"]:
        desk["hours"] = dict(always)
        desk.pop("exceptions", None)
        desk.pop("hold_music", None)
        desk["when_closed"] = "route_to_central"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def probe_endpoints(base_url: str, token: str, helpdesk: str, line: str) -> Endpoints:
    """Plays one call by hand to read the waitUrl and actions the service writes in its TwiML."""
    call = {"AccountSid": ACCOUNT, "CallSid": call_sid(), "From": "+32470000000", "To": line}
    with httpx.Client(timeout=10) as client:

        def post(url: str, params: Mapping[str, str]) -> str:
            headers = {"X-Twilio-Signature": sign(token, url, params)}
            response = client.post(url, data=dict(params), headers=headers)
            response.raise_for_status()
            return response.text

        arrival = next_urls(post(f"{base_url}/twilio/voice", call | {"CallStatus": "ringing"}))
        if arrival.wait_url is None or arrival.enqueue_action is None:
            raise RuntimeError(f"{helpdesk}: the probe call was not queued; are agents available?")
        queued = call | {"CallStatus": "in-progress", "QueueSid": QUEUE}
        left = queued | {"QueueResult": "leave", "QueueTime": "180"}
        forwarded = next_urls(post(arrival.enqueue_action, left))
        if forwarded.dial_action is None:
            raise RuntimeError(f"{helpdesk}: the probe call was not forwarded to central")
        post(f"{base_url}/twilio/status", call | {"CallStatus": "completed", "SequenceNumber": "0"})
    connect = f"{base_url}/twilio/agent/connect?" + urlencode({"helpdesk": helpdesk, "code": "901"})
    return Endpoints(helpdesk, line, arrival.wait_url, arrival.enqueue_action, forwarded.dial_action, connect)


def call_sid() -> str:
    return "CA" + secrets.token_hex(16)


def whole_call(endpoints: Endpoints, result: str, sid: str) -> Iterator[tuple[str, dict[str, str]]]:
    """The webhook requests Twilio sends for one citizen call ending in ``result``."""
    call = {
        "AccountSid": ACCOUNT,
        "ApiVersion": "2010-04-01",
        "CallSid": sid,
        "Direction": "inbound",
        "From": f"+32470{secrets.randbelow(10**6):06d}",
        "To": endpoints.line,
    }
    yield "/twilio/voice", call | {"CallStatus": "ringing"}
    queued = call | {"CallStatus": "in-progress", "QueueSid": QUEUE}
    ticks = {"bridged": (0, 60), "hangup": (0,), "leave": (0, 60, 120, 180)}[result]
    for tick in ticks:
        yield endpoints.wait, queued | {"QueueTime": str(tick), "QueuePosition": "1", "CurrentQueueSize": "3"}
    waited = {"bridged": 75, "hangup": 30, "leave": 180}[result]
    if result == "bridged":
        yield endpoints.connect, queued | {"QueueTime": str(waited), "DequeingCallSid": call_sid()}
    yield endpoints.queue_exit, queued | {"QueueResult": result, "QueueTime": str(waited)}
    if result == "leave":
        central = {"DialCallStatus": "completed", "DialCallSid": call_sid(), "DialCallDuration": "95"}
        yield endpoints.central_result, call | {"CallStatus": "in-progress"} | central
    ended = call | {"CallStatus": "completed", "CallDuration": "240", "SequenceNumber": "3"}
    yield "/twilio/status", ended


def raw_request(base_url: str, token: str, url: str, params: Mapping[str, str]) -> bytes:
    """The HTTP/1.1 request, signed on ``url`` as Twilio would sign it."""
    absolute = url if url.startswith("http") else base_url + url
    parts = urlsplit(absolute)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    body = urlencode(params).encode("ascii")
    head = (
        f"POST {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"X-Twilio-Signature: {sign(token, absolute, params)}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


def write_requests(
    directory: Path, endpoints: Sequence[Endpoints], base_url: str, token: str, threads: int, per_thread: int
) -> int:
    """One file of whole calls per wrk thread; returns the number of requests written."""
    directory.mkdir(parents=True, exist_ok=True)
    results = itertools.cycle(("bridged", "hangup", "leave"))
    desks = itertools.cycle(endpoints)
    total = 0
    for thread in range(threads):
        written = 0
        with (directory / f"{thread}.req").open("wb") as out:
            while written < per_thread:
                for url, params in whole_call(next(desks), next(results), call_sid()):
                    out.write(raw_request(base_url, token, url, params) + b"\0")
                    written += 1
        total += written
    return total


def postgres_database(server_url: str) -> tuple[str, str]:
    """A new empty database on the server of ``server_url``: (its URL, its name)."""
    name = f"ivr_bench_{secrets.token_hex(4)}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False), name


def drop_postgres_database(server_url: str, name: str) -> None:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def log_agents_in(base_url: str, ops_token: str, helpdesks: Sequence[str], per_helpdesk: int) -> None:
    """Agents available on every helpdesk, so that callers are queued rather than forwarded."""
    auth = {"Authorization": f"Bearer {ops_token}"}
    with httpx.Client(headers=auth, timeout=10) as client:
        for helpdesk in helpdesks:
            for number in range(per_helpdesk):
                code = f"{901 + number}"
                agent = {"helpdesk": helpdesk, "code": code, "name": f"Bench {code}", "pin": "4321"}
                client.post(f"{base_url}/api/agents", json=agent).raise_for_status()
                presence = f"{base_url}/api/agents/{helpdesk}/{code}/presence"
                client.put(presence, json={"status": "available"}).raise_for_status()


@dataclass(frozen=True)
class Options:
    workers: int
    connections: int
    seconds: float
    warm_up_s: float
    rounds: int
    requests_per_thread: int
    postgres_url: str
    databases: tuple[str, ...]
    # Connections of the paced runs (each sends on its own schedule).
    paced_connections: int = 32
    # Shares of half the mix's own full-load rate tried in turn (see PACED_STEPS).
    paced_steps: tuple[float, ...] = PACED_STEPS


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


def paced_rate(full_load: Sequence[WrkResult]) -> float:
    """The rate of the paced run that PRODUCT.md's third target names: half the whole-call mix's
    own full-load (closed-loop) rate, the median of the rounds of the same run."""
    return PACED_SHARE * median([run.rps for run in full_load])


def pace(
    database: str, rate: float, steps: Sequence[float], measure: Callable[[int, float], WrkResult]
) -> list[tuple[float, WrkResult]]:
    """``measure(step, rate sent)`` at each share of ``rate`` in turn, up to the first run that
    meets the latency target: (rate sent, result) of each."""
    paced: list[tuple[float, WrkResult]] = []
    for step, share in enumerate(steps):
        sent = share * rate
        run = measure(step, sent)
        paced.append((sent, run))
        print(
            f"  {database} paced at {sent:.0f} req/s ({share:g} x half the mix's rate): "
            f"{run.rps:.0f} req/s answered, p50 {run.p50_ms:.2f} ms p99 {run.p99_ms:.2f} ms (from when due) "
            f"failures {run.failures}",
            flush=True,
        )
        if meets_latency(sent, run):
            break
    return paced


def meets_latency(rate: float, run: WrkResult) -> bool:
    """A paced run that answered on schedule (nearly all it was sent) with p99 within target."""
    return run.rps >= PACED_KEPT_UP * rate and run.p99_ms <= MAX_P99_MS


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def bench_database(database: str, options: Options, workdir: Path) -> Measured:
    """Alternating rounds of the app and the bare endpoint on the same server settings."""
    config = bench_config(workdir / "helpdesk.yaml")
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    queue = data["helpdesks"][0].get("queue", {})
    dropped: str | None = None
    if database == "sqlite":
        url = f"sqlite:///{workdir / 'ivr.sqlite3'}"
    else:
        url, dropped = postgres_database(options.postgres_url)
    try:
        upgrade(url)
        token, ops_token = secrets.token_hex(16), secrets.token_hex(16)
        env = {
            "DATABASE_URL": url,
            "IVR_CONFIG": str(config),
            "TWILIO_AUTH_TOKEN": token,
            "IVR_API_TOKENS": f"ops:{ops_token}",
            "IVR_SPOOL_DIR": str(workdir / "spool"),
            "IVR_CALLER_HASH_KEY": secrets.token_hex(16),
        }
        app_results: list[WrkResult] = []
        bare_results: list[WrkResult] = []
        rss: dict[int, int] = {}

        def on_app(measure: Callable[[Service], WrkResult]) -> WrkResult:
            """``measure`` on a newly started service; each worker's largest RSS is kept."""
            port = free_port()
            app = start_uvicorn(
                "app:create_app",
                env | {"PUBLIC_BASE_URL": f"http://{LOOPBACK}:{port}"},
                workdir / "app.log",
                workers=options.workers,
                extra_args=PRODUCTION_FLAGS,
                port=port,
            )
            try:
                result = measure(app)
                for pid, kib in app.rss_kib().items():
                    rss[pid] = max(rss.get(pid, 0), kib)
            finally:
                stop(app)
            return result

        for round_number in range(options.rounds):
            app_results.append(
                on_app(
                    partial(
                        measure_app,
                        token=token,
                        ops_token=ops_token,
                        data=data,
                        options=options,
                        workdir=workdir,
                        round_number=round_number,
                        agents=agents_needed(options, int(queue.get("lines_per_agent", 4))),
                    )
                )
            )
            bare = start_uvicorn(
                "bench.bare:create_app",
                {},
                workdir / "bare.log",
                workers=options.workers,
                extra_args=PRODUCTION_FLAGS,
            )
            try:
                requests_dir = workdir / f"bare-{round_number}"
                endpoints = [
                    fake_endpoints(bare.base_url, desk["id"], desk["numbers"][0])
                    for desk in data["helpdesks"]
                ]
                write_requests(
                    requests_dir,
                    endpoints,
                    bare.base_url,
                    token,
                    options.connections,
                    options.requests_per_thread,
                )
                run_wrk(bare.base_url, requests_dir, options.connections, options.warm_up_s)
                bare_results.append(
                    run_wrk(bare.base_url, requests_dir, options.connections, options.seconds)
                )
            finally:
                stop(bare)
            print_round(database, round_number, app_results[-1], bare_results[-1])

        def paced_run(step: int, rate: float) -> WrkResult:
            return on_app(
                partial(
                    measure_paced,
                    token=token,
                    data=data,
                    options=options,
                    workdir=workdir / f"paced-{step}",
                    rate=rate,
                )
            )

        paced = pace(database, paced_rate(app_results), options.paced_steps, paced_run)
        return Measured(
            database,
            app_results,
            bare_results,
            rss,
            int(queue.get("announce_every", 60)),
            int(queue.get("overflow_after", 180)),
            paced,
        )
    finally:
        if dropped is not None:
            drop_postgres_database(options.postgres_url, dropped)


def fake_endpoints(base_url: str, helpdesk: str, line: str) -> Endpoints:
    """URLs of the same shape as the service's, for the bare endpoint (which ignores them)."""
    query = urlencode({"helpdesk": helpdesk, "v": "0" * 12})
    return Endpoints(
        helpdesk,
        line,
        f"{base_url}/twilio/wait?{query}",
        f"{base_url}/twilio/queue-exit?{query}",
        f"{base_url}/twilio/central-result?"
        + urlencode({"helpdesk": helpdesk, "reason": "wait_timeout", "v": "0" * 12}),
        f"{base_url}/twilio/agent/connect?" + urlencode({"helpdesk": helpdesk, "code": "901"}),
    )


def measure_app(
    app: Service,
    token: str,
    ops_token: str,
    data: dict[str, Any],
    options: Options,
    workdir: Path,
    round_number: int,
    agents: int,
) -> WrkResult:
    """One round: the whole-call mix as fast as it is answered (``agents`` logged in per helpdesk
    before the first)."""
    if round_number == 0:
        helpdesks = [desk["id"] for desk in data["helpdesks"]]
        log_agents_in(app.base_url, ops_token, helpdesks, agents)
    requests_dir = workdir / f"app-{round_number}"
    return replay_calls(
        app, token, data, options, requests_dir, options.connections, options.requests_per_thread
    )


def agents_needed(options: Options, lines_per_agent: int) -> int:
    """Agents per helpdesk so that every call of the benchmark is queued rather than forwarded.

    Each run ends with up to one call per connection still waiting (wrk stops mid-call), and those
    stay in the queue until the reaper clears them: room for all of them, plus the calls in flight.
    """
    left_waiting = options.rounds * options.connections + len(options.paced_steps) * options.paced_connections
    in_flight = max(options.connections, options.paced_connections)
    return -(-(left_waiting + in_flight) // lines_per_agent)


def measure_paced(
    app: Service, token: str, data: dict[str, Any], options: Options, workdir: Path, rate: float
) -> WrkResult:
    """The whole-call mix at ``rate`` requests/s on a fixed schedule."""
    connections = options.paced_connections
    # A fifth more than the schedule needs: none is sent twice even when wrk runs a bit long.
    per_thread = int(rate * options.seconds * 1.2 / connections) + 10
    return replay_calls(app, token, data, options, workdir / "paced", connections, per_thread, rate)


def replay_calls(
    app: Service,
    token: str,
    data: dict[str, Any],
    options: Options,
    requests_dir: Path,
    connections: int,
    per_thread: int,
    rate: float | None = None,
) -> WrkResult:
    """Whole calls from ``connections`` connections (see :func:`run_wrk`), after a short warm-up."""
    desks = [(desk["id"], desk["numbers"][0]) for desk in data["helpdesks"]]
    endpoints = [probe_endpoints(app.base_url, token, desk, line) for desk, line in desks]
    warm_dir = requests_dir.with_name(f"{requests_dir.name}-warm")
    write_requests(warm_dir, endpoints, app.base_url, token, options.connections, 200)
    run_wrk(app.base_url, warm_dir, options.connections, options.warm_up_s)
    write_requests(requests_dir, endpoints, app.base_url, token, connections, per_thread)
    return run_wrk(app.base_url, requests_dir, connections, options.seconds, rate=rate)


def print_round(database: str, round_number: int, app: WrkResult, bare: WrkResult) -> None:
    print(
        f"  {database} round {round_number + 1}: calls mix {app.rps:8.0f} req/s p50 {app.p50_ms:6.2f} ms "
        f"p99 {app.p99_ms:6.2f} ms failures {app.failures}{' WRAPPED' if app.wrapped else ''} | "
        f"bare {bare.rps:8.0f} req/s p50 {bare.p50_ms:6.2f} ms p99 {bare.p99_ms:6.2f} ms | "
        f"ratio {app.rps / bare.rps:.3f}",
        flush=True,
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
    app_rps = median([r.rps for r in measured.app])
    bare_rps = median([r.rps for r in measured.bare])
    ratio = median([a.rps / b.rps for a, b in zip(measured.app, measured.bare, strict=True)])
    p50 = median([r.p50_ms for r in measured.app])
    p99 = median([r.p99_ms for r in measured.app])
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
