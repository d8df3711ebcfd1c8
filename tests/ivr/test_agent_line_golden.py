"""Every step of the agent line, and every result it can answer, as exact TwiML (golden files).

Regenerate after a deliberate change with ``UPDATE_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from agents import PresenceStatus, create_agent, record_failure, set_presence
from tests.ivr.conftest import Line
from tests.ivr.test_golden_twiml import assert_golden

AGENT_LINE = "+3233100199"
CITIZEN_LINE = "+3233100100"
CALLER = "+32470000101"
AGENT_CALL = "CA" + "a" * 32  # the agent's own call
CITIZEN_CALL = "CA" + "b" * 32  # the caller put through to the agent
AGENT = "?helpdesk=voorkempen&code=101"


def _agent(line: Line) -> None:
    with line.runtime.session() as session:
        create_agent(session, "voorkempen", "101", "An", "1234", line.clock())


def _wrong_pins(count: int) -> Callable[[Line], None]:
    def before(line: Line) -> None:
        _agent(line)
        with line.runtime.session() as session:
            for _ in range(count):
                record_failure(session, CALLER, line.clock())

    return before


def _presence(status: PresenceStatus, call_sid: str = AGENT_CALL) -> Callable[[Line], None]:
    def before(line: Line) -> None:
        _agent(line)
        with line.runtime.session() as session:
            set_presence(session, "voorkempen", "101", status, line.clock(), call_sid=call_sid)

    return before


def _nothing(line: Line) -> None:
    pass


@dataclass(frozen=True)
class Step:
    """A request of the agent's call: the path (our own URLs, with a query, get ``v=``), the
    form's own values and what the records hold before it."""

    path: str
    form: dict[str, str] = field(default_factory=dict)
    before: Callable[[Line], None] = _nothing


DIALLED = "&dialled=1796202000"  # 2026-12-02 10:00 in Brussels, the clock of the test
STEPS = {
    # POST /twilio/agent (the agent number's Voice URL): welcome and code, or locked out.
    "call-in": Step("/twilio/agent"),
    "call-in-locked": Step("/twilio/agent", before=_wrong_pins(5)),
    "call-in-unknown-number": Step("/twilio/agent", {"To": "+3200000000"}),
    # The code: any digits are taken (the PIN says whether they exist), anything else asks again.
    "start": Step("/twilio/agent/start?helpdesk=voorkempen"),
    "code": Step("/twilio/agent/code?helpdesk=voorkempen", {"Digits": "101"}),
    "code-not-digits": Step("/twilio/agent/code?helpdesk=voorkempen", {"Digits": "1*1"}),
    # The PIN.
    "pin-logged-in": Step(f"/twilio/agent/pin{AGENT}", {"Digits": "1234"}, _agent),
    "pin-wrong": Step(f"/twilio/agent/pin{AGENT}", {"Digits": "9999"}, _agent),
    "pin-fifth-wrong-locks": Step(f"/twilio/agent/pin{AGENT}", {"Digits": "9999"}, _wrong_pins(4)),
    # Waiting for the next caller.
    "next-dial-queue": Step(f"/twilio/agent/next{AGENT}", before=_presence(PresenceStatus.AVAILABLE)),
    "next-on-break": Step(f"/twilio/agent/next{AGENT}", before=_presence(PresenceStatus.BREAK)),
    "next-logged-in-elsewhere": Step(
        f"/twilio/agent/next{AGENT}", before=_presence(PresenceStatus.AVAILABLE, "CA" + "c" * 32)
    ),
    # The <Queue url> request: the caller is put through.
    "connect": Step(
        f"/twilio/agent/connect{AGENT}", {"To": CITIZEN_LINE, "CallSid": CITIZEN_CALL, "QueueTime": "12"}
    ),
    # The dial's action.
    "after-conversation": Step(
        f"/twilio/agent/after{AGENT}{DIALLED}",
        {
            "DialCallStatus": "completed",
            "DialCallSid": CITIZEN_CALL,
            "DialCallDuration": "95",
            "DialBridged": "true",
        },
    ),
    "after-no-caller": Step(
        f"/twilio/agent/after{AGENT}{DIALLED}", {"DialCallStatus": "completed", "DialBridged": "false"}
    ),
    "after-queue-unreachable": Step(f"/twilio/agent/after{AGENT}{DIALLED}", {"DialCallStatus": "failed"}),
    # The menu.
    "menu-break": Step(f"/twilio/agent/menu{AGENT}", {"Digits": "9"}, _presence(PresenceStatus.AVAILABLE)),
    "menu-resume": Step(f"/twilio/agent/menu{AGENT}", {"Digits": "1"}, _presence(PresenceStatus.BREAK)),
    "menu-logged-out": Step(f"/twilio/agent/menu{AGENT}", {"Digits": "9"}, _agent),
}


@pytest.mark.parametrize("name", list(STEPS), ids=list(STEPS))
def test_agent_line_step(line: Line, name: str) -> None:
    step = STEPS[name]
    step.before(line)
    path = f"{step.path}&v={line.runtime.renderer.version}" if "?" in step.path else step.path
    params = line.call(to=AGENT_LINE, caller=CALLER, CallSid=AGENT_CALL, CallStatus="in-progress")
    response = line.post(path, params | step.form)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert_golden(f"agent-{name}", response.text)
