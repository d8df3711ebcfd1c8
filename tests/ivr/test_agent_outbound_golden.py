"""Every document of the agent line's outbound work (playbook 1.5), as exact TwiML (golden files):
the switch, the dial to a person, the screen on the person's leg, the dial's end, the outcome.

Regenerate after a deliberate change with ``UPDATE_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agents import PresenceStatus, create_agent, set_presence
from outbound import claim_next, record_screen, start_attempt
from tests.ivr.conftest import Line
from tests.ivr.test_agent_line_golden import AGENT, AGENT_CALL, AGENT_LINE, CALLER, Step
from tests.ivr.test_golden_twiml import assert_golden
from tests.outbound.seed import add_list

CITIZEN_LINE = "+3233100100"
PERSON = "+32470123456"
PERSON_LEG = "CA" + "d" * 32
ATTEMPT = "&attempt=1"  # the first call placed on the test's own database


def _presence(status: PresenceStatus) -> Callable[[Line], None]:
    def before(line: Line) -> None:
        with line.runtime.session() as session:
            create_agent(session, "voorkempen", "101", "An", "1234", line.clock())
            set_presence(session, "voorkempen", "101", status, line.clock(), call_sid=AGENT_CALL)

    return before


def _list(slots: int | None = None) -> Callable[[Line], None]:
    def before(line: Line) -> None:
        _presence(PresenceStatus.OUTBOUND)(line)
        with line.runtime.session() as session:
            add_list(session, "voorkempen", [PERSON, "+32470654321"], line.clock(), slots=slots)

    return before


def _dialled(answered_by: str | None = None, *, slots: int | None = None) -> Callable[[Line], None]:
    """The agent's call has dialled the list's first person (and the screen ran, if ``answered_by``)."""

    def before(line: Line) -> None:
        _list(slots)(line)
        now = line.clock()
        with line.runtime.session() as session:
            claimed = claim_next(session, "voorkempen", "101", AGENT_CALL, now)
            assert claimed is not None
            attempt = start_attempt(session, claimed, "voorkempen", "101", AGENT_CALL, now)
            if answered_by is not None:
                machine = answered_by.startswith("machine_")
                record_screen(session, attempt, answered_by, PERSON_LEG, now, machine=machine)

    return before


def _talked(digits: str) -> Step:
    return Step(
        f"/twilio/agent/outbound/outcome{AGENT}{ATTEMPT}", {"Digits": digits}, _dialled("human", slots=1)
    )


def _after(status: str, before: Callable[[Line], None], duration: str | None = None) -> Step:
    form = {"DialCallStatus": status, "DialCallSid": PERSON_LEG}
    if duration is not None:
        form["DialCallDuration"] = duration
    return Step(f"/twilio/agent/outbound/after{AGENT}{ATTEMPT}", form, before)


SCREEN = f"/twilio/agent/outbound/screen{AGENT}{ATTEMPT}"
# The <Number url> request comes on the person's leg: its own CallSid, To the person's number.
LEG = {"CallSid": PERSON_LEG, "From": CITIZEN_LINE, "To": PERSON, "Direction": "outbound-dial"}

STEPS = {
    # The menu: the outbound key switches; between people, the break key and 0.
    "menu-outbound-key": Step(
        f"/twilio/agent/menu{AGENT}", {"Digits": "7"}, _presence(PresenceStatus.AVAILABLE)
    ),
    "menu-outbound-next-person": Step(f"/twilio/agent/menu{AGENT}", {}, _presence(PresenceStatus.OUTBOUND)),
    "menu-outbound-break": Step(
        f"/twilio/agent/menu{AGENT}", {"Digits": "9"}, _presence(PresenceStatus.OUTBOUND)
    ),
    "menu-outbound-incoming": Step(
        f"/twilio/agent/menu{AGENT}", {"Digits": "0"}, _presence(PresenceStatus.OUTBOUND)
    ),
    "next-outbound": Step(f"/twilio/agent/next{AGENT}", before=_presence(PresenceStatus.OUTBOUND)),
    # The next person: the list's label and last digits, then the dial.
    "next-person": Step(f"/twilio/agent/outbound/next{AGENT}", before=_list()),
    "next-person-nobody-left": Step(
        f"/twilio/agent/outbound/next{AGENT}", before=_presence(PresenceStatus.OUTBOUND)
    ),
    "next-person-not-outbound": Step(
        f"/twilio/agent/outbound/next{AGENT}", before=_presence(PresenceStatus.AVAILABLE)
    ),
    # The screen on the person's leg.
    "screen-human": Step(SCREEN, LEG | {"AnsweredBy": "human"}, _dialled()),
    "screen-unknown": Step(SCREEN, LEG | {"AnsweredBy": "unknown"}, _dialled()),
    "screen-no-answered-by": Step(SCREEN, LEG, _dialled()),
    "screen-machine": Step(SCREEN, LEG | {"AnsweredBy": "machine_start"}, _dialled()),
    "screen-fax": Step(SCREEN, LEG | {"AnsweredBy": "fax"}, _dialled()),
    # The dial's action.
    "after-no-answer": _after("no-answer", _dialled()),
    "after-busy": _after("busy", _dialled()),
    "after-failed": _after("failed", _dialled()),
    "after-voicemail": _after("completed", _dialled("machine_start"), "3"),
    "after-conversation": _after("completed", _dialled("human"), "95"),
    # The outcome keyed.
    "outcome-accepted": _talked("1"),
    "outcome-kept": _talked("2"),
    "outcome-do-not-call": _talked("3"),
    "outcome-wrong-number": _talked("4"),
    "outcome-no-key": _talked(""),
}


@pytest.mark.parametrize("name", list(STEPS), ids=list(STEPS))
def test_agent_outbound_step(line: Line, name: str) -> None:
    step = STEPS[name]
    step.before(line)
    path = f"{step.path}&v={line.runtime.renderer.version}"
    params = line.call(to=AGENT_LINE, caller=CALLER, CallSid=AGENT_CALL, CallStatus="in-progress")
    response = line.post(path, params | step.form)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert_golden(f"agent-outbound-{name}", response.text)
