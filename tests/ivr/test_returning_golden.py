"""A citizen ringing back after a call of ours they missed (playbook 1.5.2), as exact TwiML: the
arrival, the agent's dial on the returning queue and its action (golden files).

Regenerate after a deliberate change with ``UPDATE_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from agents import PresenceStatus, create_agent, set_presence
from calls import enter_queue
from outbound.tables import Outcome
from tests.ivr.conftest import Line
from tests.ivr.test_golden_twiml import WEDNESDAY, assert_golden
from tests.outbound.attempts import add_attempt

CITIZEN = "+32470123456"
AGENT_LINE = "+3233100199"
AGENT_CALL = "CA" + "a" * 32
AGENT = "?helpdesk=voorkempen&code=101"
DIALLED = "&dialled=1796202000"  # 2026-12-02 10:00 in Brussels, the clock of the test


def _missed(line: Line, hours_ago: float, outcome: Outcome = Outcome.NO_ANSWER) -> None:
    with line.runtime.session() as session:
        add_attempt(
            session,
            helpdesk_id="voorkempen",
            number=CITIZEN,
            key=line.runtime.caller_key,
            started_at=line.clock() - timedelta(hours=hours_ago),
            outcome=outcome,
        )


@dataclass(frozen=True)
class Arrival:
    local_time: str
    agents: int
    waiting: int
    missed_hours_ago: float
    # The golden file: a document of its own, or the one an ordinary caller gets.
    golden: str


ARRIVALS = {
    # open, room in the queue, a call of ours missed 2 h ago -> returning_call + the returning queue
    "open-room-in-queue": Arrival(f"{WEDNESDAY} 10:00", 1, 3, 2, "returning-arrival-open-room-in-queue"),
    # nobody waits: returning_call, then the helpdesk's own queue (first in it anyway)
    "nobody-waits": Arrival(f"{WEDNESDAY} 10:00", 1, 0, 2, "returning-arrival-nobody-waits"),
    # the same caller whose missed call is 73 h old: the ordinary welcome and queue
    "outside-the-window": Arrival(f"{WEDNESDAY} 10:00", 1, 3, 73, "arrival-open-room-in-queue"),
    # the queue is full: the usual rule (central open: forwarded)
    "open-queue-full": Arrival(f"{WEDNESDAY} 10:00", 1, 4, 2, "arrival-open-queue-full-central-open"),
    # closed: the usual rule
    "closed": Arrival(f"{WEDNESDAY} 18:00", 0, 0, 2, "arrival-closed-route-central-open"),
}


@pytest.mark.parametrize("name", list(ARRIVALS), ids=list(ARRIVALS))
def test_arrival_of_a_returning_caller(line: Line, name: str) -> None:
    case = ARRIVALS[name]
    line.clock.set_local(case.local_time)
    line.agents("voorkempen", case.agents)
    line.waiting("voorkempen", case.waiting)
    _missed(line, case.missed_hours_ago)
    response = line.post("/twilio/voice", line.call(caller=CITIZEN))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert_golden(case.golden, response.text)


def _agent(line: Line, *, returning_waiting: bool) -> None:
    with line.runtime.session() as session:
        create_agent(session, "voorkempen", "101", "An", "1234", line.clock())
        set_presence(
            session, "voorkempen", "101", PresenceStatus.AVAILABLE, line.clock(), call_sid=AGENT_CALL
        )
        enter_queue(session, "CA" + "1" * 32, "voorkempen", line.clock())
        if returning_waiting:
            enter_queue(session, "CA" + "2" * 32, "voorkempen", line.clock(), returning_queue=True)


STEPS = {
    # A returning caller waits: the returning queue first, a short dial, told to the action.
    "next-dial-returning-queue": (f"/twilio/agent/next{AGENT}", {}, True, "agent-next-dial-returning-queue"),
    # The dial on the returning queue just found nobody, yet a caller is still said to wait there:
    # the helpdesk's own queue once, rather than circling on an empty queue.
    "next-after-returning-found-nobody": (
        f"/twilio/agent/next{AGENT}&tried=returning",
        {},
        True,
        "agent-next-dial-queue",
    ),
    # Nobody waits in the returning queue: the helpdesk's own queue, as ever.
    "next-dial-queue": (f"/twilio/agent/next{AGENT}", {}, False, "agent-next-dial-queue"),
    # Nobody was put through on the returning queue (another agent took the caller): on at once.
    "after-returning-no-caller": (
        f"/twilio/agent/after{AGENT}{DIALLED}&queue=returning",
        {"DialCallStatus": "completed", "DialBridged": "false"},
        False,
        "agent-after-returning-no-caller",
    ),
    # A conversation with the returning caller: the usual wrap-up, naming that caller's call.
    "after-returning-conversation": (
        f"/twilio/agent/after{AGENT}{DIALLED}&queue=returning",
        {
            "DialCallStatus": "completed",
            "DialCallSid": "CA" + "2" * 32,
            "DialCallDuration": "95",
            "DialBridged": "true",
        },
        False,
        "agent-after-returning-conversation",
    ),
}


@pytest.mark.parametrize("name", list(STEPS), ids=list(STEPS))
def test_agent_line_step_with_a_returning_caller(line: Line, name: str) -> None:
    path, form, returning_waiting, golden = STEPS[name]
    _agent(line, returning_waiting=returning_waiting)
    params = line.call(to=AGENT_LINE, caller="+32470000101", CallSid=AGENT_CALL, CallStatus="in-progress")
    response = line.post(f"{path}&v={line.runtime.renderer.version}", params | form)
    assert response.status_code == 200
    assert_golden(golden, response.text)
