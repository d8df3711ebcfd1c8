"""Admission is exact across processes: two uvicorn workers on one SQLite file, or two instances
on one PostgreSQL database, queue exactly ``lines_per_agent`` x agents callers between them.

A caller's arrival is decided inside the transaction that writes it, under the helpdesk's
admission lock (PostgreSQL: an advisory lock; SQLite: its one write lock), so that arrivals
fired at both processes at the same moment are counted one after the other, and an agent who
has just logged in through one process is seen by the very next arrival at the other.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from agents import PresenceStatus, create_agent, set_presence
from calllog import CallRecord
from calls import QueueEntry
from database import make_engine
from tests.conftest import _new_database
from tests.ivr.service_process import (
    BASE,
    Connection,
    Reply,
    Service,
    call_params,
    close_all,
    launch,
    pinned_connections,
    wait_healthy,
)

CONFIG = """\
timezone: Europe/Brussels
website: www.laatjevaccineren.be
central:
  number: "+3227138700"
  hours:
    mon-sun: "00:00-24:00"
helpdesks:
  - id: twee-agenten
    name: Vaccinatiecentrum Twee Agenten
    municipalities: [Brecht]
    numbers: ["+3233100700"]
    hours:
      mon-sun: "00:00-24:00"
    queue:
      lines_per_agent: 3
      min_agents: 0
  - id: aanmelden
    name: Vaccinatiecentrum Aanmelden
    municipalities: [Malle]
    numbers: ["+3233100800"]
    agent_numbers: ["+3233100899"]
    hours:
      mon-sun: "00:00-24:00"
    queue:
      min_agents: 0
"""
CENTRAL = "+3227138700"
BUSY_LINE, LOGIN_LINE, AGENT_LINE = "+3233100700", "+3233100800", "+3233100899"
AGENTS, LINES_PER_AGENT = 2, 3
# Per process (or worker): arrivals fired at once at each, in every round.
PER_INSTANCE = 8
ROUNDS = 5


@dataclass
class Instances:
    """The two processes (workers) serving one database, with connections pinned to each."""

    engine: Engine
    connections: list[list[Connection]]


@pytest.fixture(scope="module")
def instances(
    db_backend: str, _migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Instances]:
    """SQLite: one uvicorn with 2 workers on one file. PostgreSQL: 2 uvicorns on one database.

    Started once for the module (on a database of its own): each test has a helpdesk of its own.
    """
    tmp_path = tmp_path_factory.mktemp("admission")
    with _new_database(db_backend, tmp_path, template=_migrated_template) as url:
        yield from _instances(url, db_backend, tmp_path)


def _instances(database_url: str, db_backend: str, tmp_path: Path) -> Iterator[Instances]:
    config = tmp_path / "helpdesk.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        for number in range(AGENTS):
            set_presence(session, "twee-agenten", f"{number + 1:03d}", PresenceStatus.AVAILABLE, now)
        create_agent(session, "aanmelden", "101", "An", "4321", now)

    processes, workers = (2, 1) if db_backend == "postgresql" else (1, 2)
    services: list[Service] = []
    pinned: list[dict[int, list[Connection]]] = []
    try:
        for number in range(processes):
            log = tmp_path / f"instance-{number}.log"
            services.append(launch(database_url, config, tmp_path / "spool", log, workers=workers))
        for service in services:
            wait_healthy(service)
        pinned = [pinned_connections(service, workers, PER_INSTANCE) for service in services]
        yield Instances(engine, [group for groups in pinned for group in groups.values()])
    finally:
        for groups in pinned:
            close_all(groups)
        for service in services:
            service.stop()
        engine.dispose()


def test_exactly_the_lines_of_the_agents_are_queued(instances: Instances) -> None:
    capacity = AGENTS * LINES_PER_AGENT
    for round_ in range(ROUNDS):
        sids = [[_sid(1, round_, side * PER_INSTANCE + n) for n in range(PER_INSTANCE)] for side in (0, 1)]
        replies = _all_at_once(instances, sids)

        queued = {sid for sid, reply in replies.items() if "<Enqueue" in reply.text}
        forwarded = {sid for sid, reply in replies.items() if _forwarded(reply)}
        assert all(reply.is_twiml for reply in replies.values())
        assert (len(queued), len(forwarded)) == (capacity, 2 * PER_INSTANCE - capacity), f"round {round_}"
        assert _waiting(instances.engine) == queued
        assert _overflow_reasons(instances.engine, forwarded) == dict.fromkeys(forwarded, "queue_full")

        # The queued callers hang up; their status callbacks reach either process.
        for number, sid in enumerate(sorted(queued)):
            connection = instances.connections[number % 2][0]
            ended = call_params(
                sid, BUSY_LINE, _caller(sid), "completed", CallDuration="30", SequenceNumber="2"
            )
            assert connection.post("/twilio/status", ended).is_twiml
        assert _waiting(instances.engine) == set()


def test_a_login_is_seen_by_the_next_arrival_at_the_other_process(instances: Instances) -> None:
    for round_ in range(3):
        # The agent calls the agent line of one process; callers arrive at the other.
        agent_side, caller_side = (0, 1) if round_ % 2 == 0 else (1, 0)
        agent = instances.connections[agent_side][0]
        caller = instances.connections[caller_side][0]

        before = caller.post("/twilio/voice", call_params(_sid(2, round_, 1), LOGIN_LINE, "+32470000001"))
        assert _forwarded(before), before.text  # nobody logged in yet

        agent_call = _sid(2, round_, 2)
        _log_in(agent, agent_call, code="101", pin="4321")
        after = caller.post("/twilio/voice", call_params(_sid(2, round_, 3), LOGIN_LINE, "+32470000003"))
        assert "<Enqueue" in after.text, f"round {round_}: {after.text}"

        # The agent hangs up: the next caller at the other process finds nobody again.
        ended = call_params(agent_call, AGENT_LINE, "+32499000101", "completed", CallDuration="60")
        assert agent.post("/twilio/status", ended).is_twiml
        gone = caller.post("/twilio/voice", call_params(_sid(2, round_, 4), LOGIN_LINE, "+32470000004"))
        assert _forwarded(gone), f"round {round_}: {gone.text}"

    forwarded = _sids_of(instances.engine, "aanmelden")
    assert len(forwarded) == 6
    assert _overflow_reasons(instances.engine, forwarded) == dict.fromkeys(forwarded, "no_agents")


def _all_at_once(instances: Instances, sids: list[list[str]]) -> dict[str, Reply]:
    """Each sid's arrival posted on a connection of its own, all released together."""
    start = threading.Barrier(sum(len(group) for group in sids))
    replies: dict[str, Reply] = {}
    failures: list[BaseException] = []

    def arrive(connection: Connection, sid: str) -> None:
        try:
            start.wait()
            replies[sid] = connection.post("/twilio/voice", call_params(sid, BUSY_LINE, _caller(sid)))
        except BaseException as exc:
            failures.append(exc)
            start.abort()

    threads = [
        threading.Thread(target=arrive, args=(connection, sid))
        for group, connections in zip(sids, instances.connections, strict=True)
        for sid, connection in zip(group, connections, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    return replies


def _log_in(connection: Connection, call_sid: str, *, code: str, pin: str) -> None:
    """An agent's call to the agent line: code and PIN typed, each posted to the action asked for."""
    params = call_params(call_sid, AGENT_LINE, "+32499000101")
    reply = connection.post("/twilio/agent", params)
    for digits in (code, pin):
        action = re.search(r'action="([^"]+)"', reply.text)
        assert action is not None, reply.text
        reply = connection.post(html.unescape(action[1]).removeprefix(BASE), params | {"Digits": digits})
    assert "/twilio/agent/next" in reply.text, reply.text


def _sid(test: int, round_: int, number: int) -> str:
    """A CallSid of its own per test, round and call (the tests share one database)."""
    return f"CA{test:02x}{round_:02x}{number:028x}"


def _forwarded(reply: Reply) -> bool:
    """Whether the answer sends the caller on to central."""
    return reply.is_twiml and "<Dial" in reply.text and CENTRAL in reply.text


def _caller(sid: str) -> str:
    return f"+3247{int(sid[-7:], 16) % 10**7:07d}"


def _waiting(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(
            session.scalars(
                select(QueueEntry.call_sid).where(
                    QueueEntry.helpdesk_id == "twee-agenten", QueueEntry.left_at.is_(None)
                )
            )
        )


def _overflow_reasons(engine: Engine, sids: set[str]) -> dict[str, str | None]:
    with Session(engine) as session:
        rows = session.execute(
            select(CallRecord.call_sid, CallRecord.overflow_reason).where(CallRecord.call_sid.in_(sids))
        ).all()
    return {row.call_sid: row.overflow_reason for row in rows}


def _sids_of(engine: Engine, helpdesk_id: str) -> set[str]:
    with Session(engine) as session:
        return set(
            session.scalars(
                select(CallRecord.call_sid).where(
                    CallRecord.helpdesk_id == helpdesk_id, CallRecord.outcome == "overflowed"
                )
            )
        )
