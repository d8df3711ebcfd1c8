"""The database goes away in the middle of a busy hour and comes back.

Every webhook still answers valid TwiML (the fail-safe decision), the writes of those calls are
spooled on local disk and replayed when the database returns: nothing lost, nothing counted
twice, and the KPIs equal those computed from what the simulated Twilio saw.
"""

from __future__ import annotations

import random
import time as wallclock
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from agents import create_agent
from calllog import CallEvent, Thresholds, set_invitations, summary
from config import HelpdeskConfig
from database import make_engine
from ivr.simulate import Deployment
from simulator import DestinationBehaviour, SimCall
from tests.ivr.conftest import CONFIG
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


# The outage of a database server: PostgreSQL, the engine of multi-instance deployments.
@pytest.mark.parametrize(
    "db_backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_an_outage_loses_nothing_and_counts_nothing_twice(
    example_config: HelpdeskConfig,
    relayed_url: tuple[str, CuttableRelay],
    migrated_db_url: str,
    tmp_path: Path,
) -> None:
    url, relay = relayed_url
    config = _config(example_config)
    rng = random.Random(4)  # noqa: S311 - a reproducible scenario, not a secret
    with Deployment(config, CONFIG, at("08:55"), url, spool_dir=tmp_path / "spool") as deployment:
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
        relay.cut()
        started = wallclock.monotonic()
        webhooks_before = len(sim.webhooks)
        sim.run(until=OUTAGE[1])
        during = len(sim.webhooks) - webhooks_before
        elapsed = wallclock.monotonic() - started
        assert deployment.runtime.spool.pending()  # type: ignore[union-attr]
        relay.restore()
        sim.run(until=at("11:10"))
        deployment.runtime.replay_spool()
        assert not deployment.runtime.spool.pending()  # type: ignore[union-attr]

        assert list(sim.errors) == []  # valid TwiML all along, no application error
        assert during > 50
        assert elapsed / during < 1.0  # seconds per webhook while the database was down
        talks = _talk_times(agents.values())
        seen = [_classify(desk, call, talks, OUTAGE) for desk, call in placed]
        assert any(s.reason == "error" for s in seen)
        with deployment.runtime.session() as session:
            for desk, invitations in (("voorkempen", 900), ("kempen-zuid", 700)):
                reported = summary(session, desk, DAY.date(), DAY.date(), Thresholds())
                expected = _expected([s for s in seen if s.desk == desk], invitations, Thresholds())
                assert _reported(reported) == expected, desk
    total, distinct = _events(migrated_db_url)
    assert total == distinct > 0
