"""The write-behind: webhooks hand their writes in, one thread commits them in batches."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import calls
from app import WRITE_INTERVAL_MS, WRITER_SWITCH_INTERVAL_S, create_app
from calllog import CallRecord
from calls import QueueEntry, line_states
from database.migrations import upgrade
from ivr.spool import Operation
from ivr.writer import BACKLOG, FLUSH_AT, RecentLines, WriteBehind
from routing import LineState
from tests.ivr.conftest import Clock, Line, make_settings

WAIT_S = 5.0


class Recorder:
    """A stand-in for ``Runtime.write``: keeps every batch, signals each one."""

    def __init__(self, fail_first: bool = False) -> None:
        self.batches: list[list[Operation]] = []
        self.written = threading.Event()
        self._fail_first = fail_first

    def __call__(self, operations: Sequence[Operation]) -> bool:
        if self._fail_first:
            self._fail_first = False
            raise RuntimeError("a bug in a batch")
        self.batches.append(list(operations))
        self.written.set()
        return True


def op(number: int) -> Operation:
    return ("leave_queue", {"call_sid": f"CA{number:032x}", "result": "hangup"})


def test_without_the_thread_a_submit_writes_at_once() -> None:
    recorder = Recorder()
    behind = WriteBehind(recorder, interval_s=60)
    behind.submit([op(1), op(2)])
    assert recorder.batches == [[op(1), op(2)]]
    assert not behind.running
    behind.submit([])
    assert recorder.batches == [[op(1), op(2)]]


def test_submits_are_kept_in_order_and_written_as_one_batch() -> None:
    recorder = Recorder()
    behind = WriteBehind(recorder, interval_s=60)
    behind.start()
    try:
        behind.submit([op(1)])
        behind.submit([op(2), op(3)])
        assert behind.pending() == 3
        assert recorder.batches == []
        behind.flush()
        assert recorder.batches == [[op(1), op(2), op(3)]]
        assert behind.pending() == 0
        behind.flush()  # nothing pending: no empty batch
        assert recorder.batches == [[op(1), op(2), op(3)]]
    finally:
        behind.stop()


def test_the_thread_writes_within_the_interval() -> None:
    recorder = Recorder()
    behind = WriteBehind(recorder, interval_s=0.02)
    behind.start()
    try:
        behind.submit([op(1)])
        assert recorder.written.wait(WAIT_S)
        assert recorder.batches == [[op(1)]]
    finally:
        behind.stop()


def test_a_full_batch_wakes_the_thread_before_the_interval() -> None:
    recorder = Recorder()
    behind = WriteBehind(recorder, interval_s=3600)
    behind.start()
    try:
        behind.submit([op(n) for n in range(FLUSH_AT - 1)])
        assert not recorder.written.wait(0.2)
        behind.submit([op(FLUSH_AT - 1)])
        assert recorder.written.wait(WAIT_S)
        assert recorder.batches == [[op(n) for n in range(FLUSH_AT)]]
    finally:
        behind.stop()


def test_stop_writes_what_is_pending_and_ends_the_thread() -> None:
    recorder = Recorder()
    behind = WriteBehind(recorder, interval_s=3600)
    behind.start()
    behind.submit([op(1)])
    behind.stop()
    assert recorder.batches == [[op(1)]]
    assert not behind.running
    assert "ivr-write-behind" not in [thread.name for thread in threading.enumerate()]


def test_a_failing_batch_is_logged_and_the_thread_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    # Runtime.write spools what the database refuses and does not raise: a raise is a bug.
    recorder = Recorder(fail_first=True)
    behind = WriteBehind(recorder, interval_s=3600)
    behind.start()
    try:
        behind.submit([op(1)])
        with pytest.raises(RuntimeError, match="a bug in a batch"):
            behind.flush()
        behind.submit([op(n) for n in range(2, FLUSH_AT + 2)])  # a full batch wakes the thread
        assert recorder.written.wait(WAIT_S)
    finally:
        behind.stop()
    assert recorder.batches == [[op(n) for n in range(2, FLUSH_AT + 2)]]


def test_the_thread_logs_a_failing_batch_and_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(fail_first=True)
    behind = WriteBehind(recorder, interval_s=3600)
    behind.start()
    try:
        behind.submit([op(n) for n in range(FLUSH_AT)])  # the thread's batch fails
        for _ in range(int(WAIT_S / 0.01)):
            if caplog.records:
                break
            threading.Event().wait(0.01)
        behind.submit([op(n) for n in range(FLUSH_AT, 2 * FLUSH_AT)])
        assert recorder.written.wait(WAIT_S)
    finally:
        behind.stop()
    assert [(r.name, r.getMessage()) for r in caplog.records] == [("ivr.writer", "write-behind batch failed")]
    assert recorder.batches == [[op(n) for n in range(FLUSH_AT, 2 * FLUSH_AT)]]


@pytest.mark.parametrize("interval", [0, -0.5])
def test_the_interval_must_be_positive(interval: float) -> None:
    with pytest.raises(ValueError, match="interval_s must be positive"):
        WriteBehind(Recorder(), interval_s=interval)


def test_a_webhook_behind_the_writer_waits_for_a_batch_begun_after_it_asked() -> None:
    gate = threading.Event()
    writing = threading.Event()

    def slow_write(operations: Sequence[Operation]) -> None:
        writing.set()
        gate.wait(WAIT_S)

    writer = WriteBehind(slow_write, interval_s=10.0)
    writer.start()
    writer.submit([op(n) for n in range(BACKLOG + 1)])  # wakes the thread: a full batch
    assert writing.wait(WAIT_S)
    writer.submit([op(n) for n in range(BACKLOG + 1)])
    assert writer.behind()

    async def webhook() -> tuple[bool, bool]:
        batch = writer.next_batch()
        await asyncio.sleep(0.05)
        during = batch.done()  # the batch being written began before it asked
        gate.set()
        await asyncio.wait_for(batch, WAIT_S)
        return during, batch.done()

    assert asyncio.run(webhook()) == (False, True)
    assert not writer.behind()
    writer.stop()


def test_a_stopped_writer_keeps_nobody_waiting() -> None:
    writer = WriteBehind(Recorder(), interval_s=10.0)

    async def webhook() -> bool:
        batch = writer.next_batch()
        return batch.done()

    assert asyncio.run(webhook())


async def until(condition: Callable[[], object]) -> None:
    """Let the loop run until ``condition`` holds, or at most :data:`WAIT_S`."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if condition():
            return
        await asyncio.sleep(0.01)


class Turns:
    """A stand-in for ``WriterLock.try_hold``: free, busy (another writer) or no lock at all."""

    def __init__(self, state: bool | None = True) -> None:
        self.state = state
        self.tries = 0

    @contextlib.contextmanager
    def __call__(self) -> Iterator[bool | None]:
        self.tries += 1
        yield self.state


def test_the_loops_writer_writes_within_the_interval_on_the_loop_thread() -> None:
    threads: list[str] = []

    def write(operations: Sequence[Operation]) -> None:
        threads.append(threading.current_thread().name)

    async def serve() -> None:
        behind = WriteBehind(write, interval_s=0.02)
        behind.start_in_loop(Turns())
        assert behind.running
        behind.submit([op(1)])
        await until(lambda: threads)
        await behind.aclose()
        assert not behind.running

    asyncio.run(serve())
    assert threads == [threading.main_thread().name]


def test_the_loop_goes_on_serving_while_another_writer_holds_the_lock() -> None:
    recorder = Recorder()
    turns = Turns(state=False)

    async def serve() -> tuple[int, int]:
        behind = WriteBehind(recorder, interval_s=0.01)
        behind.start_in_loop(turns)
        behind.submit([op(1)])
        ticks = 0
        for _ in range(20):  # the loop serves others while the writer waits for its turn
            await asyncio.sleep(0.005)
            ticks += 1
        written_while_busy = len(recorder.batches)
        turns.state = True
        await until(lambda: recorder.batches)
        await behind.aclose()
        return ticks, written_while_busy

    assert asyncio.run(serve()) == (20, 0)
    assert turns.tries > 2
    assert recorder.batches == [[op(1)]]


def test_without_a_lock_to_take_the_loops_writer_writes_from_a_thread() -> None:
    threads: list[str] = []
    done = threading.Event()

    def write(operations: Sequence[Operation]) -> None:
        threads.append(threading.current_thread().name)
        done.set()

    async def serve() -> None:
        behind = WriteBehind(write, interval_s=0.01)
        behind.start_in_loop(Turns(state=None))
        behind.submit([op(1)])
        await until(done.is_set)
        await behind.aclose()

    asyncio.run(serve())
    assert len(threads) == 1
    assert threads[0] != threading.main_thread().name


def test_a_failing_turn_is_logged_and_the_batch_written_from_a_thread(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder()

    class BrokenTurn:
        def __enter__(self) -> bool | None:
            raise OSError("no locks available")

        def __exit__(self, *exc: object) -> None:
            return None

    def broken_turn() -> BrokenTurn:
        return BrokenTurn()

    async def serve() -> None:
        behind = WriteBehind(recorder, interval_s=0.01)
        behind.start_in_loop(broken_turn)
        behind.submit([op(1)])
        await until(lambda: recorder.batches)
        assert behind.running  # the writer goes on
        await behind.aclose()

    asyncio.run(serve())
    assert recorder.batches == [[op(1)]]
    assert ("ivr.writer", "write-behind turn failed") in [(r.name, r.getMessage()) for r in caplog.records]


def test_the_loops_writer_stopped_from_another_thread_writes_what_is_pending() -> None:
    recorder = Recorder()

    async def serve() -> WriteBehind:
        behind = WriteBehind(recorder, interval_s=3600)
        behind.start_in_loop(Turns())
        behind.submit([op(1), op(2)])
        with pytest.raises(RuntimeError, match="await aclose"):
            behind.stop()  # on the loop it would wait for itself
        await asyncio.to_thread(behind.stop)
        return behind

    behind = asyncio.run(serve())
    assert recorder.batches == [[op(1), op(2)]]
    assert not behind.running


def test_a_webhook_behind_the_loops_writer_waits_for_its_next_batch() -> None:
    recorder = Recorder()

    async def webhook() -> bool:
        behind = WriteBehind(recorder, interval_s=3600)
        behind.start_in_loop(Turns())
        behind.submit([op(n) for n in range(BACKLOG + 1)])  # a full batch wakes the writer
        assert behind.behind()  # the writer runs once the webhook yields
        await asyncio.wait_for(behind.next_batch(), WAIT_S)
        caught_up = not behind.behind()
        await behind.aclose()
        return caught_up

    assert asyncio.run(webhook())
    assert sum(len(batch) for batch in recorder.batches) == BACKLOG + 1


def test_recent_lines_are_kept_for_one_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr("ivr.writer.time.monotonic", lambda: now[0])
    lines = RecentLines(0.02)
    line = LineState(agents_logged_in=2, callers_waiting=3)
    assert lines.recent("voorkempen") is None
    assert lines.remember("voorkempen", line) is line
    assert lines.recent("voorkempen") == line
    assert lines.recent("kempen-zuid") is None
    now[0] = 100.019
    assert lines.recent("voorkempen") == line
    now[0] = 100.02
    assert lines.recent("voorkempen") is None
    lines.remember("voorkempen", line)
    lines.forget("voorkempen")
    assert lines.recent("voorkempen") is None
    lines.forget("voorkempen")  # forgetting twice is fine


def test_without_an_interval_no_line_is_kept() -> None:
    lines = RecentLines(0.0)
    lines.remember("voorkempen", LineState(agents_logged_in=1, callers_waiting=0))
    assert lines.recent("voorkempen") is None
    assert lines.asked() == []


def test_the_helpdesks_asked_for_are_handed_out_once() -> None:
    lines = RecentLines(0.1)
    assert lines.asked() == []
    lines.recent("voorkempen")
    lines.recent("kempen-zuid")
    lines.recent("voorkempen")
    assert lines.asked() == ["kempen-zuid", "voorkempen"]
    assert lines.asked() == []


def test_a_read_begun_before_a_presence_change_is_not_kept() -> None:
    lines = RecentLines(0.1)
    before = lines.generation
    lines.forget("kempen-zuid")  # an agent logged out meanwhile (any helpdesk)
    stale = LineState(agents_logged_in=1, callers_waiting=0)
    assert lines.remember("voorkempen", stale, before) is stale
    assert lines.recent("voorkempen") is None
    fresh = LineState(agents_logged_in=0, callers_waiting=0)
    lines.remember("voorkempen", fresh, lines.generation)
    assert lines.recent("voorkempen") == fresh


def test_the_thread_runs_after_after_each_interval(caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder()
    calls: list[int] = []
    ran = threading.Event()

    def after() -> None:
        calls.append(len(recorder.batches))
        if len(calls) == 1:
            raise RuntimeError("a bug after a batch")
        ran.set()

    behind = WriteBehind(recorder, interval_s=0.01, after=after)
    behind.start()
    try:
        behind.submit([op(1)])
        assert ran.wait(WAIT_S)
    finally:
        behind.stop()
    assert calls[0] in (0, 1)  # the first interval may end before or after the submit
    assert [(r.name, r.getMessage()) for r in caplog.records] == [("ivr.writer", "after-batch work failed")]


def test_the_writer_refreshes_the_line_states_asked_for(
    migrated_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(make_settings(migrated_db_url, write_interval_ms=1000), clock=Clock())
    runtime = app.state.runtime
    with TestClient(app, base_url="https://helpdesk.example.org") as client:
        line = Line(client=client, runtime=runtime, clock=runtime.clock)
        runtime.writer.stop()  # this test refreshes in its own time
        assert runtime.lines.recent("voorkempen") is None  # asked for, not yet read
        runtime.refresh_lines()
        assert runtime.lines.recent("voorkempen") == LineState(agents_logged_in=0, callers_waiting=0)
        line.agents("voorkempen", 2)
        runtime.lines.forget("voorkempen")  # as a presence change through this instance does
        assert runtime.lines.recent("voorkempen") is None
        assert runtime.lines.recent("kempen-zuid") is None
        runtime.refresh_lines()
        assert runtime.lines.recent("voorkempen") == LineState(agents_logged_in=2, callers_waiting=0)
        assert runtime.lines.recent("kempen-zuid") == LineState(agents_logged_in=0, callers_waiting=0)
        runtime.lines.forget("voorkempen")
        runtime.lines.recent("voorkempen")

        def unreachable(*_: object) -> None:
            raise OperationalError("SELECT", {}, Exception("connection refused"))

        monkeypatch.setattr("ivr.runtime.line_states", unreachable)
        runtime.refresh_lines()  # the read fails: nothing is kept, nothing raises
        assert runtime.lines.recent("voorkempen") is None
    runtime.engine.dispose()


def test_webhooks_missing_a_line_state_share_one_read_of_it(
    migrated_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(make_settings(migrated_db_url, write_interval_ms=1000), clock=Clock())
    runtime = app.state.runtime
    reads: list[str] = []
    read_started = threading.Event()
    release = threading.Event()
    real_line_states = line_states

    def slow_line_states(session: Session, helpdesk_ids: Sequence[str]) -> dict[str, calls.LineState]:
        reads.extend(helpdesk_ids)
        read_started.set()
        release.wait(WAIT_S)
        return real_line_states(session, helpdesk_ids)

    monkeypatch.setattr("ivr.runtime.line_states", slow_line_states)
    seen: list[LineState] = []
    threads = [threading.Thread(target=lambda: seen.append(runtime.line("voorkempen"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    assert read_started.wait(WAIT_S)
    release.set()
    for thread in threads:
        thread.join(WAIT_S)
    assert reads == ["voorkempen"]
    assert seen == [LineState(agents_logged_in=0, callers_waiting=0)] * 8
    runtime.lines.forget("voorkempen")  # a presence change: the next webhook reads again
    runtime.line("voorkempen")
    assert reads == ["voorkempen", "voorkempen"]
    runtime.engine.dispose()


# ------------------------------------------------------- the same call log either way


def _records(line: Line) -> list[tuple[object, ...]]:
    line.runtime.flush()
    with line.runtime.session() as session:
        records = session.execute(select(CallRecord).order_by(CallRecord.call_sid)).scalars().all()
        entries = session.execute(select(QueueEntry).order_by(QueueEntry.call_sid)).scalars().all()
        return [
            *(
                (r.call_sid, r.outcome, r.overflow_reason, r.wait_s, r.answered_by, r.call_status, r.ended_at)
                for r in records
            ),
            *((e.call_sid, e.enqueued_at, e.left_at, e.result, e.answered_by, e.queue_time) for e in entries),
        ]


def _busy_morning(line: Line) -> None:
    """Eight calls: answered, abandoned, overflowed after the wait, and a duplicate callback."""
    line.agents("voorkempen", 1)
    for number in range(8):
        call = line.call(caller=f"+3247012345{number}")
        assert line.post("/twilio/voice", call).status_code == 200
        version = line.runtime.renderer.version
        query = f"helpdesk=voorkempen&v={version}"
        queued = call | {"CallStatus": "in-progress", "QueueSid": "QU" + "0" * 32}
        line.post(f"/twilio/wait?{query}", queued | {"QueueTime": "0"})
        result, waited = [("bridged", 40), ("hangup", 25), ("leave", 180)][number % 3]
        if result == "bridged":
            line.post(
                "/twilio/agent/connect?helpdesk=voorkempen&code=agent-0", queued | {"QueueTime": str(waited)}
            )
        line.post(f"/twilio/queue-exit?{query}", queued | {"QueueResult": result, "QueueTime": str(waited)})
        ended = call | {"CallStatus": "completed", "CallDuration": "200", "SequenceNumber": "3"}
        line.post("/twilio/status", ended)
        line.post("/twilio/status", ended)  # Twilio retried it
        line.clock.now += timedelta(minutes=1)


@pytest.fixture
def two_lines(migrated_db_url: str, empty_db_url: str) -> Iterator[tuple[Line, Line]]:
    upgrade(empty_db_url)
    direct = create_app(make_settings(migrated_db_url), clock=Clock())
    behind = create_app(make_settings(empty_db_url, write_interval_ms=20), clock=Clock())
    with (
        TestClient(direct, base_url="https://helpdesk.example.org") as one,
        TestClient(behind, base_url="https://helpdesk.example.org") as other,
    ):
        yield (
            Line(client=one, runtime=direct.state.runtime, clock=direct.state.runtime.clock),
            Line(client=other, runtime=behind.state.runtime, clock=behind.state.runtime.clock),
        )
    direct.state.runtime.engine.dispose()
    behind.state.runtime.engine.dispose()


def test_batched_writes_give_the_same_call_log_as_direct_ones(two_lines: tuple[Line, Line]) -> None:
    direct, behind = two_lines
    assert direct.runtime.writer is None
    assert behind.runtime.writer is not None
    assert behind.runtime.writer.running
    _busy_morning(direct)
    _busy_morning(behind)
    expected = _records(direct)
    assert len(expected) == 8 + 8
    assert _records(behind) == expected


def test_stopping_the_app_writes_what_is_pending(migrated_db_url: str) -> None:
    app = create_app(make_settings(migrated_db_url, write_interval_ms=1000), clock=Clock())
    runtime = app.state.runtime
    with TestClient(app, base_url="https://helpdesk.example.org") as client:
        line = Line(client=client, runtime=runtime, clock=runtime.clock)
        line.agents("voorkempen", 1)
        call = line.call()
        assert line.post("/twilio/voice", call).status_code == 200
        assert runtime.writer.pending() > 0
    try:
        with runtime.session() as session:
            outcome = session.execute(
                select(CallRecord.outcome).where(CallRecord.call_sid == call["CallSid"])
            ).scalar_one()
    finally:
        runtime.engine.dispose()
    assert outcome == "in_progress"


def test_a_writer_thread_shortens_the_switch_interval_while_the_app_runs(migrated_db_url: str) -> None:
    app = create_app(make_settings(migrated_db_url, write_interval_ms=1000), clock=Clock())
    runtime = app.state.runtime
    before = sys.getswitchinterval()
    try:
        with TestClient(app, base_url="https://helpdesk.example.org"):
            thread = runtime.engine.dialect.name != "sqlite"
            assert sys.getswitchinterval() == (WRITER_SWITCH_INTERVAL_S if thread else before)
        assert sys.getswitchinterval() == before
    finally:
        sys.setswitchinterval(before)
        runtime.engine.dispose()


def test_the_write_interval_defaults_to_the_databases_own(migrated_db_url: str) -> None:
    settings = make_settings(migrated_db_url).model_copy(update={"ivr_write_interval_ms": None})
    app = create_app(settings, clock=Clock())
    runtime = app.state.runtime
    try:
        dialect = runtime.engine.dialect.name
        assert runtime.writer is not None
        assert runtime.writer.interval_s == WRITE_INTERVAL_MS[dialect] / 1000
        assert WRITE_INTERVAL_MS == {"sqlite": 20, "postgresql": 100}
    finally:
        runtime.engine.dispose()
