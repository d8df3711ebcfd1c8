"""Every decision-table row and every QueueResult, as exact TwiML (golden files).

Regenerate after a deliberate change with ``UPDATE_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ivr.conftest import Line

GOLDEN = Path(__file__).parent / "golden"
WEDNESDAY = "2026-12-02"
SATURDAY = "2026-12-05"


def assert_golden(name: str, body: str) -> None:
    path = GOLDEN / f"{name}.xml"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(body + "\n", encoding="utf-8")
    assert body + "\n" == path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Arrival:
    local_time: str
    to: str
    agents: int
    waiting: int


ARRIVALS = {
    # closed, route_to_central, central open -> forward (overflowed / closed)
    "closed-route-central-open": Arrival(f"{WEDNESDAY} 18:00", "+3233100100", 0, 0),
    # closed, when_closed: closing_message -> closing message
    "closed-closing-message": Arrival(f"{WEDNESDAY} 18:00", "+3214200200", 0, 0),
    # closed, route_to_central but central closed too -> closing message
    "closed-central-closed": Arrival(f"{WEDNESDAY} 21:00", "+3233100100", 0, 0),
    # open, nobody logged in, central open -> forward (no_agents)
    "open-no-agents-central-open": Arrival(f"{WEDNESDAY} 10:00", "+3233100100", 0, 0),
    # open (Saturday morning), nobody logged in, central opens at 10:00 -> closing message
    "open-no-agents-central-closed": Arrival(f"{SATURDAY} 09:30", "+3233100100", 0, 0),
    # open, 4 waiting for 1 agent (lines_per_agent 4), central open -> forward (queue_full)
    "open-queue-full-central-open": Arrival(f"{WEDNESDAY} 10:00", "+3233100100", 1, 4),
    # same with central closed -> busy message
    "open-queue-full-central-closed": Arrival(f"{SATURDAY} 09:30", "+3233100100", 1, 4),
    # open, room in the queue -> welcome + Enqueue
    "open-room-in-queue": Arrival(f"{WEDNESDAY} 10:00", "+3233100100", 1, 3),
    # the message override of kempen-zuid
    "open-room-in-queue-override": Arrival(f"{WEDNESDAY} 10:00", "+3214200200", 2, 0),
}


@pytest.mark.parametrize("name", list(ARRIVALS), ids=list(ARRIVALS))
def test_arrival(line: Line, name: str) -> None:
    case = ARRIVALS[name]
    line.clock.set_local(case.local_time)
    desk = "voorkempen" if case.to == "+3233100100" else "kempen-zuid"
    line.agents(desk, case.agents)
    line.waiting(desk, case.waiting)
    response = line.post("/twilio/voice", line.call(to=case.to))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert_golden(f"arrival-{name}", response.text)


QUEUE_RESULTS = {
    # (QueueResult, QueueTime, local time)
    "bridged": ("bridged", "42", f"{WEDNESDAY} 10:00"),
    "hangup": ("hangup", "17", f"{WEDNESDAY} 10:00"),
    "leave-wait-timeout": ("leave", "180", f"{WEDNESDAY} 10:00"),
    "leave-no-agents": ("leave", "30", f"{WEDNESDAY} 10:00"),
    "leave-no-agents-after-180-s": ("leave", "180", f"{WEDNESDAY} 10:00"),
    "leave-central-closed": ("leave", "180", f"{WEDNESDAY} 21:00"),
    "redirected": ("redirected", "25", f"{WEDNESDAY} 10:00"),
    "queue-full": ("queue-full", "", f"{WEDNESDAY} 10:00"),
    "queue-full-central-closed": ("queue-full", "", f"{WEDNESDAY} 21:00"),
    "error": ("error", "3", f"{WEDNESDAY} 10:00"),
    "system-error": ("system-error", "", f"{WEDNESDAY} 10:00"),
    "bridging-in-process": ("bridging-in-process", "9", f"{WEDNESDAY} 10:00"),
    "redirected-from-bridged": ("redirected-from-bridged", "9", f"{WEDNESDAY} 10:00"),
}
# Agents still logged in when the caller leaves: the leave was the long wait, not an empty line.
AGENTS_AT_EXIT = {"leave-wait-timeout": 2}


@pytest.mark.parametrize("name", list(QUEUE_RESULTS), ids=list(QUEUE_RESULTS))
def test_queue_result(line: Line, name: str) -> None:
    result, queue_time, local_time = QUEUE_RESULTS[name]
    line.clock.set_local(local_time)
    line.agents("voorkempen", AGENTS_AT_EXIT.get(name, 0))
    params = line.call(QueueResult=result, QueueSid="QU" + "2" * 32)
    if queue_time:
        params["QueueTime"] = queue_time
    response = line.post("/twilio/queue-exit?helpdesk=voorkempen", params)
    assert response.status_code == 200
    assert_golden(f"queue-exit-{name}", response.text)


WAITS = {
    # (helpdesk, QueueTime (None: not sent), local time, query of our own <Redirect>)
    "voorkempen-t0": ("voorkempen", 0, f"{WEDNESDAY} 10:00", ""),
    "voorkempen-t3": ("voorkempen", 3, f"{WEDNESDAY} 10:00", ""),
    "voorkempen-t30": ("voorkempen", 30, f"{WEDNESDAY} 10:00", ""),
    "voorkempen-t58": ("voorkempen", 58, f"{WEDNESDAY} 10:00", ""),
    "voorkempen-t120": ("voorkempen", 120, f"{WEDNESDAY} 10:00", ""),
    "voorkempen-t180-leave": ("voorkempen", 180, f"{WEDNESDAY} 10:00", ""),
    "voorkempen-t180-central-closed": ("voorkempen", 180, f"{WEDNESDAY} 21:00", ""),
    "kempen-zuid-t0-silence": ("kempen-zuid", 0, f"{WEDNESDAY} 10:00", ""),
    "kempen-zuid-t61-silence": ("kempen-zuid", 61, f"{WEDNESDAY} 10:00", ""),
    # The document that played the message at 0 ended 8 s late (a download): the message at once.
    "voorkempen-t68-late": ("voorkempen", 68, f"{WEDNESDAY} 10:00", "&announced=0"),
    # Played already: hold music up to the lead of the next boundary.
    "voorkempen-t70-announced": ("voorkempen", 70, f"{WEDNESDAY} 10:00", "&announced=60"),
    # A redirected request without QueueTime: a second of silence, then Twilio's own request.
    "voorkempen-no-queue-time": ("voorkempen", None, f"{WEDNESDAY} 10:00", "&announced=60"),
}


@pytest.mark.parametrize("name", list(WAITS), ids=list(WAITS))
def test_wait_document(line: Line, name: str) -> None:
    desk, queue_time, local_time, query = WAITS[name]
    line.clock.set_local(local_time)
    line.agents(desk, 1)
    params = line.call(QueuePosition="1", CurrentQueueSize="1")
    if queue_time is not None:
        params["QueueTime"] = str(queue_time)
    response = line.post(f"/twilio/wait?helpdesk={desk}{query}", params)
    assert response.status_code == 200
    assert_golden(f"wait-{name}", response.text)


@pytest.mark.parametrize(
    ("name", "status"),
    [("completed", "completed"), ("busy", "busy"), ("no-answer", "no-answer"), ("failed", "failed")],
    ids=["completed", "busy", "no-answer", "failed"],
)
def test_central_result(line: Line, name: str, status: str) -> None:
    params = line.call(DialCallStatus=status, DialCallSid="CA" + "3" * 32)
    response = line.post("/twilio/central-result?helpdesk=voorkempen&reason=wait_timeout", params)
    assert response.status_code == 200
    assert_golden(f"central-result-{name}", response.text)


WITHHELD = {
    # From: forwards to central keep a valid caller's number, else show ours.
    "valid-number": "+32470123456",
    "anonymous": "anonymous",
    "restricted": "Restricted",
    "empty": "",
}


@pytest.mark.parametrize("name", list(WITHHELD), ids=list(WITHHELD))
def test_forward_caller_id(line: Line, name: str) -> None:
    # Open, nobody logged in, central open: forwarded (no_agents).
    line.clock.set_local(f"{WEDNESDAY} 10:00")
    response = line.post("/twilio/voice", line.call(caller=WITHHELD[name]))
    assert response.status_code == 200
    assert_golden(f"forward-caller-id-{name}", response.text)
    # The same caller leaving the queue for central (nobody logged in: no_agents).
    params = line.call(caller=WITHHELD[name], QueueResult="leave", QueueTime="180")
    response = line.post("/twilio/queue-exit?helpdesk=voorkempen", params)
    assert_golden(f"queue-exit-caller-id-{name}", response.text)
