"""The helpdesks ``make bench`` and ``make soak`` play calls to: the example config open around the
clock, and agents available on every helpdesk, so that every call is queued."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import httpx
import yaml

from bench.options import Options
from bench.service import ROOT

EXAMPLE_CONFIG = ROOT / "config" / "helpdesk.yaml"


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


def agents_needed(options: Options, lines_per_agent: int) -> int:
    """Agents per helpdesk so that every call of the benchmark is queued rather than forwarded.

    Each run ends with up to one call per connection still waiting (wrk stops mid-call), and those
    stay in the queue until the reaper clears them: room for all of them, plus the calls in flight.
    """
    left_waiting = options.rounds * options.connections + len(options.paced_steps) * options.paced_connections
    in_flight = max(options.connections, options.paced_connections)
    return -(-(left_waiting + in_flight) // lines_per_agent)
