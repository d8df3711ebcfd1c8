"""Two service processes on one database, as behind a load balancer.

Presence set through one process is what the other one routes by, and the once-a-minute jobs
run once per minute in all, not once per process (each minute is claimed in the database).
"""

from __future__ import annotations

import itertools
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from calllog import CallRecord, Thresholds, summary
from database import make_engine
from simulator import TwilioSimulator
from staffing import JobTick, StaffingAlert

ROOT = Path(__file__).resolve().parents[2]
OPS = "ops-token-0123456789abcdef"
ALWAYS_OPEN = """\
timezone: Europe/Brussels
website: www.laatjevaccineren.be
central:
  number: "+3227138700"
  hours:
    mon-sun: "00:00-24:00"
helpdesks:
  - id: dag-en-nacht
    name: Vaccinatiecentrum Dag en Nacht
    municipalities: [Brecht]
    numbers: ["+3233100100"]
    agent_numbers: ["+3233100199"]
    hours:
      mon-sun: "00:00-24:00"
    queue:
      min_agents: 2
  - id: nacht-en-dag
    name: Vaccinatiecentrum Nacht en Dag
    municipalities: [Brecht]
    numbers: ["+3233100300"]
    agent_numbers: ["+3233100399"]
    hours:
      mon-sun: "00:00-24:00"
    queue:
      min_agents: 0
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the service exited at start-up"
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not become healthy")


@pytest.fixture
def two_processes(migrated_db_url: str, tmp_path: Path) -> Iterator[tuple[list[str], list[Path]]]:
    yield from _two_processes(migrated_db_url, tmp_path, {})


@pytest.fixture
def two_direct_processes(migrated_db_url: str, tmp_path: Path) -> Iterator[tuple[list[str], list[Path]]]:
    """Two instances whose webhooks each commit their own writes (``IVR_GROUP_COMMIT=false``).

    The simulated quarter hour below runs in a fraction of a second of wall time, so a call's
    webhooks follow each other within one write-behind interval, which real calls (a welcome
    message, a minute of waiting) never do; with writes behind, which instance wrote first
    would change the routing. Written at once, one instance and two must count exactly alike.
    """
    yield from _two_processes(migrated_db_url, tmp_path, {"IVR_GROUP_COMMIT": "false"})


def _two_processes(
    migrated_db_url: str, tmp_path: Path, extra_env: dict[str, str]
) -> Iterator[tuple[list[str], list[Path]]]:
    config = tmp_path / "helpdesk.yaml"
    config.write_text(ALWAYS_OPEN, encoding="utf-8")
    env = os.environ | {
        "DATABASE_URL": migrated_db_url,
        "IVR_CONFIG": str(config),
        "TWILIO_AUTH_TOKEN": "two-processes-token",
        "IVR_API_TOKENS": f"ops:{OPS}",
        "IVR_SCHEDULER": "true",
        "IVR_SCHEDULER_INTERVAL": "1",
        "PUBLIC_BASE_URL": "https://helpdesk.example.org",
        **extra_env,
    }
    urls, logs, processes = [], [], []
    try:
        for number in range(2):
            port = _free_port()
            log = tmp_path / f"instance-{number}.log"
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "uvicorn", "app:create_app", "--factory", "--port", str(port)],
                        cwd=ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
            urls.append(f"http://127.0.0.1:{port}")
            logs.append(log)
        for url, process in zip(urls, processes, strict=True):
            _wait_healthy(url, process)
        yield urls, logs
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


def test_presence_and_jobs_are_shared(
    two_processes: tuple[list[str], list[Path]], migrated_db_url: str
) -> None:
    (first, second), logs = two_processes
    auth = {"Authorization": f"Bearer {OPS}"}
    created = httpx.post(
        f"{first}/api/agents",
        json={"helpdesk": "dag-en-nacht", "code": "101", "name": "An", "pin": "1234"},
        headers=auth,
    )
    assert created.status_code == 201
    presence = httpx.put(
        f"{first}/api/agents/dag-en-nacht/101/presence", json={"status": "available"}, headers=auth
    )
    assert presence.status_code == 200

    seen = httpx.get(f"{second}/api/agents?helpdesk=dag-en-nacht", headers=auth).json()
    assert [(agent["code"], agent["status"]) for agent in seen] == [("101", "available")]
    live = httpx.get(f"{second}/api/helpdesks", headers=auth).json()
    assert [(desk["id"], desk["agents_logged_in"], desk["staffing_alert"]) for desk in live] == [
        ("dag-en-nacht", 1, True),
        ("nacht-en-dag", 0, False),
    ]

    # Both processes try the jobs every second; within a minute each job runs in one of them.
    time.sleep(4)
    engine = make_engine(migrated_db_url)
    try:
        with engine.connect() as connection:
            ticks = connection.execute(
                select(JobTick.job, func.count()).group_by(JobTick.job).order_by(JobTick.job)
            ).all()
            alerts = connection.execute(select(func.count()).select_from(StaffingAlert)).scalar_one()
    finally:
        engine.dispose()
    minutes = {count for _, count in ticks}
    assert {job for job, _ in ticks} >= {"staffing-watch", "retention"}
    assert minutes <= {1, 2}  # one row per job and minute (two if the test crossed a minute)
    assert alerts == 1
    output = [log.read_text(encoding="utf-8", errors="replace") for log in logs]
    assert sum(text.count("too few agents logged in") for text in output) == 1
    assert all("Application startup complete" in text for text in output)


class RoundRobin:
    """An HTTP client for the simulator that sends each request to the next process in turn,
    as a load balancer without sticky sessions would."""

    def __init__(self, urls: list[str]) -> None:
        self._clients = [httpx.Client(base_url=url, timeout=10) for url in urls]
        self._next = 0

    def _client(self) -> httpx.Client:
        client = self._clients[self._next % len(self._clients)]
        self._next += 1
        return client

    def get(self, url: str, *, headers: Mapping[str, str] = {}) -> httpx.Response:
        return self._client().get(url, headers=headers)

    def post(self, url: str, *, data: Mapping[str, str], headers: Mapping[str, str]) -> httpx.Response:
        return self._client().post(url, data=data, headers=headers)

    def close(self) -> None:
        for client in self._clients:
            client.close()


def _busy_quarter(client: RoundRobin, line: str, agent_line: str, pin: str, run: int) -> None:
    """One agent by phone and 30 callers in a quarter of an hour (simulated), same every time."""
    sim = TwilioSimulator(
        client,
        public_base_url="https://helpdesk.example.org",
        auth_token="two-processes-token",
        start=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
    )
    rng = random.Random(11)  # noqa: S311 - a reproducible scenario, not a secret
    sim.place_call(
        from_="+32499000101", to=agent_line, path="/twilio/agent", digits=[(2, "101#"), (2, f"{pin}#")]
    )
    for number in range(30):
        sim.place_call(
            from_=f"+32472{number:06d}",
            to=line,
            at=sim.now + timedelta(seconds=30 + rng.randint(0, 900)),
            hang_up_after=rng.choice([None, None, rng.uniform(2, 240)]),
            talk_seconds=rng.randint(20, 200),
            call_sid=f"CA{run:04d}{number + 1:028x}",
        )
    sim.run(until=sim.now + timedelta(minutes=30))
    assert list(sim.errors) == []


def test_two_processes_count_like_one(
    two_direct_processes: tuple[list[str], list[Path]], migrated_db_url: str
) -> None:
    (first, second), _ = two_direct_processes
    auth = {"Authorization": f"Bearer {OPS}"}
    for desk in ("dag-en-nacht", "nacht-en-dag"):
        agent = {"helpdesk": desk, "code": "101", "name": "An", "pin": "1234"}
        assert httpx.post(f"{first}/api/agents", json=agent, headers=auth).status_code == 201

    one, both = RoundRobin([first]), RoundRobin([first, second])
    try:
        _busy_quarter(one, "+3233100100", "+3233100199", "1234", run=1)
        _busy_quarter(both, "+3233100300", "+3233100399", "1234", run=2)
    finally:
        one.close()
        both.close()

    today = httpx.get(f"{second}/api/helpdesks", headers=auth).json()
    # Both agents still on their line, nobody left waiting, in either setup.
    assert [(d["agents_logged_in"], d["callers_waiting"]) for d in today] == [(1, 0), (1, 0)]
    engine = make_engine(migrated_db_url)
    try:
        with Session(engine) as session:
            day = session.execute(select(func.max(CallRecord.arrival_date))).scalar_one()
            assert day is not None
            solo = summary(session, "dag-en-nacht", day, day, Thresholds())
            duo = summary(session, "nacht-en-dag", day, day, Thresholds())
    finally:
        engine.dispose()
    assert solo.offered == 30
    assert solo.answered > 0
    assert duo == solo


def _arrival(url: str, number: int) -> str:
    """A signed arrival at dag-en-nacht (no agent logged in: central takes it, open day and night)."""
    form = {
        "CallSid": f"CA{number:032x}",
        "AccountSid": "AC" + "1" * 32,
        "From": "+32470123456",
        "To": "+3233100100",
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    signature = RequestValidator("two-processes-token").compute_signature(
        "https://helpdesk.example.org/twilio/voice", form
    )
    answer = httpx.post(f"{url}/twilio/voice", data=form, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200
    return answer.text


def _seconds_until(url: str, reason: str, calls: Iterator[int]) -> float:
    """Seconds until an arrival at ``url`` is forwarded to central for ``reason`` (at most 5)."""
    started = time.monotonic()
    while time.monotonic() - started < 5:
        if f"reason={reason}" in _arrival(url, next(calls)):
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"{url} never forwarded for {reason}")


def test_a_closure_made_through_one_instance_is_applied_by_the_other_within_2_s(
    two_processes: tuple[list[str], list[Path]],
) -> None:
    (first, second), _ = two_processes
    auth = {"Authorization": f"Bearer {OPS}"}
    calls = itertools.count(1)
    # Both instances have read the closures (none) and keep them for a second.
    assert "reason=no_agents" in _arrival(first, next(calls))
    assert "reason=no_agents" in _arrival(second, next(calls))

    closed = httpx.post(
        f"{first}/api/helpdesks/dag-en-nacht/closure", json={"reason": "stroompanne"}, headers=auth
    )
    assert closed.status_code == 201
    assert "reason=closed" in _arrival(first, next(calls))  # at once where it was made
    assert _seconds_until(second, "closed", calls) < 2
    metrics = httpx.get(f"{second}/metrics").text
    assert 'ivr_helpdesk_closed{helpdesk="dag-en-nacht"} 1.0' in metrics
    assert 'ivr_helpdesk_closed{helpdesk="nacht-en-dag"} 0.0' in metrics

    assert httpx.delete(f"{second}/api/helpdesks/dag-en-nacht/closure", headers=auth).status_code == 204
    assert "reason=no_agents" in _arrival(second, next(calls))
    assert _seconds_until(first, "no_agents", calls) < 2
