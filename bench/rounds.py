"""The closed-loop rounds of ``make bench``: the whole-call mix against the service, then the same
requests against a bare FastAPI endpoint on the same server settings, each as fast as it is
answered (full load); the ratio of their rates is one of PRODUCT.md's targets.

The two alternate round by round, so that a machine that slows down or speeds up during the run
weighs on both alike.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from bench.helpdesks import log_agents_in
from bench.options import Options
from bench.service import PRODUCTION_FLAGS, AppRuns, Service, start_uvicorn, stop
from bench.whole_calls import fake_endpoints, replay_calls, write_requests
from bench.wrk import WrkResult, run_wrk


def closed_loop_rounds(
    database: str,
    options: Options,
    app: AppRuns,
    token: str,
    ops_token: str,
    data: dict[str, Any],
    workdir: Path,
    agents: int,
) -> tuple[list[WrkResult], list[WrkResult]]:
    """``options.rounds`` rounds of the mix on the service and of the bare endpoint, each round
    printed: (the mix's results, the bare endpoint's)."""
    app_results: list[WrkResult] = []
    bare_results: list[WrkResult] = []
    for round_number in range(options.rounds):
        app_results.append(
            app.run(
                partial(
                    measure_app,
                    token=token,
                    ops_token=ops_token,
                    data=data,
                    options=options,
                    workdir=workdir,
                    round_number=round_number,
                    agents=agents,
                )
            )
        )
        bare_results.append(measure_bare(token, data, options, workdir, round_number))
        print_round(database, round_number, app_results[-1], bare_results[-1])
    return app_results, bare_results


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


def measure_bare(
    token: str, data: dict[str, Any], options: Options, workdir: Path, round_number: int
) -> WrkResult:
    """One round of the bare endpoint: the same kind of requests, on a newly started server with
    the service's settings, after a warm-up."""
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
            fake_endpoints(bare.base_url, desk["id"], desk["numbers"][0]) for desk in data["helpdesks"]
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
        return run_wrk(bare.base_url, requests_dir, options.connections, options.seconds)
    finally:
        stop(bare)


def print_round(database: str, round_number: int, app: WrkResult, bare: WrkResult) -> None:
    print(
        f"  {database} round {round_number + 1}: calls mix {app.rps:8.0f} req/s p50 {app.p50_ms:6.2f} ms "
        f"p99 {app.p99_ms:6.2f} ms failures {app.failures}{' WRAPPED' if app.wrapped else ''} | "
        f"bare {bare.rps:8.0f} req/s p50 {bare.p50_ms:6.2f} ms p99 {bare.p99_ms:6.2f} ms | "
        f"ratio {app.rps / bare.rps:.3f}",
        flush=True,
    )
