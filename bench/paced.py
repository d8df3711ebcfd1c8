"""The paced runs of ``make bench``: the whole-call mix sent open-loop on a fixed schedule from
``options.paced_connections`` connections, first at half the mix's own full-load rate (the median
of the closed-loop rounds of the same run), then at lower shares of it until the p99 is within
target.

Latency there counts from when a request was due, so a stall also counts against the requests it
held up (no coordinated omission). The p99 of the first run is PRODUCT.md's paced target; the rate
answered by the highest run within target is the rate carried within it.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from bench.options import Options
from bench.service import AppRuns, Service
from bench.whole_calls import replay_calls
from bench.wrk import WrkResult

# PRODUCT.md "Scale and speed".
MAX_P99_MS = 25.0
# The paced target's run is sent at this share of the mix's own full-load (closed-loop) rate.
PACED_SHARE = 0.5
# A paced run whose answers came at less than this share of its rate did not carry that rate.
PACED_KEPT_UP = 0.97


def paced_runs(
    database: str,
    options: Options,
    app: AppRuns,
    token: str,
    data: dict[str, Any],
    workdir: Path,
    full_load: Sequence[WrkResult],
) -> list[tuple[float, WrkResult]]:
    """The paced runs after the rounds ``full_load`` of the mix, each on a newly started service:
    (rate sent, result) of each."""

    def paced_run(step: int, rate: float) -> WrkResult:
        return app.run(
            partial(
                measure_paced,
                token=token,
                data=data,
                options=options,
                workdir=workdir / f"paced-{step}",
                rate=rate,
            )
        )

    return pace(database, paced_rate(full_load), options.paced_steps, paced_run)


def paced_rate(full_load: Sequence[WrkResult]) -> float:
    """The rate of the paced run that PRODUCT.md's third target names: half the whole-call mix's
    own full-load (closed-loop) rate, the median of the rounds of the same run."""
    return PACED_SHARE * statistics.median([run.rps for run in full_load])


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


def measure_paced(
    app: Service, token: str, data: dict[str, Any], options: Options, workdir: Path, rate: float
) -> WrkResult:
    """The whole-call mix at ``rate`` requests/s on a fixed schedule."""
    connections = options.paced_connections
    # A fifth more than the schedule needs: none is sent twice even when wrk runs a bit long.
    per_thread = int(rate * options.seconds * 1.2 / connections) + 10
    return replay_calls(app, token, data, options, workdir / "paced", connections, per_thread, rate)
