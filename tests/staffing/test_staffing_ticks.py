"""Claiming a job's minute: exactly one claimant runs it, also when instances race."""

from __future__ import annotations

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from database import make_engine, make_sessionmaker
from staffing import JobTick, claim_tick, prune_ticks, tick_of

TICK = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.mark.parametrize(
    ("now", "tick"),
    [
        pytest.param(dt.datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS), TICK, id="on-the-minute"),
        pytest.param(dt.datetime(2026, 12, 2, 10, 0, 59, 999999, tzinfo=BRUSSELS), TICK, id="end-of-minute"),
        pytest.param(
            dt.datetime(2026, 12, 2, 9, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
            dt.datetime(2026, 12, 2, 3, 30, tzinfo=dt.UTC),
            id="half-hour-offset",
        ),
        pytest.param(
            dt.datetime(2026, 3, 29, 3, 0, 10, tzinfo=BRUSSELS),
            dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC),
            id="after-spring-dst-switch",
        ),
    ],
)
def test_tick_is_the_utc_minute(now: dt.datetime, tick: dt.datetime) -> None:
    assert (tick_of(now), tick_of(now).tzinfo) == (tick, dt.UTC)


def test_tick_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="naive datetime 2026-12-02T09:00:00 refused"):
        tick_of(dt.datetime(2026, 12, 2, 9, 0))  # noqa: DTZ001


def test_only_the_first_claim_of_a_minute_wins(session: Session) -> None:
    claims = [
        claim_tick(session, "staffing-watch", TICK),
        claim_tick(session, "staffing-watch", TICK),
        claim_tick(session, "reaper", TICK),
        claim_tick(session, "staffing-watch", TICK + dt.timedelta(minutes=1)),
    ]

    assert claims == [True, False, True, True]


def test_a_claim_records_when_it_ran(session: Session) -> None:
    claim_tick(session, "reaper", TICK, ran_at=TICK + dt.timedelta(seconds=2))
    claim_tick(session, "staffing-watch", TICK)

    rows = session.execute(select(JobTick.job, JobTick.tick, JobTick.ran_at).order_by(JobTick.job)).all()

    assert [tuple(row) for row in rows] == [
        ("reaper", TICK, TICK + dt.timedelta(seconds=2)),
        ("staffing-watch", TICK, TICK),
    ]


def test_pruning_forgets_old_claims_of_one_job(session: Session) -> None:
    for minutes in range(5):
        claim_tick(session, "reaper", TICK + dt.timedelta(minutes=minutes))
    claim_tick(session, "staffing-watch", TICK)

    pruned = prune_ticks(session, "reaper", TICK + dt.timedelta(minutes=3))

    assert pruned == 3
    assert [
        tuple(row) for row in session.execute(select(JobTick.job, JobTick.tick).order_by(JobTick.tick))
    ] == [
        ("staffing-watch", TICK),
        ("reaper", TICK + dt.timedelta(minutes=3)),
        ("reaper", TICK + dt.timedelta(minutes=4)),
    ]
    # A pruned minute could be claimed again, which is why pruning keeps days, not minutes.
    assert claim_tick(session, "reaper", TICK + dt.timedelta(minutes=4)) is False


def test_racing_instances_claim_a_minute_once(migrated_db_url: str) -> None:
    racers = 8
    engine = make_engine(migrated_db_url)
    sessions = make_sessionmaker(engine)
    start = threading.Barrier(racers)
    results: list[bool] = []
    lock = threading.Lock()

    def race() -> None:
        with sessions() as session, session.begin():
            start.wait(timeout=10)
            won = claim_tick(session, "staffing-watch", TICK)
            # Holding the transaction open a moment makes the others meet the uncommitted row.
            time.sleep(0.05)
        with lock:
            results.append(won)

    threads = [threading.Thread(target=race) for _ in range(racers)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        with sessions() as session:
            rows = session.execute(select(JobTick.job, JobTick.tick)).all()
    finally:
        engine.dispose()

    assert sorted(results) == [False] * (racers - 1) + [True]
    assert [tuple(row) for row in rows] == [("staffing-watch", TICK)]


def test_a_claim_rolled_back_leaves_the_minute_to_the_next_claimant(migrated_db_url: str) -> None:
    engine = make_engine(migrated_db_url)
    sessions = make_sessionmaker(engine)
    second: list[bool] = []
    try:
        with sessions() as first:
            transaction = first.begin()
            first_won = claim_tick(first, "reaper", TICK)

            def claim() -> None:
                with sessions() as session, session.begin():
                    second.append(claim_tick(session, "reaper", TICK))

            thread = threading.Thread(target=claim)
            thread.start()
            time.sleep(0.2)  # the second claimant now waits for the first transaction
            transaction.rollback()
            thread.join(timeout=30)
    finally:
        engine.dispose()

    assert (first_won, second) == (True, [True])
