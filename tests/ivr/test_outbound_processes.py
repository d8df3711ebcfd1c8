"""Two agents never get the same person, across processes: agents in outbound work on two
instances on one PostgreSQL database (or two uvicorn workers on one SQLite file) ask for their
next person all at the same moment, round after round, until the lists are empty.

The next person is claimed in one statement (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite: its
one write lock), so every person is dialled exactly once whichever instance each agent is on.
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
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from agents import PresenceStatus, presence, set_presence
from database import make_engine
from outbound import OutboundAttempt
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
from tests.outbound.seed import add_list, entries

CONFIG = """\
timezone: Europe/Brussels
website: www.laatjevaccineren.be
central:
  number: "+3227138700"
  hours:
    mon-sun: "00:00-24:00"
helpdesks:
  - id: bellen
    name: Vaccinatiecentrum Bellen
    municipalities: [Brecht]
    numbers: ["+3233100900"]
    agent_numbers: ["+3233100999"]
    hours:
      mon-sun: "00:00-24:00"
    queue:
      min_agents: 0
"""
HELPDESK_NUMBER, AGENT_LINE = "+3233100900", "+3233100999"
# Per instance: agents asking for their next person at the same moment.
AGENTS_PER_INSTANCE = 4
PEOPLE = [f"+3247200{n:04d}" for n in range(70)]
NUMBER = re.compile(r"<Number\b[^>]*>([^<]+)</Number>")
ACTION = re.compile(r'<Dial\b[^>]*\baction="([^"]+)"')


@dataclass(frozen=True)
class AgentCall:
    code: str
    call_sid: str
    connection: Connection

    def post(self, path: str, **form: str) -> Reply:
        params = call_params(self.call_sid, AGENT_LINE, f"+32499{self.code:0>6}", "in-progress")
        return self.connection.post(path, params | form)


@dataclass
class Instances:
    engine: Engine
    agents: list[AgentCall]
    list_ids: list[int]


@pytest.fixture(scope="module")
def instances(
    db_backend: str, _migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Instances]:
    tmp_path = tmp_path_factory.mktemp("outbound")
    with _new_database(db_backend, tmp_path, template=_migrated_template) as url:
        yield from _instances(url, db_backend, tmp_path)


def _instances(database_url: str, db_backend: str, tmp_path: Path) -> Iterator[Instances]:
    config = tmp_path / "helpdesk.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        list_ids = [
            add_list(session, "bellen", PEOPLE[:40], now, label="reservelijst maandag"),
            add_list(session, "bellen", PEOPLE[40:], now, label="vrijwilligers"),
        ]
    processes, workers = (2, 1) if db_backend == "postgresql" else (1, 2)
    services: list[Service] = []
    pinned: list[dict[int, list[Connection]]] = []
    try:
        for number in range(processes):
            log = tmp_path / f"instance-{number}.log"
            services.append(launch(database_url, config, tmp_path / "spool", log, workers=workers))
        for service in services:
            wait_healthy(service)
        pinned = [pinned_connections(service, workers, AGENTS_PER_INSTANCE) for service in services]
        connections = [connection for groups in pinned for group in groups.values() for connection in group]
        agents = [
            AgentCall(code=f"{number + 101}", call_sid=f"CA{number + 1:032x}", connection=connection)
            for number, connection in enumerate(connections)
        ]
        with Session(engine) as session, session.begin():
            for agent in agents:
                outbound = PresenceStatus.OUTBOUND
                set_presence(session, "bellen", agent.code, outbound, now, call_sid=agent.call_sid)
        yield Instances(engine, agents, list_ids)
    finally:
        for groups in pinned:
            close_all(groups)
        for service in services:
            service.stop()
        engine.dispose()


def test_no_person_is_ever_dialled_twice(instances: Instances) -> None:
    dialled: list[str] = []
    calling = list(instances.agents)
    rounds = 0
    while calling:
        rounds += 1
        remaining = len(PEOPLE) - len(dialled)
        replies = _all_at_once(calling, "/twilio/agent/outbound/next?helpdesk=bellen")
        still: list[AgentCall] = []
        for agent, reply in replies.items():
            assert reply.is_twiml, reply.text
            number = NUMBER.search(reply.text)
            if number is None:
                assert "niemand meer te bellen" in reply.text, reply.text
                continue
            dialled.append(number[1])
            still.append(agent)
            action = ACTION.search(reply.text)
            assert action is not None
            # Nobody answers: the next round asks for the next person.
            ended = agent.post(html.unescape(action[1]).removeprefix(BASE), DialCallStatus="no-answer")
            assert "/twilio/agent/outbound/next" in ended.text, ended.text
        # Nobody hears "nobody left" while a person is still to be called.
        assert len(still) == min(len(calling), remaining), f"round {rounds}"
        calling = still

    assert sorted(dialled) == sorted(PEOPLE)  # each once
    assert rounds >= len(PEOPLE) // len(instances.agents)
    with Session(instances.engine) as session:
        done = [entry for list_id in instances.list_ids for entry in entries(session, list_id)]
        attempts = session.execute(select(func.count()).select_from(OutboundAttempt)).scalar_one()
        statuses = {row.status for row in presence(session, "bellen")}
    assert {(state, outcome, tries) for _, state, outcome, tries, _ in done} == {("done", "no_answer", 1)}
    assert attempts == len(PEOPLE)
    assert statuses == {PresenceStatus.AVAILABLE}  # nobody left: back to the incoming callers


def _all_at_once(agents: list[AgentCall], path: str) -> dict[AgentCall, Reply]:
    """Each agent's request on its own connection, all released together."""
    start = threading.Barrier(len(agents))
    replies: dict[AgentCall, Reply] = {}
    failures: list[BaseException] = []

    def ask(agent: AgentCall) -> None:
        try:
            start.wait()
            replies[agent] = agent.post(f"{path}&code={agent.code}")
        except BaseException as exc:
            failures.append(exc)
            start.abort()

    threads = [threading.Thread(target=ask, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    return replies
