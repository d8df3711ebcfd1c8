"""The database goes away in the middle of a busy hour and comes back.

Every webhook still answers valid TwiML within a second (the fail-safe decision where the
database cannot be read), the writes of those calls are spooled on local disk and replayed when
the database returns: nothing lost, nothing counted twice, and the KPIs equal those computed
from what the simulated Twilio saw. Three outages: the network to the PostgreSQL server is cut,
the PostgreSQL server itself is stopped, and the SQLite file can no longer be written.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import time as wallclock
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from agents import create_agent
from calllog import CallEvent, Thresholds, set_invitations, summary
from cli.simulate import Deployment
from config import HelpdeskConfig
from database import make_engine
from service.operations import EnterQueue
from simulator import DestinationBehaviour, SimCall
from tests.ivr.conftest import CONFIG
from tests.ivr.pg_server import PostgresServer, stoppable_postgres
from tests.ivr.tcp_cut import CuttableRelay
from tests.ivr.test_simulated_day import (
    AGENT_LINES,
    AGENTS,
    CENTRAL,
    DAY,
    LINES,
    _classify,
    _config,
    _expected,
    _reported,
    _talk_times,
    at,
)

OUTAGE = (at("10:00"), at("10:20"))


@pytest.fixture
def relayed_url(migrated_db_url: str) -> Iterator[tuple[str, CuttableRelay]]:
    url = make_url(migrated_db_url)
    relay = CuttableRelay((url.host or "127.0.0.1", url.port or 5432))
    try:
        yield url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False), relay
    finally:
        relay.close()


@pytest.fixture
def own_server() -> Iterator[PostgresServer]:
    with stoppable_postgres() as server:
        yield server


def _events(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            total = connection.execute(select(func.count()).select_from(CallEvent)).scalar_one()
            distinct = connection.execute(
                select(func.count()).select_from(
                    select(CallEvent.call_sid, CallEvent.dedupe).distinct().subquery()
                )
            ).scalar_one()
        return total, distinct
    finally:
        engine.dispose()


class _Stopwatch:
    """Wall-clock seconds of every request the simulated Twilio makes to the app while in use."""

    def __init__(self, client: TestClient) -> None:
        self.seconds: list[float] = []
        self._client = client
        self._started = 0.0

    def __enter__(self) -> list[float]:
        self._client.event_hooks = {"request": [self._start], "response": [self._stop]}
        return self.seconds

    def __exit__(self, *exc: object) -> None:
        self._client.event_hooks = {"request": [], "response": []}

    def _start(self, _request: object) -> None:
        self._started = wallclock.monotonic()

    def _stop(self, _response: object) -> None:
        self.seconds.append(wallclock.monotonic() - self._started)


def _busy_hour_with_an_outage(
    example_config: HelpdeskConfig,
    url: str,
    spool_dir: Path,
    go_down: Callable[[], None],
    come_back: Callable[[], None],
    *,
    readable: bool,
    midway: Callable[[Deployment], None] | None = None,
) -> None:
    """Play the busy hour with the database down from 10:00 to 10:20.

    ``readable``: the database still answers reads (only its writes fail), so the call flow
    decides as usual instead of using the fail-safe decision. ``midway`` is done at 10:10.
    """
    config = _config(example_config)
    rng = random.Random(4)  # noqa: S311 - a reproducible scenario, not a secret
    with Deployment(config, CONFIG, at("08:55"), url, spool_dir=spool_dir) as deployment:
        sim = deployment.sim
        sim.set_destination(CENTRAL, DestinationBehaviour(outcome="answer", ring_seconds=3, talk_seconds=60))
        with deployment.runtime.session() as session:
            for desk, code, pin, _, _ in AGENTS:
                create_agent(session, desk, code, f"Agent {code}", pin, at("08:55"))
            set_invitations(session, "voorkempen", DAY.date(), 900)
            set_invitations(session, "kempen-zuid", DAY.date(), 700)
        agents: dict[str, SimCall] = {}
        for desk, code, pin, start, _ in AGENTS:
            agents[code] = sim.place_call(
                from_=f"+3249900{code}",
                to=AGENT_LINES[desk],
                at=start,
                path="/twilio/agent",
                digits=[(2, f"{code}#"), (2, f"{pin}#")],
            )
        placed = []
        for number in range(70):
            desk = rng.choice(list(LINES))
            moment = at("09:40") + timedelta(seconds=rng.randint(0, 3600))
            patience = rng.choice([None, None, rng.uniform(2, 200)])
            call = sim.place_call(
                from_=f"+32471{number:06d}",
                to=LINES[desk],
                at=moment,
                hang_up_after=patience,
                talk_seconds=rng.randint(30, 300),
            )
            placed.append((desk, call))

        sim.run(until=OUTAGE[0])
        go_down()
        with _Stopwatch(deployment.client) as during:
            if midway is not None:
                sim.run(until=at("10:10"))
                midway(deployment)
            sim.run(until=OUTAGE[1])
        assert deployment.runtime.spool.pending()  # type: ignore[union-attr]
        come_back()
        sim.run(until=at("11:10"))
        deployment.runtime.replay_spool()
        assert not deployment.runtime.spool.pending()  # type: ignore[union-attr]

        assert list(sim.errors) == []  # valid TwiML all along, no application error
        assert len(during) > 50
        assert max(during) < 1.0  # seconds of each webhook while the database was down
        talks = _talk_times(agents.values())
        seen = [_classify(desk, call, talks, None if readable else OUTAGE) for desk, call in placed]
        if not readable:
            assert any(s.reason == "error" for s in seen)  # the fail-safe decision was used
        with deployment.runtime.session() as session:
            for desk, invitations in (("voorkempen", 900), ("kempen-zuid", 700)):
                reported = summary(session, desk, DAY.date(), DAY.date(), Thresholds())
                expected = _expected([s for s in seen if s.desk == desk], invitations, Thresholds())
                assert _reported(reported) == expected, desk
    total, distinct = _events(url)
    assert total == distinct > 0


# The network to the database server fails: open connections drop, new ones are refused.
@pytest.mark.parametrize(
    "db_backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_network_outage_loses_nothing_and_counts_nothing_twice(
    example_config: HelpdeskConfig, relayed_url: tuple[str, CuttableRelay], tmp_path: Path
) -> None:
    url, relay = relayed_url
    _busy_hour_with_an_outage(
        example_config, url, tmp_path / "spool", relay.cut, relay.restore, readable=False
    )


# The database server itself stops (``pg_ctl stop -m fast``) and is started again: a server of
# the test's own, not the shared one.
def test_a_stopped_server_loses_nothing_and_counts_nothing_twice(
    example_config: HelpdeskConfig, own_server: PostgresServer, tmp_path: Path
) -> None:
    server = own_server
    _busy_hour_with_an_outage(
        example_config, server.url, tmp_path / "spool", server.stop, server.start, readable=False
    )


def _chattr(flag: str, *paths: Path) -> None:
    subprocess.run(["chattr", flag, *map(str, paths)], check=True)  # noqa: S607 - chattr from PATH


# The SQLite file becomes unwritable (a read-only or failing file system): the database and its
# write-ahead log are made immutable, which stops root too. Not the shared-memory index: SQLite
# writes it through a memory mapping, where an immutable file faults with SIGBUS.
@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("chattr") is None,
    reason="making a file unwritable to its owner needs root and chattr (chattr +i)",
)
@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_an_unwritable_sqlite_file_loses_nothing_and_counts_nothing_twice(
    example_config: HelpdeskConfig, migrated_db_url: str, tmp_path: Path
) -> None:
    database = Path(make_url(migrated_db_url).database or "")
    files = (database, database.with_name(f"{database.name}-wal"))
    immutable: list[Path] = []

    def go_down() -> None:
        # The app's pooled connections keep the write-ahead log open, so it exists.
        assert all(path.is_file() for path in files)
        _chattr("+i", *files)
        immutable.extend(files)

    def come_back() -> None:
        _chattr("-i", *files)
        immutable.clear()

    def reconnect(deployment: Deployment) -> None:
        # The app's connections are closed (recycled, say): the new ones open a file SQLite may
        # only read. Before, the open ones failed writing ("disk I/O error"); now, new ones do
        # ("attempt to write a readonly database") and must not outlive the outage.
        deployment.runtime.engine.dispose()

    try:
        _busy_hour_with_an_outage(
            example_config,
            migrated_db_url,
            tmp_path / "spool",
            go_down,
            come_back,
            readable=True,
            midway=reconnect,
        )
    finally:
        if immutable:
            _chattr("-i", *immutable)


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_a_dry_run_without_a_spool_folder_takes_its_own_with_it(
    example_config: HelpdeskConfig, migrated_db_url: str
) -> None:
    with Deployment(example_config, CONFIG, at("10:00"), migrated_db_url) as deployment:
        spool = deployment.runtime.settings.ivr_spool_dir
        entered = EnterQueue(call_sid="CA" + "1" * 32, helpdesk_id="voorkempen", now=at("10:00"))
        deployment.runtime.spool.append([entered])  # type: ignore[union-attr]
        assert spool.is_dir()
        assert deployment.runtime.spool.pending()  # type: ignore[union-attr]
    assert not spool.exists()
