"""What one ``make bench`` runs: the server's workers, the runs' connections and lengths, the
databases, and the shares of the paced runs (the command line of ``python -m bench.webhooks``)."""

from __future__ import annotations

from dataclasses import dataclass

# The paced runs: half the mix's own rate first, then lower shares of it until one meets the
# latency target (see bench/paced.py).
PACED_STEPS = (1.0, 0.85, 0.7, 0.55, 0.4, 0.25)


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
