"""50 open "Nu" pages of the web console: what their 5-second refresh costs the service.

Part of ``make bench-metrics`` (issue 23: at most 5 % of one core). The service starts as in
production (the Dockerfile's command, ``bench.service.start_app``: one uvicorn process) on the
database the metrics benchmark filled, with its helpdesks open at the time, agents logged
in on every helpdesk (available, on break, calling citizens) and callers waiting, put in the
queue by signed ``/twilio/voice`` webhooks as Twilio would. Fifty clients sign in to the console,
each with a session of its own, open "Nu" once and then fetch ``/console/nu.json`` every 5 s,
as ``console/static/now.js`` does, for a minute; their first refreshes are spread over the first
5 s, as pages opened at different moments would be. The CPU time of the service's processes
(``utime`` + ``stime`` of ``/proc/<pid>/stat``) over that minute divided by its wall time is the
share of one core the pages cost. The scheduled jobs are off, so that the minute holds the pages'
work alone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import yaml

from bench.load import call_sid, sign
from bench.service import Service, sign_in_csrf, start_app, stop

PAGES = 50
PERIOD_S = 5.0  # console/static/now.js's PERIOD_MS
SECONDS = 60.0
MAX_CORE_PERCENT = 5.0
# Per helpdesk: agents by status, and callers waiting (4 lines per available agent leave room).
AGENTS = (("available", 6), ("break", 2), ("outbound", 1))
WAITING = 5
ZONE = ZoneInfo("Europe/Brussels")
GOAL = f"{PAGES} open Nu pages <= {MAX_CORE_PERCENT:g} % of one core"


@dataclass(frozen=True)
class NowPagesCost:
    """The service's CPU seconds over ``seconds`` of wall time, while ``requests`` refreshes were
    answered (every one with 200)."""

    database: str
    pages: int
    requests: int
    seconds: float
    cpu_s: float
    helpdesks: int
    agents: int
    waiting: int

    @property
    def core_percent(self) -> float:
        return 100 * self.cpu_s / self.seconds

    @property
    def passed(self) -> bool:
        return self.core_percent <= MAX_CORE_PERCENT


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` so far (fields 14 and 15 of /proc/<pid>/stat)."""
    after_name = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(after_name[11]) + int(after_name[12])) / os.sysconf("SC_CLK_TCK")


def service_cpu(service: Service) -> float:
    pids = {service.process.pid, *service.pids()}
    return sum(cpu_seconds(pid) for pid in pids)


def open_now(source: Path, target: Path, now: dt.datetime) -> list[dict[str, str]]:
    """``source``'s helpdesks, open every day for some hours around ``now`` (local), written to
    ``target``; returns each helpdesk's id and first citizen number.

    Opening hours of a working day, not around the clock: a helpdesk that never closes is no
    helpdesk of the playbook, and its next closing would be searched 400 days ahead on every read.
    """
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    local = now.astimezone(ZONE)
    opens = max(local.hour - 4, 0)
    closes = min(local.hour + 5, 24)
    hours = f"{opens:02d}:00-{closes:02d}:00"
    for desk in data["helpdesks"]:
        desk["hours"] = {"mon-sun": hours, "holidays": hours}
        desk.pop("exceptions", None)
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return [{"id": desk["id"], "number": desk["numbers"][0]} for desk in data["helpdesks"]]


def set_the_scene(
    service: Service, ops_token: str, twilio_token: str, helpdesks: Sequence[dict[str, str]]
) -> None:
    """Agents logged in on every helpdesk (through the agents API) and callers waiting (through
    the citizen line's webhook, as Twilio posts it)."""
    auth = {"Authorization": f"Bearer {ops_token}"}
    with httpx.Client(base_url=service.base_url, timeout=10) as client:
        for desk in helpdesks:
            code = 700
            for status, count in AGENTS:
                for _ in range(count):
                    code += 1
                    agent = {
                        "helpdesk": desk["id"],
                        "code": str(code),
                        "name": f"Medewerker {code}",
                        "pin": "4321",
                    }
                    client.post("/api/agents", json=agent, headers=auth).raise_for_status()
                    path = f"/api/agents/{desk['id']}/{code}/presence"
                    client.put(path, json={"status": status}, headers=auth).raise_for_status()
            for caller in range(WAITING):
                url = f"{service.base_url}/twilio/voice"
                call = {
                    "AccountSid": "AC" + "0" * 32,
                    "CallSid": call_sid(),
                    "From": f"+3247{caller:07d}",
                    "To": desk["number"],
                    "CallStatus": "ringing",
                }
                answer = client.post(
                    url, data=call, headers={"X-Twilio-Signature": sign(twilio_token, url, call)}
                )
                answer.raise_for_status()
                if "<Enqueue" not in answer.text:
                    raise RuntimeError(f"{desk['id']}: the caller was not queued: {answer.text[:200]}")


def check_the_scene(service: Service, supervisor_token: str, helpdesks: Sequence[dict[str, str]]) -> None:
    """The API shows the state set up: otherwise the pages would refresh an idle service."""
    auth = {"Authorization": f"Bearer {supervisor_token}"}
    live = httpx.get(f"{service.base_url}/api/helpdesks", headers=auth, timeout=10).raise_for_status().json()
    available = dict(AGENTS)["available"]
    for desk in live:
        if desk["callers_waiting"] != WAITING or desk["agents_logged_in"] != available:
            raise RuntimeError(f"{desk['id']}: not the state set up: {desk}")
    if len(live) != len(helpdesks):
        raise RuntimeError(f"{len(live)} helpdesks live, {len(helpdesks)} configured")


async def _open_page(client: httpx.AsyncClient, token: str) -> None:
    """Sign in and load "Nu", as a supervisor opening the console does."""
    form = await client.get("/console")
    form.raise_for_status()
    signed = await client.post("/console", data={"token": token, "csrf": sign_in_csrf(form.text)})
    if signed.status_code != 303:
        raise RuntimeError(f"sign-in answered {signed.status_code}")
    (await client.get("/console/nu")).raise_for_status()


async def _refresh(client: httpx.AsyncClient, first: float, end: float) -> int:
    """One open page's refreshes, every PERIOD_S from ``first`` until ``end`` (monotonic); returns
    how many were answered."""
    done = 0
    due = first
    while due < end:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        try:
            answer = await client.get("/console/nu.json", headers={"Accept": "application/json"})
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            # uvicorn closes a connection idle for 5 s, the refresh period: a browser then sends
            # the request again on a new connection, and so do we.
            answer = await client.get("/console/nu.json", headers={"Accept": "application/json"})
        answer.raise_for_status()
        if not answer.json()["helpdesks"]:
            raise RuntimeError("nu.json without helpdesks")
        done += 1
        due += PERIOD_S
    return done


async def _pages(service: Service, token: str, seconds: float) -> tuple[int, float, float]:
    """The pages' refreshes over ``seconds``: (refreshes, CPU seconds of the service, wall seconds).

    The pages are signed in and opened one after another before the measured span starts.
    """
    clients = [httpx.AsyncClient(base_url=service.base_url, timeout=10) for _ in range(PAGES)]
    try:
        for client in clients:
            await _open_page(client, token)
        cpu_before, start = service_cpu(service), time.monotonic()
        end = start + seconds
        done = await asyncio.gather(
            *(_refresh(client, start + index * PERIOD_S / PAGES, end) for index, client in enumerate(clients))
        )
        cpu_after, stop_at = service_cpu(service), time.monotonic()
    finally:
        for client in clients:
            await client.aclose()
    return sum(done), cpu_after - cpu_before, stop_at - start


def measure_now_pages(
    database: str, url: str, config: Path, workdir: Path, seconds: float = SECONDS
) -> NowPagesCost:
    """The 50 pages' cost on the database at ``url`` (helpdesks of ``config``, open all day)."""
    helpdesks = open_now(config, workdir / "now-pages.yaml", dt.datetime.now(dt.UTC))
    supervisor, ops, twilio = (secrets.token_hex(16) for _ in range(3))
    env = {
        "DATABASE_URL": url,
        "IVR_CONFIG": str(workdir / "now-pages.yaml"),
        "IVR_API_TOKENS": f"supervisor:{supervisor},ops:{ops}",
        "IVR_SCHEDULER": "false",
        "IVR_SPOOL_DIR": str(workdir / "now-pages-spool"),
        "IVR_CALLER_HASH_KEY": secrets.token_hex(16),
        "TWILIO_AUTH_TOKEN": twilio,
    }
    service = start_app(env, workdir / "now-pages.log", workers=1)
    try:
        set_the_scene(service, ops, twilio, helpdesks)
        check_the_scene(service, supervisor, helpdesks)
        requests, cpu_s, wall_s = asyncio.run(_pages(service, supervisor, seconds))
    finally:
        stop(service)
    return NowPagesCost(
        database=database,
        pages=PAGES,
        requests=requests,
        seconds=wall_s,
        cpu_s=cpu_s,
        helpdesks=len(helpdesks),
        agents=len(helpdesks) * sum(count for _, count in AGENTS),
        waiting=len(helpdesks) * WAITING,
    )


def report_now_pages(cost: NowPagesCost, calls_stored: int) -> bool:
    """Prints the measured line; whether it met the target."""
    print(
        f"  {cost.pages} open Nu pages at {calls_stored:,} calls ({cost.helpdesks} helpdesks, {cost.agents} "
        f"agents, {cost.waiting} callers waiting): {cost.requests} refreshes in {cost.seconds:.0f} s, "
        f"service CPU {cost.cpu_s:.2f} s = {cost.core_percent:.1f} % of one core "
        f"(target <= {MAX_CORE_PERCENT:g} %) {'PASS' if cost.passed else 'FAIL'}"
    )
    return cost.passed
