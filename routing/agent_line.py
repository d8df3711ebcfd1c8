"""The agent line's decisions: pure functions of the helpdesk, the keys pressed and what the
agents' records said (playbook 1.2.1: agents on the helpdesk's group number, often from home).

Flow: welcome → code → PIN (five wrong PINs from one number lock it for a while) → logged in →
``<Dial><Queue>`` on the helpdesk's queue → after each conversation a short menu (the break key)
→ the next caller. The web layer reads and writes the agents' records (the PIN check, the
lockout, the presence) before or after a decision and hands in what they said as plain values;
each function answers one Twilio request with one of a closed set of frozen results.

Escalating a question (playbook 1.3.2.2): in the menu that follows a conversation the escalate
key records the question the agent could not answer (``<Record>``, at most two minutes) for a
more experienced colleague who calls the citizen back; the menu's URL names the conversation, so
the key does nothing in any other menu (waiting, on a break, between calls to citizens). After the
recording the agent hears that it was saved, or that nothing was recorded (the key then works
again for the same conversation), with the menu keys, then the next caller.

Outbound work (playbook 1.5): the outbound key in the menu switches the agent to calling the
people of the helpdesk's call lists (``CallNextPerson``); the decisions of that work, and the
closed set of all the agent line's results, are ``routing.agent_outbound``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, assert_never

from config.models import Helpdesk
from routing.decisions import returning_queue_name

CODE_DIGITS = 8
"""The longest agent code (3 to 8 keypad digits); a longer entry is cut to this length."""

PIN_DIGITS = 8
"""The longest PIN (4 to 8 keypad digits)."""

BREAK_POLL_SECONDS = 60
"""Seconds an agent on a break has the menu keys before the line looks at the presence again."""

BACK_OFF_SECONDS = 30
"""Seconds before a failed queue dial is tried again (a queue that does not exist posts its error
to the dial's action at once): a pause, not a tight loop; the menu keys work meanwhile."""

RETURNING_DIAL_SECONDS = 10
"""The ``<Dial timeout>`` on the returning queue. A returning caller counts as waiting from the
arrival on, while still hearing the ``returning_call`` message before Twilio queues them; and
another agent may take them first. A short wait (Twilio adds 5 s) covers the message; then the
agent is back at ``/next`` rather than idle on an empty queue while other callers wait. Longer
than ``FAILED_DIAL_SECONDS``: a dial that waited is never taken for a failed one."""

ReturningCallers = Literal["none", "waiting", "just_tried"]
"""Whether citizens ringing back after a call of ours they missed wait in the helpdesk's returning
queue (playbook 1.5.2), as the agent's next dial sees it: ``none``; ``waiting``; ``just_tried``:
they are still said to wait, but this agent's dial on that queue just found nobody."""

FAILED_DIAL_SECONDS = 5
"""A queue dial that ends this soon without a caller did not wait for one: it failed."""

INCOMING_KEY = "0"
"""Between calls to citizens: back to the incoming callers (unless it is the helpdesk's break key)."""

AgentStatus = Literal["available", "break", "outbound", "offline"]
"""The agent's presence as this call sees it: ``offline`` also when the agent has logged in again
on another call or was removed; ``outbound``: calling the people of the call lists."""


@dataclass(frozen=True)
class HangUp:
    """Hang up: nothing to offer this call (the agent was logged out, or logged in elsewhere)."""


@dataclass(frozen=True)
class AskCode:
    """Ask for the agent's code (after the welcome on the first request)."""

    welcome: bool


@dataclass(frozen=True)
class AskPin:
    """The code was entered: ask for the PIN (the code is checked together with it)."""

    code: str


@dataclass(frozen=True)
class LockedOut:
    """Too many wrong PINs from this number: say so and hang up (the lock lasts a while)."""


@dataclass(frozen=True)
class WrongPin:
    """A wrong PIN (or an unknown code): say so and start again at the code."""


@dataclass(frozen=True)
class LoggedIn:
    """Logged in (the presence is written): explain the line, then wait for the first caller."""

    code: str


@dataclass(frozen=True)
class DialQueue:
    """``<Dial><Queue>``: the agent takes the first caller of the helpdesk's queue.

    ``dialled`` (seconds since the epoch) comes back with the dial's action, to tell a dial that
    failed at once from one that waited. ``timeout``: how long the agent waits for a caller before
    the menu comes back (``agent_line.wait_for_caller``). ``returning``: the helpdesk's returning
    queue is dialled (``RETURNING_DIAL_SECONDS``), which the dial's action is told.
    """

    queue_name: str
    code: str
    dialled: int
    timeout: int
    returning: bool = False


@dataclass(frozen=True)
class Conversation:
    """The conversation a wrap-up menu follows: what the escalate key records a question about.

    ``caller_sid``: the citizen's call, Twilio's ``DialCallSid`` ("" when Twilio did not send
    it); then the queue's record names the latest call this agent answered since ``dialled``
    (when the agent's queue dial began, seconds since the epoch; ``None`` when unknown).
    """

    caller_sid: str
    dialled: int | None


@dataclass(frozen=True)
class WrapUp:
    """A queue dial ended: the menu keys for the wrap-up ``seconds``, then the next caller.

    ``talked``: a caller was put through (the agent hears that the conversation ended; the menu
    offers the escalate key for ``conversation``), else nobody came within the dial's timeout.
    """

    code: str
    talked: bool
    seconds: int
    conversation: Conversation | None = None


@dataclass(frozen=True)
class RecordQuestion:
    """The escalate key after a conversation: the prompt, then the agent's question recorded.

    ``token`` (a random id the web layer makes) ties the recording's two requests (the
    ``<Record>`` action and the recording status callback) to one escalation; the conversation
    names the citizen to call back.
    """

    code: str
    conversation: Conversation
    token: str


@dataclass(frozen=True)
class QuestionRecorded:
    """After the agent's ``<Record>``: ``saved`` (stored for a colleague) or nothing was recorded,
    said with the menu keys for ``seconds``, then the next caller. Nothing recorded keeps
    ``conversation``: the escalate key records the question again."""

    code: str
    saved: bool
    seconds: int
    conversation: Conversation | None = None


@dataclass(frozen=True)
class QueueUnreachable:
    """The queue could not be dialled: say so, the menu keys for ``seconds``, then try again."""

    code: str
    seconds: int


@dataclass(frozen=True)
class OnBreak:
    """The agent is on a break: the menu keys for ``seconds``, then the presence is looked at again.

    ``announce``: the on-break message first (after a key, not on every poll). ``starts``: the key
    just started the break, which the web layer records.
    """

    code: str
    seconds: int
    announce: bool
    starts: bool = False


@dataclass(frozen=True)
class NextCaller:
    """Back to the queue for the next caller; ``resumes``: the key ended a break or the outbound
    work (the web layer records the agent available)."""

    code: str
    resumes: bool = False
    # A dial on the returning queue just found nobody, which the next request is told (decide_next).
    tried_returning: bool = False


@dataclass(frozen=True)
class CallNextPerson:
    """On to the next person of the helpdesk's call lists; ``starts``: the outbound key just
    switched the agent to outbound work (the web layer records the presence)."""

    code: str
    starts: bool = False


@dataclass(frozen=True)
class PinCheck:
    """What the agents' records said of one PIN entry (read and written before the decision).

    ``was_locked``: the caller's number was locked out before this entry (the PIN is not checked);
    ``accepted``: code and PIN belong to an enabled agent (whose presence is then written);
    ``now_locked``: this wrong PIN is the one that locked the number.
    """

    was_locked: bool
    accepted: bool
    now_locked: bool


@dataclass(frozen=True)
class QueueDial:
    """The agent's ``<Dial><Queue>`` as its action request reports it.

    ``status`` and ``caller_sid`` are Twilio's ``DialCallStatus`` and ``DialCallSid`` (empty when
    not sent), ``bridged`` its ``DialBridged`` when sent, ``dialled`` when the dial began (seconds
    since the epoch, from the action's URL; ``None`` when unknown); ``returning``: the dial was on
    the helpdesk's returning queue (the action's URL says so).
    """

    status: str
    caller_sid: str
    bridged: bool | None
    dialled: int | None
    returning: bool = False


CallInDecision = AskCode | LockedOut
CodeDecision = AskCode | AskPin
PinDecision = LoggedIn | WrongPin | LockedOut
NextDecision = DialQueue | OnBreak | CallNextPerson | HangUp
AfterDialDecision = WrapUp | QueueUnreachable | NextCaller
MenuDecision = NextCaller | OnBreak | CallNextPerson | RecordQuestion | HangUp


def decide_call_in(locked: bool) -> CallInDecision:
    """An agent calls the agent number: the welcome and the code, unless the number is locked out
    after repeated wrong PINs (``locked``, from the lockout record)."""
    return LockedOut() if locked else AskCode(welcome=True)


def decide_code(digits: str) -> CodeDecision:
    """The code entered (``Digits``): anything but keypad digits asks again; a code longer than
    ``CODE_DIGITS`` is cut. Whether the code exists is only said with the PIN, so that a caller
    cannot learn which codes exist."""
    if not is_entry(digits):
        return AskCode(welcome=False)
    return AskPin(code=digits[:CODE_DIGITS])


def is_entry(digits: str) -> bool:
    """Whether ``digits`` is a code or PIN at all: one or more ASCII keypad digits."""
    return digits.isascii() and digits.isdigit()


def decide_pin(code: str, check: PinCheck) -> PinDecision:
    """The PIN entered for ``code``, as the agents' records judged it (PRODUCT.md "Agent line":
    five wrong PINs from one number lock it for 15 minutes; a locked number is not even checked)."""
    if check.was_locked:
        return LockedOut()
    if check.accepted:
        return LoggedIn(code=code)
    return LockedOut() if check.now_locked else WrongPin()


def decide_next(
    desk: Helpdesk,
    code: str,
    status: AgentStatus,
    now: datetime,
    *,
    returning: ReturningCallers = "none",
) -> NextDecision:
    """Waiting for the next caller: dial the helpdesk's queue while the agent is available, poll
    the menu while on a break, the next person of the call lists in outbound work, hang up once
    this call no longer carries the agent's presence.

    ``returning``: while citizens who ring back after a call of ours they missed wait (playbook
    1.5.2), an available agent dials the returning queue first, briefly
    (``RETURNING_DIAL_SECONDS``), and comes back here for the other callers. When that dial just
    found nobody (``just_tried``: another agent took the caller, or the record is behind Twilio's
    queue), the agent takes the helpdesk's own queue once before looking again, so that the
    agent never circles on an empty returning queue while other callers wait.
    """
    _require_aware(now)
    match status:
        case "offline":
            return HangUp()
        case "break":
            return OnBreak(code=code, seconds=BREAK_POLL_SECONDS, announce=False)
        case "outbound":
            return CallNextPerson(code=code)
        case "available":
            if returning == "waiting":
                return DialQueue(
                    queue_name=returning_queue_name(desk.id),
                    code=code,
                    dialled=int(now.timestamp()),
                    timeout=RETURNING_DIAL_SECONDS,
                    returning=True,
                )
            return DialQueue(
                queue_name=desk.id,
                code=code,
                dialled=int(now.timestamp()),
                timeout=desk.agent_line.wait_for_caller,
            )
        case _:
            assert_never(status)


def queue_record_since(dial: QueueDial) -> int | None:
    """When only the queue's record can tell whether the dial put a caller through: since when
    (``dialled``) to look; ``None`` when Twilio's parameters tell.

    ``DialBridged`` says so when it comes (Twilio does not document it after a queue dial).
    Otherwise only a ``completed`` dial can have, but a ``*`` on the empty queue may end the dial
    ``completed`` too: the record of the ``<Queue url>`` requests says whether this agent took a
    caller since the dial began. Without the dial's start, ``completed`` counts.
    """
    if dial.bridged is None and dial.status == "completed":
        return dial.dialled
    return None


def decide_after_dial(
    desk: Helpdesk, code: str, dial: QueueDial, now: datetime, answered: bool | None
) -> AfterDialDecision:
    """After the agent's queue dial: the menu for the wrap-up, or a back-off when it failed.

    ``answered``: the queue's record, read when :func:`queue_record_since` says so (``None`` when
    not read or unavailable: a ``completed`` dial then counts as a conversation). A dial on the
    returning queue that put nobody through (another agent took the caller, or the caller was
    still hearing the message) goes straight back to the next caller, without the menu.
    """
    _require_aware(now)
    if _dial_failed(dial, now):
        return QueueUnreachable(code=code, seconds=BACK_OFF_SECONDS)
    if dial.bridged is not None:
        talked = dial.bridged
    else:
        talked = dial.status == "completed" and answered is not False
    if dial.returning and not talked:
        return NextCaller(code=code, tried_returning=True)
    conversation = Conversation(caller_sid=dial.caller_sid, dialled=dial.dialled) if talked else None
    return WrapUp(code=code, talked=talked, seconds=desk.agent_line.wrap_up, conversation=conversation)


def _dial_failed(dial: QueueDial, now: datetime) -> bool:
    """Whether the agent's ``<Dial><Queue>`` failed rather than ended a conversation or a wait.

    Twilio posts an error to the action at once for a queue that does not exist; which
    ``DialCallStatus`` it sends is not documented. So: ``failed``, or any status but ``completed``
    that comes back within ``FAILED_DIAL_SECONDS`` of the dial without a caller having been taken.
    """
    if dial.status == "failed":
        return True
    if dial.status in ("", "completed") or dial.caller_sid or dial.dialled is None:
        return False
    return 0 <= now.timestamp() - dial.dialled < FAILED_DIAL_SECONDS


def decide_menu(
    desk: Helpdesk,
    code: str,
    digits: str,
    status: AgentStatus,
    *,
    after: Conversation | None = None,
    token: str = "",
) -> MenuDecision:
    """A key pressed between callers (``Digits``; only its first key counts): the break key starts
    a break, the resume key ends it, the outbound key starts calling the people of the call lists,
    any other key changes nothing.

    In the menu that follows a conversation (``after``) the escalate key records the question
    for a more experienced colleague (playbook 1.3.2.2), whatever the presence became meanwhile
    (ops may have changed it); ``token`` names the recording. In every other menu it changes
    nothing, like any key without a meaning there.

    Between calls to citizens (``outbound``) the break key starts a break, ``0`` goes back to the
    incoming callers and any other key (or none) goes on to the next person.
    """
    if status == "offline":
        return HangUp()
    key = digits[:1]
    if after is not None and key == desk.agent_line.escalate_key:
        if not token:
            raise ValueError("a recorded question needs its token")
        return RecordQuestion(code=code, conversation=after, token=token)
    if status == "outbound":
        if key == desk.agent_line.break_key:
            return OnBreak(code=code, seconds=BREAK_POLL_SECONDS, announce=True, starts=True)
        if key == INCOMING_KEY:
            return NextCaller(code=code, resumes=True)
        return CallNextPerson(code=code)
    if key == desk.agent_line.outbound_key:
        return CallNextPerson(code=code, starts=True)
    keys: dict[str, AgentStatus] = {
        desk.agent_line.break_key: "break",
        desk.agent_line.resume_key: "available",
    }
    wanted = keys.get(key, status)
    if wanted == "break":
        return OnBreak(code=code, seconds=BREAK_POLL_SECONDS, announce=True, starts=status != "break")
    return NextCaller(code=code, resumes=status == "break")


def decide_question_recorded(
    desk: Helpdesk, code: str, recorded: bool, conversation: Conversation | None
) -> QuestionRecorded:
    """The agent's ``<Record>`` ended: the question was ``recorded`` (and stored), or nothing was
    said; then the menu keys for the wrap-up, with the escalate key again after nothing."""
    return QuestionRecorded(
        code=code,
        saved=recorded,
        seconds=desk.agent_line.wrap_up,
        conversation=None if recorded else conversation,
    )


def _require_aware(now: datetime) -> None:
    if now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now.isoformat()}")
