"""A write the database refuses for what it holds never holds back another write.

The failing operation is split from its batch, kept in the dead-letter table (or the spool's
dead-letter file) with its error, counted in /metrics and logged once without a traceback; the
rest of the batch is committed. Outages (the database unreachable) are spooled as before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from app import create_app
from calllog import CallRecord, new_event
from calls import QueueEntry
from database import dead_letters
from routing import EnqueueCaller, PlayBusy
from service.operations import (
    Admission,
    Admitted,
    EnterQueue,
    MarkAnswered,
    Operation,
    RecordEvent,
    Seen,
    decode,
)
from service.runtime import is_outage
from service.spool import DEAD_LETTERS
from tests.ivr.conftest import BASE, Clock, Line, make_settings

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
# Twilio never sends it any more (parameters are range-checked), but a bug could: no column holds it.
ABSURD = 10**40


def sid(number: int) -> str:
    return f"CA{number:032x}"


def entered(number: int) -> EnterQueue:
    return EnterQueue(call_sid=sid(number), helpdesk_id="voorkempen", now=NOW)


def poison(number: int) -> MarkAnswered:
    return MarkAnswered(call_sid=sid(number), agent="a1", queue_time=ABSURD, now=NOW)


def event(number: int) -> RecordEvent:
    return RecordEvent(
        event=new_event(call_sid=sid(number), helpdesk_id="voorkempen", kind="entered_queue", at=NOW)
    )


def _app(db_url: str, spool_dir: Path, *, group_commit: bool) -> Iterator[Line]:
    settings = make_settings(db_url, group_commit=group_commit).model_copy(
        update={"ivr_spool_dir": spool_dir}
    )
    app = create_app(settings, clock=Clock())
    with TestClient(app, base_url=BASE) as client:
        runtime = app.state.runtime
        yield Line(client=client, runtime=runtime, clock=runtime.clock)
    app.state.runtime.engine.dispose()


@pytest.fixture(params=[False, True], ids=["own-commits", "group-commit"])
def writing(request: pytest.FixtureRequest, migrated_db_url: str, tmp_path: Path) -> Iterator[Line]:
    yield from _app(migrated_db_url, tmp_path / "spool", group_commit=request.param)


@pytest.fixture
def line(migrated_db_url: str, tmp_path: Path) -> Iterator[Line]:
    yield from _app(migrated_db_url, tmp_path / "spool", group_commit=False)


def _commit(line: Line, items: list[Operation | Admission]) -> list[Admitted]:
    writer = line.runtime.writer
    if writer is not None:
        return writer.submit_and_wait(items)  # through the running group commit
    return line.runtime.commit(items)


def _stored(line: Line) -> tuple[int, int, list[str]]:
    with line.runtime.sessions() as session:
        entries = session.execute(select(func.count()).select_from(QueueEntry)).scalar_one()
        records = session.execute(select(func.count()).select_from(CallRecord)).scalar_one()
        letters = [letter.operation for letter in dead_letters(session)]
    return entries, records, letters


def _dead_letter_logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if "dead letter" in record.getMessage()]


def test_a_poisoned_operation_is_kept_aside_and_the_rest_of_its_batch_committed(
    writing: Line, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    batch: list[Operation | Admission] = [*(entered(n) for n in range(6)), *(event(n) for n in range(6))]
    batch.insert(7, poison(3))
    _commit(writing, batch)

    entries, records, letters = _stored(writing)
    assert (entries, records) == (6, 6)
    assert [decode(f"[{letter}]") for letter in letters] == [[poison(3)]]
    assert writing.runtime.dead_lettered == 1
    logged = _dead_letter_logs(caplog)
    assert len(logged) == 1
    assert logged[0].exc_info is None  # one line, no traceback
    assert "ivr_writes_dead_lettered_total 1.0" in writing.client.get("/metrics").text.splitlines()
    # Nothing was spooled: the database was there all along.
    assert not writing.runtime.spool.pending()  # type: ignore[union-attr]


def test_two_poisoned_operations_in_a_large_batch_lose_nothing_else(writing: Line) -> None:
    batch: list[Operation | Admission] = [entered(n) for n in range(200)]
    batch[17:17] = [poison(1)]
    batch[150:150] = [poison(2)]
    _commit(writing, batch)
    entries, _, letters = _stored(writing)
    assert entries == 200
    assert len(letters) == 2


def test_an_arrival_whose_writes_are_refused_takes_its_fail_safe_answer(writing: Line) -> None:
    def decide(seen: Seen) -> Admitted:
        return Admitted(EnqueueCaller(queue_name="voorkempen"), True, (entered(50), poison(50)))

    fallback = Admitted(PlayBusy(), False, (event(50),))
    results = _commit(writing, [entered(1), Admission("voorkempen", decide, fallback), entered(2)])
    assert results == [fallback]
    entries, records, letters = _stored(writing)
    assert (entries, records, letters) == (2, 1, [])


def test_spool_replay_with_a_poisoned_entry_empties_the_spool(
    line: Line, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    spool = line.runtime.spool
    assert spool is not None
    spool.append([entered(1), poison(1), event(1)])
    spool.append([entered(2), event(2)])
    with next(spool.directory.glob("spool-*.jsonl")).open("a", encoding="utf-8") as file:
        file.write('[["enter_queue", {"call_sid": "an old or torn line"}]]\n')

    assert line.runtime.replay_spool() == 3
    assert not spool.pending()
    entries, records, letters = _stored(line)
    assert (entries, records, len(letters)) == (2, 2, 1)
    unreadable = [json.loads(text) for text in (spool.directory / DEAD_LETTERS).read_text().splitlines()]
    assert [letter["operation"] for letter in unreadable] == [
        '[["enter_queue", {"call_sid": "an old or torn line"}]]'
    ]
    assert line.runtime.dead_lettered == 2
    assert not [r for r in caplog.records if "still fails" in r.getMessage()]
    assert line.runtime.replay_spool() == 0  # nothing comes back


def test_a_dead_letter_the_database_cannot_take_goes_to_the_spools_file(
    line: Line, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(*_: object) -> None:
        raise OperationalError("INSERT", {}, Exception("connection refused"))

    monkeypatch.setattr("service.runtime.store_dead_letters", unreachable)
    line.runtime.commit([entered(1), poison(1)])
    spool = line.runtime.spool
    assert spool is not None
    kept = [json.loads(text) for text in (spool.directory / DEAD_LETTERS).read_text().splitlines()]
    assert [decode(f"[{letter['operation']}]") for letter in kept] == [[poison(1)]]
    assert _stored(line)[0] == 1


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (OperationalError("SELECT 1", {}, Exception("connection refused")), True),
        (OperationalError("INSERT", {}, Exception("database is locked")), True),
        (OSError("no space left on device"), True),
        (IntegrityError("INSERT", {}, Exception("NOT NULL constraint failed")), False),
        (OverflowError("Python int too large to convert to SQLite INTEGER"), False),
        (ValueError("naive datetime refused"), False),
        (ProgrammingError("INSERT", {}, Exception("cannot adapt type")), False),
    ],
)
def test_an_outage_is_told_apart_from_a_refused_write(error: BaseException, outage: bool) -> None:
    assert is_outage(error) is outage
