"""A worker killed right after answering has lost none of the calls it answered.

Webhooks answer only once their writes are committed (or spooled): eight clients drive 1,008
calls into one uvicorn worker (group commit on, as deployed), a third of them followed by their
"completed" status callback; the worker is SIGKILLed the moment the last answer is in, restarted
on the same database and spool (which the start-up replays), and every answered call must have
its events. Half of the calls go to a helpdesk with agents (each caller queued: a queue entry
and the events entered_queue), half to one without (overflow to central for no_agents), so that
both kinds of arrival and both kinds of status write (event, leaving the queue) are covered.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from agents import PresenceStatus, set_presence
from calllog import CallEvent, CallRecord
from calls import QueueEntry
from database import make_engine
from tests.ivr.service_process import Connection, Service, call_params, start_service

CONFIG = """\
timezone: Europe/Brussels
website: www.laatjevaccineren.be
central:
  number: "+3227138700"
  hours:
    mon-sun: "00:00-24:00"
helpdesks:
  - id: met-agenten
    name: Vaccinatiecentrum Met Agenten
    municipalities: [Brecht]
    numbers: ["+3233100500"]
    hours:
      mon-sun: "00:00-24:00"
    queue:
      lines_per_agent: 50
      min_agents: 0
  - id: zonder-agenten
    name: Vaccinatiecentrum Zonder Agenten
    municipalities: [Malle]
    numbers: ["+3233100600"]
    hours:
      mon-sun: "00:00-24:00"
    queue:
      min_agents: 0
"""
QUEUED_LINE, OVERFLOW_LINE = "+3233100500", "+3233100600"
CLIENTS = 8
CALLS_PER_CLIENT = 126  # 1,008 calls in all
# 12 agents x 50 lines: room for every caller of the helpdesk with agents (504 at most).
AGENTS = 12


def test_answered_calls_survive_a_kill(migrated_db_url: str, tmp_path: Path) -> None:
    config = tmp_path / "helpdesk.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    spool, log = tmp_path / "spool", tmp_path / "service.log"
    engine = make_engine(migrated_db_url)
    try:
        with Session(engine) as session, session.begin():
            for number in range(AGENTS):
                set_presence(session, "met-agenten", f"{number + 1:03d}", PresenceStatus.AVAILABLE, _now())

        service = start_service(migrated_db_url, config, spool, log)
        try:
            answered, statuses = _drive_calls(service)
        finally:
            service.stop()
        assert service.process.returncode == -signal.SIGKILL

        # The start-up replays whatever the killed worker spooled.
        start_service(migrated_db_url, config, spool, log).stop()

        missing = _missing_events(engine, answered, statuses)
        queue = _queue_entries(engine, [sid for sid, kind in answered.items() if kind == "entered_queue"])
    finally:
        engine.dispose()

    assert len(answered) == CLIENTS * CALLS_PER_CLIENT, f"{len(answered)} calls answered with TwiML"
    kinds = sorted(answered.values())
    assert (kinds.count("entered_queue"), kinds.count("overflow")) == (504, 504)
    assert len(statuses) == 336
    assert missing == {}, f"{len(missing)} of {len(answered)} answered calls lack events: {_sample(missing)}"
    # Every queued caller has a queue entry; those whose call ended have left the queue.
    assert len(queue) == 504
    assert {sid for sid, left in queue.items() if left} == {sid for sid in statuses if sid in queue}


def _now() -> datetime:
    return datetime.now(UTC)


def _drive_calls(service: Service) -> tuple[dict[str, str], set[str]]:
    """Every client's calls, in parallel, and SIGKILL the moment the last answer is in.

    The clients send their last calls together, so that a batch is in the worker's hands at the
    end. Returns the answered calls' outcomes and the calls whose status callback was answered.
    """
    answered: dict[str, str] = {}
    statuses: set[str] = set()
    failures: list[BaseException] = []
    last_call = threading.Barrier(CLIENTS)
    # Run by the last client to get its last answer, before any client goes on.
    killed = threading.Barrier(CLIENTS, action=lambda: os.kill(service.process.pid, signal.SIGKILL))

    def client(number: int) -> None:
        http = Connection(service)
        try:
            for call in range(CALLS_PER_CLIENT):
                index = number * CALLS_PER_CLIENT + call
                sid = f"CA{index:032x}"
                line = QUEUED_LINE if index % 2 == 0 else OVERFLOW_LINE
                caller = f"+32470{index:06d}"
                if call == CALLS_PER_CLIENT - 1:
                    last_call.wait()
                reply = http.post("/twilio/voice", call_params(sid, line, caller))
                if reply.is_twiml:
                    answered[sid] = _outcome(reply.text)
                if index % 3 == 0:
                    ended = call_params(sid, line, caller, "completed", CallDuration="42", SequenceNumber="3")
                    if http.post("/twilio/status", ended).is_twiml:
                        statuses.add(sid)
        except BaseException as exc:
            failures.append(exc)
            last_call.abort()
        finally:
            http.close()
        killed.wait()

    threads = [threading.Thread(target=client, args=(number,)) for number in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    return answered, statuses


def _outcome(twiml: str) -> str:
    """The call-log event the answer stands for: queued, or forwarded to central."""
    if "<Enqueue" in twiml:
        return "entered_queue"
    if "<Dial" in twiml and "+3227138700" in twiml:
        return "overflow"
    return f"unexpected answer {twiml}"


def _missing_events(engine: Engine, answered: dict[str, str], statuses: set[str]) -> dict[str, set[str]]:
    """The events each answered call should have and has not (offered, its outcome, its status)."""
    found: dict[str, set[str]] = defaultdict(set)
    records: set[str] = set()
    with Session(engine) as session:
        for sid, kind in session.execute(select(CallEvent.call_sid, CallEvent.kind)):
            found[sid].add(kind)
        records.update(session.scalars(select(CallRecord.call_sid)))
    missing: dict[str, set[str]] = {}
    for sid, outcome in answered.items():
        expected = {"offered", outcome} | ({"status"} if sid in statuses else set())
        lacking = expected - found[sid]
        if sid not in records:
            lacking.add("call record")
        if lacking:
            missing[sid] = lacking
    return missing


def _queue_entries(engine: Engine, sids: list[str]) -> dict[str, bool]:
    """Whether each of the queued calls has a queue entry, and whether it has left the queue."""
    with Session(engine) as session:
        rows = session.execute(select(QueueEntry.call_sid, QueueEntry.left_at)).all()
    wanted = set(sids)
    return {sid: left is not None for sid, left in rows if sid in wanted}


def _sample(missing: dict[str, set[str]]) -> str:
    return ", ".join(f"{sid}: {sorted(kinds)}" for sid, kinds in sorted(missing.items())[:5])
