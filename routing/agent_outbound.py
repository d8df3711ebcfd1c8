"""The agent line's outbound work (playbook 1.5): pure decisions, as ``routing.agent_line``'s.

The outbound key in the menu (``routing.agent_line``) switches the agent to calling the people of
the helpdesk's call lists, one after another: the list's label and the number's last two digits, a
``<Dial>`` from the agent's leg with the helpdesk's own number as caller ID, a screen that hangs up
on an answering machine before the agent is put through, then the outcome keyed by the agent (or
an automatic one), then a short menu: the break key, ``0`` for incoming callers, or the next
person. Once the presence is no longer ``outbound``, the incoming flow (``decide_next``) decides.

Its results complete the agent line's closed set, :data:`AgentLineDecision`, which the agent
line's renderer matches on: the set lives here, above the module whose results it also holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Literal

from config.models import Helpdesk, Outbound
from routing.agent_line import (
    AgentStatus,
    AskCode,
    AskPin,
    CallNextPerson,
    DialQueue,
    HangUp,
    LockedOut,
    LoggedIn,
    NextCaller,
    NextDecision,
    OnBreak,
    QuestionRecorded,
    QueueUnreachable,
    RecordQuestion,
    WrapUp,
    WrongPin,
    decide_next,
)

OUTCOME_SECONDS = 20
"""Seconds the agent has to key the outcome of a conversation before the question comes again."""

KeyedOutcome = Literal["accepted", "kept", "do_not_call", "wrong_number"]
"""What the agent keys after a conversation (the values of ``outbound.Outcome``)."""

AutomaticOutcome = Literal["no_answer", "busy", "failed", "voicemail"]
"""How a call that reached nobody ended (the values of ``outbound.Outcome``)."""

CallOutcome = KeyedOutcome | AutomaticOutcome

OUTCOME_KEYS: Mapping[str, KeyedOutcome] = MappingProxyType(
    {"1": "accepted", "2": "kept", "3": "do_not_call", "4": "wrong_number"}
)
"""Playbook 1.5.2: accepted; cannot now but keep me on the list; never call me again; and a wrong number."""

# The dial's DialCallStatus when nobody was put through (Twilio's <Dial> page).
_UNREACHED_STATUSES: Mapping[str, AutomaticOutcome] = MappingProxyType(
    {"no-answer": "no_answer", "busy": "busy", "failed": "failed", "canceled": "failed"}
)


@dataclass(frozen=True)
class DialPerson:
    """Say the list's ``label`` and the number's ``last_digits`` to the agent, then dial the person.

    ``caller_id``: the helpdesk's own first number (playbook 1.5.1: always the same visible number,
    never anonymous); ``timeout``: the ring time (``outbound.ring_time``).
    ``attempt`` names the call placed, in the URLs of its screen and its action.
    """

    code: str
    attempt: int
    label: str
    last_digits: str
    number: str
    caller_id: str
    timeout: int


@dataclass(frozen=True)
class NobodyToCall:
    """Nobody left to call on the helpdesk's open lists: say so, then back to the incoming callers
    (the web layer has recorded the agent available)."""

    code: str


@dataclass(frozen=True)
class AskOutcome:
    """The person was put through and the conversation ended: ask the agent for its outcome key;
    without a key within ``OUTCOME_SECONDS`` the question comes again (the person stays claimed)."""

    code: str
    attempt: int


@dataclass(frozen=True)
class CallEnded:
    """The call to a person has its outcome (keyed, or automatic when nobody was reached): say it,
    then the menu keys for ``seconds`` (the break key, ``0``), else the next person."""

    code: str
    attempt: int
    outcome: CallOutcome
    seconds: int


@dataclass(frozen=True)
class PutThrough:
    """The screen on the person's leg: a person (or nobody could tell): put them through to the agent."""


@dataclass(frozen=True)
class RefuseMachine:
    """The screen on the person's leg: an answering machine or a fax: hang up before the agent is
    put through, so that no message is ever left (playbook 1.5.2)."""


@dataclass(frozen=True)
class Person:
    """The person claimed for this agent, the call to them started (written before the decision):
    the attempt, the list's label and the number in E.164."""

    attempt: int
    label: str
    number: str


@dataclass(frozen=True)
class PersonDial:
    """The agent's dial to a person as its action request reports it.

    ``status`` and ``duration`` are Twilio's ``DialCallStatus`` and ``DialCallDuration`` (empty and
    ``None`` when not sent); ``screened``: the ``AnsweredBy`` the screen recorded for this call
    (``None`` when the screen never ran: nobody answered, or its record is missing).
    """

    status: str
    duration: int | None
    screened: str | None


PersonDecision = DialPerson | NobodyToCall | NextDecision
AfterPersonDecision = AskOutcome | CallEnded
OutcomeDecision = CallEnded | AskOutcome | HangUp
ScreenDecision = PutThrough | RefuseMachine
AgentLineDecision = (
    HangUp
    | AskCode
    | AskPin
    | LockedOut
    | WrongPin
    | LoggedIn
    | DialQueue
    | WrapUp
    | QueueUnreachable
    | OnBreak
    | NextCaller
    | CallNextPerson
    | DialPerson
    | NobodyToCall
    | AskOutcome
    | CallEnded
    | RecordQuestion
    | QuestionRecorded
)


def decide_person(
    desk: Helpdesk, outbound: Outbound, code: str, status: AgentStatus, person: Person | None, now: datetime
) -> PersonDecision:
    """The next person to call (playbook 1.5).

    In outbound work: dial ``person``, the one the web layer claimed (the next pending person of
    the helpdesk's open lists, oldest list first, in list order), or say that nobody is left.
    Otherwise the presence changed meanwhile (ops, a break, a login elsewhere): the incoming flow
    decides, as :func:`decide_next`.
    """
    if status != "outbound":
        return decide_next(desk, code, status, now)
    if person is None:
        return NobodyToCall(code=code)
    return DialPerson(
        code=code,
        attempt=person.attempt,
        label=person.label,
        last_digits=person.number[-2:],
        number=person.number,
        caller_id=desk.numbers[0],
        timeout=outbound.ring_time,
    )


def is_machine(answered_by: str) -> bool:
    """Whether Twilio's ``AnsweredBy`` names an answering machine (``machine_start``,
    ``machine_end_beep`` …) or a fax: anything but a person (``human``) or no verdict (``unknown``)."""
    return answered_by.startswith("machine_") or answered_by == "fax"


def decide_screen(answered_by: str) -> ScreenDecision:
    """The ``<Number url>`` request on the person's leg, before the agent is put through: a machine
    is hung up on (playbook 1.5.2: never leave a message), a person, ``unknown`` or no
    ``AnsweredBy`` at all is put through (better a person than nobody)."""
    return RefuseMachine() if is_machine(answered_by) else PutThrough()


def decide_after_person(desk: Helpdesk, code: str, attempt: int, dial: PersonDial) -> AfterPersonDecision:
    """After the agent's dial to a person: an automatic outcome, or ask the agent for the outcome.

    A leg the screen refused is ``voicemail`` whatever ``DialCallStatus`` says (Twilio does not
    document the status of a leg its ``<Number url>`` hung up). A leg the screen put through was a
    conversation. Otherwise ``no-answer``, ``busy``, ``failed`` and ``canceled`` reached nobody;
    ``completed`` (and ``answered``) was a conversation, whose screen record went missing; any
    other status counts as failed.
    """
    if dial.screened is not None:
        if is_machine(dial.screened):
            return _ended(desk, code, attempt, "voicemail")
        return AskOutcome(code=code, attempt=attempt)
    if dial.status in ("completed", "answered"):
        return AskOutcome(code=code, attempt=attempt)
    return _ended(desk, code, attempt, _UNREACHED_STATUSES.get(dial.status, "failed"))


def decide_outcome(
    desk: Helpdesk, code: str, attempt: int, digits: str, status: AgentStatus
) -> OutcomeDecision:
    """The outcome keyed after a conversation (``Digits``; only its first key counts): ``1`` to
    ``4`` record it; no key (the ``<Redirect>`` after the ``<Gather>``) or another key asks again.
    The call no longer carrying the agent's presence hangs up (the claim is released when it ends).
    """
    if status == "offline":
        return HangUp()
    outcome = OUTCOME_KEYS.get(digits[:1])
    if outcome is None:
        return AskOutcome(code=code, attempt=attempt)
    return _ended(desk, code, attempt, outcome)


def _ended(desk: Helpdesk, code: str, attempt: int, outcome: CallOutcome) -> CallEnded:
    return CallEnded(code=code, attempt=attempt, outcome=outcome, seconds=desk.agent_line.wrap_up)
