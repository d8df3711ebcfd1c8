"""The group commit: a webhook hands its writes in and answers once a batch holding them is written."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import create_app
from calllog import CallRecord
from calls import QueueEntry, line_states
from config import Settings
from database.migrations import upgrade
from routing import LineState, PlayBusy
from service.operations import Admission, Admitted, Item, LeaveQueue, Operation, Seen
from service.tuning import WRITER_SWITCH_INTERVAL_S
from service.writer import GroupCommit, RecentLines
from tests.ivr.conftest import Clock, Line, make_settings

WAIT_S = 5.0
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


class Recorder:
    """A stand-in for ``Runtime.commit``: keeps every batch; admissions are decided on an empty line."""

    def __init__(self, fail_first: bool = False, gate: threading.Event | None = None) -> None:
        self.batches: list[list[Item]] = []
        self.threads: list[str] = []
        self.written = threading.Event()
        self.writing = threading.Event()
        self._fail_first = fail_first
        self._gate = gate

    def __call__(self, items: Sequence[Item]) -> list[Admitted]:
        self.writing.set()
        if self._gate is not None:
            self._gate.wait(WAIT_S)
        if self._fail_first:
            self._fail_first = False
            raise RuntimeError("a bug in a batch")
        self.batches.append(list(items))
        self.threads.append(threading.current_thread().name)
        self.written.set()
        line = LineState(agents_logged_in=0, callers_waiting=0)
        return [item.decide(Seen(line)) for item in items if isinstance(item, Admission)]


def op(number: int) -> Operation:
    return LeaveQueue(call_sid=f"CA{number:032x}", now=NOW, result="hangup")


def admission(helpdesk_id: str, number: int = 0) -> Admission:
    """An arrival whose result names it: its one operation is ``op(number)``."""

    def decide(seen: Seen) -> Admitted:
        return Admitted(PlayBusy(), False, (op(number),))

    return Admission(helpdesk_id, decide, Admitted(PlayBusy(), False, ()))


def test_without_a_writer_running_a_submit_writes_at_once() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder)
    assert asyncio.run(group.submit([op(1), op(2)])) == []
    assert recorder.batches == [[op(1), op(2)]]
    assert not group.running
    assert group.submit_and_wait([op(3)]) == []
    assert recorder.batches == [[op(1), op(2)], [op(3)]]


def test_what_comes_in_during_a_commit_is_the_next_batch_and_answered_together() -> None:
    gate = threading.Event()
    recorder = Recorder(gate=gate)
    group = GroupCommit(recorder)
    group.start()

    async def webhooks() -> list[bool]:
        first = asyncio.ensure_future(group.submit([op(1)]))
        await asyncio.to_thread(recorder.writing.wait, WAIT_S)  # the first commit has begun
        later = [asyncio.ensure_future(group.submit([op(n)])) for n in (2, 3)]
        await asyncio.sleep(0.05)
        waiting = [not future.done() for future in (first, *later)]  # none answers before its commit
        assert group.pending() == 2
        gate.set()
        await asyncio.wait_for(asyncio.gather(first, *later), WAIT_S)
        return waiting

    try:
        assert asyncio.run(webhooks()) == [True, True, True]
    finally:
        group.stop()
    assert recorder.batches == [[op(1)], [op(2), op(3)]]
    assert recorder.threads == ["ivr-group-commit"] * 2


def test_each_webhook_gets_the_results_of_its_own_admissions() -> None:
    gate = threading.Event()
    recorder_gate = Recorder(gate=gate)
    group = GroupCommit(recorder_gate)
    group.start()

    async def webhooks() -> list[list[Admitted]]:
        blocker = asyncio.ensure_future(group.submit([op(0)]))
        await asyncio.to_thread(recorder_gate.writing.wait, WAIT_S)
        both = [
            asyncio.ensure_future(group.submit([op(1), admission("voorkempen", 11)])),
            asyncio.ensure_future(group.submit([op(2)])),
            asyncio.ensure_future(group.submit([admission("kempen-zuid", 12), admission("voorkempen", 13)])),
        ]
        gate.set()
        await blocker
        return list(await asyncio.wait_for(asyncio.gather(*both), WAIT_S))

    try:
        first, second, third = asyncio.run(webhooks())
    finally:
        group.stop()
    assert len(recorder_gate.batches) == 2
    assert [result.operations for result in first] == [(op(11),)]
    assert second == []
    assert [result.operations for result in third] == [(op(12),), (op(13),)]


def test_a_failing_commit_fails_its_webhooks_and_the_writer_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    # Runtime.commit spools what the database refuses and does not raise: a raise is a bug.
    recorder = Recorder(fail_first=True)
    group = GroupCommit(recorder)
    group.start()

    async def webhooks() -> None:
        with pytest.raises(RuntimeError, match="a bug in a batch"):
            await asyncio.wait_for(group.submit([op(1)]), WAIT_S)
        await asyncio.wait_for(group.submit([op(2)]), WAIT_S)

    try:
        asyncio.run(webhooks())
    finally:
        group.stop()
    assert recorder.batches == [[op(2)]]
    assert [(r.name, r.getMessage()) for r in caplog.records] == [("ivr.writer", "group commit failed")]


def test_a_webhook_given_up_on_does_not_take_its_batch_with_it() -> None:
    gate = threading.Event()
    recorder = Recorder(gate=gate)
    group = GroupCommit(recorder)
    group.start()

    async def webhooks() -> None:
        blocker = asyncio.ensure_future(group.submit([op(0)]))
        await asyncio.to_thread(recorder.writing.wait, WAIT_S)
        gone = asyncio.ensure_future(group.submit([op(1)]))
        kept = asyncio.ensure_future(group.submit([op(2)]))
        await asyncio.sleep(0.01)
        gone.cancel()  # the client went away
        gate.set()
        await asyncio.wait_for(asyncio.gather(blocker, kept), WAIT_S)

    try:
        asyncio.run(webhooks())
    finally:
        group.stop()
    assert recorder.batches == [[op(0)], [op(1), op(2)]]


def test_a_thread_waits_for_the_batch_holding_its_items() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder)
    group.start()
    try:
        results = group.submit_and_wait([admission("voorkempen")])
    finally:
        group.stop()
    assert len(results) == 1
    assert recorder.threads == ["ivr-group-commit"]


def test_stop_writes_what_is_pending_and_ends_the_thread() -> None:
    gate = threading.Event()
    recorder = Recorder(gate=gate)
    group = GroupCommit(recorder)
    group.start()

    async def webhooks() -> None:
        first = asyncio.ensure_future(group.submit([op(1)]))
        await asyncio.to_thread(recorder.writing.wait, WAIT_S)
        second = asyncio.ensure_future(group.submit([op(2)]))
        await asyncio.sleep(0.01)
        gate.set()
        await asyncio.to_thread(group.stop)
        await asyncio.wait_for(asyncio.gather(first, second), WAIT_S)

    asyncio.run(webhooks())
    assert recorder.batches == [[op(1)], [op(2)]]
    assert not group.running
    assert "ivr-group-commit" not in [thread.name for thread in threading.enumerate()]


def test_the_thread_runs_after_after_each_batch(caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder()
    calls_after: list[int] = []

    def after() -> None:
        calls_after.append(len(recorder.batches))
        if len(calls_after) == 1:
            raise RuntimeError("a bug after a batch")

    group = GroupCommit(recorder, after=after)
    group.start()

    async def webhooks() -> None:
        await group.submit([op(1)])
        await group.submit([op(2)])

    try:
        asyncio.run(webhooks())
    finally:
        group.stop()
    assert calls_after[:2] == [1, 2]
    assert [(r.name, r.getMessage()) for r in caplog.records] == [("ivr.writer", "after-batch work failed")]


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


def test_the_loops_writer_writes_on_the_loop_thread() -> None:
    recorder = Recorder()

    async def serve() -> None:
        group = GroupCommit(recorder)
        group.start_in_loop(Turns())
        assert group.running
        await asyncio.wait_for(group.submit([op(1)]), WAIT_S)
        await asyncio.wait_for(group.submit([op(2), op(3)]), WAIT_S)
        await group.aclose()
        assert not group.running

    asyncio.run(serve())
    assert recorder.batches == [[op(1)], [op(2), op(3)]]
    assert recorder.threads == [threading.main_thread().name] * 2


def test_the_loops_writer_takes_everything_handed_in_meanwhile_as_one_batch() -> None:
    recorder = Recorder()

    async def serve() -> None:
        group = GroupCommit(recorder)
        group.start_in_loop(Turns())
        # Handed in before the writer gets the loop: one batch, answered together.
        await asyncio.wait_for(asyncio.gather(*(group.submit([op(n)]) for n in range(16))), WAIT_S)
        await group.aclose()

    asyncio.run(serve())
    assert recorder.batches == [[op(n) for n in range(16)]]


def test_the_loop_goes_on_serving_while_another_writer_holds_the_lock() -> None:
    recorder = Recorder()
    turns = Turns(state=False)

    async def serve() -> tuple[int, int, bool]:
        group = GroupCommit(recorder)
        group.start_in_loop(turns)
        webhook = asyncio.ensure_future(group.submit([op(1)]))
        ticks = 0
        for _ in range(20):  # the loop serves others while the writer waits for its turn
            await asyncio.sleep(0.005)
            ticks += 1
        written_while_busy = len(recorder.batches)
        answered_while_busy = webhook.done()
        turns.state = True
        await asyncio.wait_for(webhook, WAIT_S)
        await group.aclose()
        return ticks, written_while_busy, answered_while_busy

    assert asyncio.run(serve()) == (20, 0, False)
    assert turns.tries > 2
    assert recorder.batches == [[op(1)]]


def test_without_a_lock_to_take_the_loops_writer_writes_from_a_thread() -> None:
    recorder = Recorder()

    async def serve() -> None:
        group = GroupCommit(recorder)
        group.start_in_loop(Turns(state=None))
        await asyncio.wait_for(group.submit([op(1)]), WAIT_S)
        await group.aclose()

    asyncio.run(serve())
    assert len(recorder.threads) == 1
    assert recorder.threads[0] != threading.main_thread().name


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
        group = GroupCommit(recorder)
        group.start_in_loop(broken_turn)
        await asyncio.wait_for(group.submit([op(1)]), WAIT_S)
        assert group.running  # the writer goes on
        await group.aclose()

    asyncio.run(serve())
    assert recorder.batches == [[op(1)]]
    assert ("ivr.writer", "group commit turn failed") in [(r.name, r.getMessage()) for r in caplog.records]


def test_the_loops_writer_stopped_from_another_thread_writes_what_is_pending() -> None:
    recorder = Recorder()

    async def serve() -> GroupCommit:
        group = GroupCommit(recorder)
        group.start_in_loop(Turns())
        webhook = asyncio.ensure_future(group.submit([op(1), op(2)]))
        await asyncio.sleep(0)
        with pytest.raises(RuntimeError, match="await aclose"):
            group.stop()  # on the loop it would wait for itself
        await asyncio.to_thread(group.stop)
        await asyncio.wait_for(webhook, WAIT_S)
        return group

    group = asyncio.run(serve())
    assert recorder.batches == [[op(1), op(2)]]
    assert not group.running


def test_a_thread_hands_in_to_the_loops_writer_and_waits() -> None:
    recorder = Recorder()

    async def serve() -> list[Admitted]:
        group = GroupCommit(recorder)
        group.start_in_loop(Turns())
        results = await asyncio.to_thread(group.submit_and_wait, [admission("voorkempen")])
        await group.aclose()
        return results

    assert len(asyncio.run(serve())) == 1
    assert recorder.threads == [threading.main_thread().name]


def test_recent_lines_are_kept_for_their_lifetime(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr("service.writer.time.monotonic", lambda: now[0])
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


def test_without_a_lifetime_no_line_is_kept() -> None:
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


def test_the_writer_refreshes_the_line_states_asked_for(
    migrated_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(make_settings(migrated_db_url, group_commit=True), clock=Clock())
    runtime = app.state.runtime
    # This test refreshes in its own time: no wait between two refreshes.
    monkeypatch.setattr(runtime.lines, "_ttl_s", 0.5)
    refresh = runtime.refresh_lines

    def refresh_lines() -> None:
        runtime._next_refresh = 0.0
        refresh()

    monkeypatch.setattr(runtime, "refresh_lines", refresh_lines)
    with TestClient(app, base_url="https://helpdesk.example.org") as client:
        line = Line(client=client, runtime=runtime, clock=runtime.clock)
        runtime.writer.stop()
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

        monkeypatch.setattr("service.runtime.line_states", unreachable)
        runtime.refresh_lines()  # the read fails: nothing is kept, nothing raises
        assert runtime.lines.recent("voorkempen") is None
    runtime.engine.dispose()


def test_webhooks_missing_a_line_state_share_one_read_of_it(
    migrated_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(make_settings(migrated_db_url, group_commit=True), clock=Clock())
    runtime = app.state.runtime
    reads: list[str] = []
    read_started = threading.Event()
    release = threading.Event()
    real_line_states = line_states

    def slow_line_states(session: Session, helpdesk_ids: Sequence[str]) -> dict[str, LineState]:
        reads.extend(helpdesk_ids)
        read_started.set()
        release.wait(WAIT_S)
        return real_line_states(session, helpdesk_ids)

    monkeypatch.setattr("service.runtime.line_states", slow_line_states)
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
    behind = create_app(make_settings(empty_db_url, group_commit=True), clock=Clock())
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


def test_a_webhook_answers_once_its_writes_are_committed(migrated_db_url: str) -> None:
    app = create_app(make_settings(migrated_db_url, group_commit=True), clock=Clock())
    runtime = app.state.runtime
    with TestClient(app, base_url="https://helpdesk.example.org") as client:
        line = Line(client=client, runtime=runtime, clock=runtime.clock)
        line.agents("voorkempen", 1)
        call = line.call()
        assert line.post("/twilio/voice", call).status_code == 200
        assert runtime.writer.pending() == 0
        # Read on another connection while the app still runs: committed, not merely handed in.
        with runtime.sessions() as session:
            outcome = session.execute(
                select(CallRecord.outcome).where(CallRecord.call_sid == call["CallSid"])
            ).scalar_one()
            entered = session.get(QueueEntry, call["CallSid"])
    runtime.engine.dispose()
    assert outcome == "in_progress"
    assert entered is not None


def test_a_writer_thread_shortens_the_switch_interval_while_the_app_runs(migrated_db_url: str) -> None:
    app = create_app(make_settings(migrated_db_url, group_commit=True), clock=Clock())
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


def test_the_group_commit_is_on_by_default(migrated_db_url: str) -> None:
    settings = make_settings(migrated_db_url).model_copy(update={"ivr_group_commit": True})
    assert Settings(database_url=migrated_db_url).ivr_group_commit
    app = create_app(settings, clock=Clock())
    try:
        assert isinstance(app.state.runtime.writer, GroupCommit)
    finally:
        app.state.runtime.engine.dispose()


def test_the_removed_write_interval_is_refused_with_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVR_WRITE_INTERVAL_MS", "20")
    with pytest.raises(ValidationError, match="IVR_GROUP_COMMIT=false"):
        Settings()
