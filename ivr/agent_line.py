"""The agent line's webhooks: verify → parse → read the agents' records → decide → write → render.

The decisions are ``routing.agent_line``'s (welcome → code → PIN → the queue → a menu after each
conversation → the next caller); this module reads and writes the agents' records around them
(lockouts, PIN check, presence) and hands what they said to the decision as plain values. Like
the citizen line, a call keeps the config it started with: the URLs carry ``v=<version>``. The
agent's call ending (status callback, ``ivr.webhooks``) logs the agent out. The outbound key of
the menu switches the agent to calling the people of the call lists (``ivr.agent_outbound``).
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import UTC, datetime

from fastapi import BackgroundTasks, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from agents import (
    PresenceStatus,
    clear_failures,
    is_locked,
    presence,
    record_failure,
    set_presence,
    verify_login,
)
from calls import answered_since, returning_waiting
from config import Helpdesk
from ivr.agent_twiml import CITIZEN_LATEST, render_agent_line
from ivr.endpoints import TwilioRoutes, Webhook, call_log, log_events, twiml, webhook
from ivr.params import GatherParams, QueueDialParams, TwilioParams, WaitParams, parse_params
from ivr.twiml import Renderer
from routing import (
    AgentStatus,
    AskCode,
    CallNextPerson,
    Conversation,
    LockedOut,
    LoggedIn,
    MenuDecision,
    NextCaller,
    OnBreak,
    PinCheck,
    QueueDial,
    QueueUnreachable,
    ReturningCallers,
    WrapUp,
    decide_after_dial,
    decide_call_in,
    decide_code,
    decide_menu,
    decide_next,
    decide_pin,
    is_entry,
    queue_record_since,
)
from service.operations import MarkAnswered
from service.runtime import Runtime

log = logging.getLogger("ivr.agents")
router = TwilioRoutes(prefix="/twilio/agent")

_STATUS: dict[PresenceStatus, AgentStatus] = {
    PresenceStatus.AVAILABLE: "available",
    PresenceStatus.BREAK: "break",
    PresenceStatus.OUTBOUND: "outbound",
    PresenceStatus.OFFLINE: "offline",
}
# Presences in which the agent takes no callers: the waiting callers may have to leave.
_TAKING_NO_CALLERS = frozenset({PresenceStatus.BREAK, PresenceStatus.OUTBOUND})
# A call's SID (``CA`` and 32 hex digits), as our own URLs carry the citizen's.
_CALL_SID = re.compile(r"CA[0-9a-fA-F]{32}")


def versioned_desk(call: Webhook, to: str) -> tuple[Renderer, Helpdesk | None]:
    """The config the call started with (``v`` in its URLs), and the helpdesk of this agent line."""
    renderer = call.rt.renderer_for(call.param("v"))
    config = renderer.config
    return renderer, config.helpdesk(call.param("helpdesk")) or config.by_agent_number(to)


@router.post("")
async def agent_call(request: Request) -> Response:
    """Agent line: an agent calls in."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    params = parse_params(TwilioParams, form.first())
    renderer = rt.renderer  # one read: the version this call keeps
    desk = renderer.config.by_agent_number(params.to)
    if desk is None:
        return twiml(renderer.hang_up())
    locked = await run_in_threadpool(_locked, rt, params.from_, rt.clock())
    return twiml(render_agent_line(renderer, desk, decide_call_in(locked)))


def _locked(rt: Runtime[Renderer], caller: str, now: datetime) -> bool:
    with rt.session() as session:
        return is_locked(session, caller, now) is not None


@router.post("/start")
async def start(request: Request) -> Response:
    """Agent line: ask the code again."""
    call = await webhook(request)
    form = call.form
    params = parse_params(TwilioParams, form.first())
    renderer, desk = versioned_desk(call, params.to)
    if desk is None:
        return twiml(renderer.hang_up())
    return twiml(render_agent_line(renderer, desk, AskCode(welcome=False)))


@router.post("/code")
async def code(request: Request) -> Response:
    """Agent line: the code was entered."""
    call = await webhook(request)
    form = call.form
    params = parse_params(GatherParams, form.first())
    renderer, desk = versioned_desk(call, params.to)
    if desk is None:
        return twiml(renderer.hang_up())
    return twiml(render_agent_line(renderer, desk, decide_code(params.digits)))


@router.post("/pin")
async def pin(request: Request) -> Response:
    """Agent line: the PIN was entered."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    code = call.param("code")
    params = parse_params(GatherParams, form.first())
    renderer, desk = versioned_desk(call, params.to)
    if desk is None:
        return twiml(renderer.hang_up())
    check = await run_in_threadpool(_check_pin, rt, desk, code, params, rt.clock())
    decision = decide_pin(code, check)
    if isinstance(decision, LoggedIn):
        rt.lines.forget(desk.id)  # one agent more from now on
        log.info("agent logged in", extra={"helpdesk": desk.id, "agent": code})
    elif isinstance(decision, LockedOut):
        log.warning("agent line locked for a caller after repeated wrong PINs", extra={"helpdesk": desk.id})
    return twiml(render_agent_line(renderer, desk, decision))


def _check_pin(
    rt: Runtime[Renderer], desk: Helpdesk, code: str, params: GatherParams, now: datetime
) -> PinCheck:
    """The PIN against the agents' records in one transaction: a locked number is not checked, a
    wrong PIN is counted against the caller's number, a right one clears the count and logs in."""
    with rt.session() as session:
        if is_locked(session, params.from_, now) is not None:
            return PinCheck(was_locked=True, accepted=False, now_locked=False)
        entered = params.digits
        agent = verify_login(session, desk.id, code, entered) if is_entry(entered) else None
        if agent is None:
            now_locked = record_failure(session, params.from_, now) is not None
            return PinCheck(was_locked=False, accepted=False, now_locked=now_locked)
        clear_failures(session, params.from_)
        set_presence(session, desk.id, code, PresenceStatus.AVAILABLE, now, call_sid=params.call_sid)
        return PinCheck(was_locked=False, accepted=True, now_locked=False)


def _status(rt: Runtime[Renderer], desk: Helpdesk, code: str, call_sid: str) -> AgentStatus:
    with rt.session() as session:
        return agent_status(session, desk, code, call_sid)


def agent_status(session: Session, desk: Helpdesk, code: str, call_sid: str) -> AgentStatus:
    """This call's presence: ``offline`` when the agent logged in again elsewhere or was removed."""
    current = next((row for row in presence(session, desk.id) if row.agent == code), None)
    if current is None or current.call_sid != call_sid:
        return "offline"
    return _STATUS[current.status]


@router.post("/next")
async def next_caller(request: Request) -> Response:
    """Agent line: wait for the next caller."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    code = call.param("code")
    params = parse_params(TwilioParams, form.first())
    renderer, desk = versioned_desk(call, params.to)
    if desk is None:
        return twiml(renderer.hang_up())
    now = rt.clock()
    status: AgentStatus
    try:
        status = await run_in_threadpool(_status, rt, desk, code, params.call_sid)
    except Exception:
        # Without the database the agent keeps taking callers: Twilio's queue still works.
        log.warning("presence unavailable; the agent keeps taking callers", extra={"helpdesk": desk.id})
        status = "available"
    returning: ReturningCallers = "none"
    if status == "available" and await _returning_waiting(rt, desk):
        returning = "just_tried" if call.param("tried") == "returning" else "waiting"
    return twiml(render_agent_line(renderer, desk, decide_next(desk, code, status, now, returning=returning)))


async def _returning_waiting(rt: Runtime[Renderer], desk: Helpdesk) -> bool:
    """Whether a caller waits in the helpdesk's returning queue (taken first); ``False`` when the
    queue's record is unavailable (the helpdesk's own queue is dialled, as without it)."""

    def read() -> bool:
        with rt.session() as session:
            return returning_waiting(session, desk.id) > 0

    try:
        return await run_in_threadpool(read)
    except Exception:
        log.warning("returning callers unknown; the helpdesk's queue is dialled", extra={"helpdesk": desk.id})
        return False


@router.post("/connect")
async def connect(request: Request) -> Response:
    """Queue url: a caller is about to be connected to an agent."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    helpdesk = call.param("helpdesk")
    code = call.param("code")
    params = parse_params(WaitParams, form.first())
    now = rt.clock()
    renderer, desk = versioned_desk(call, params.to)

    answered = MarkAnswered(call_sid=params.call_sid, agent=code, queue_time=params.queue_time, now=now)
    connected = ("connected", {"agent": code, "wait_s": params.queue_time})
    events = log_events(params.call_sid, desk, now, [connected]) if desk is not None else []
    try:
        await rt.hand_in([answered, *events])
    except Exception:
        log.exception("answer not recorded", extra={"helpdesk": helpdesk})
    return twiml(renderer.empty())  # the caller is put through


@router.post("/after")
async def after(request: Request) -> Response:
    """Dial action: the conversation ended or no caller came."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    code = call.param("code")
    dialled = call.param("dialled")
    params = parse_params(QueueDialParams, form.first())
    renderer, desk = versioned_desk(call, params.to)
    if desk is None:
        return twiml(renderer.hang_up())
    now = rt.clock()
    dial = QueueDial(
        status=params.dial_call_status,
        caller_sid=params.dial_call_sid,
        bridged=params.dial_bridged,
        dialled=_epoch_seconds(dialled),
        returning=call.param("queue") == "returning",
    )
    since = queue_record_since(dial)
    answered = None if since is None else await _answered(rt, desk, code, since)
    decision = decide_after_dial(desk, code, dial, now, answered)
    if isinstance(decision, QueueUnreachable):
        log.warning(
            "the agent's queue could not be dialled; trying again in %d s",
            decision.seconds,
            extra={"helpdesk": desk.id, "agent": code, "status": params.dial_call_status},
        )
    elif (
        isinstance(decision, WrapUp)
        and decision.talked
        and params.dial_call_sid
        and params.dial_call_duration is not None
    ):
        # DialCallSid and DialCallDuration are used only when they come. The call log has the talk
        # time anyway: from the <Queue url> request (connect) to the caller's bridged <Enqueue action>.
        talk = ("talk_ended", {"agent": code, "talk_s": params.dial_call_duration})
        await call_log(rt, params.dial_call_sid, desk, now, talk)
    return twiml(render_agent_line(renderer, desk, decision))


def conversation_of(call: Webhook) -> Conversation | None:
    """The conversation our own URL names (``citizen=`` and ``dialled=``, see
    :class:`routing.Conversation`): ``None`` when it names none (a menu not after a conversation)."""
    citizen = call.param("citizen")
    if not citizen:
        return None
    caller_sid = citizen if citizen != CITIZEN_LATEST and _CALL_SID.fullmatch(citizen) else ""
    return Conversation(caller_sid=caller_sid, dialled=_epoch_seconds(call.param("dialled")))


def _epoch_seconds(dialled: str) -> int | None:
    """The moment of the dial, from our own ``dialled`` query parameter (seconds since the epoch;
    at most 11 digits, a moment a datetime can hold)."""
    return int(dialled) if dialled.isascii() and dialled.isdigit() and len(dialled) <= 11 else None


async def _answered(rt: Runtime[Renderer], desk: Helpdesk, code: str, dialled: int) -> bool | None:
    """Whether the queue's record has this agent taking a caller since ``dialled`` (seconds since
    the epoch); ``None`` when the record is unavailable."""
    since = datetime.fromtimestamp(dialled, UTC)

    def read() -> bool:
        rt.flush()  # the <Queue url> request's write, if it is still on its way
        with rt.session() as session:
            return answered_since(session, desk.id, code, since)

    try:
        return await run_in_threadpool(read)
    except Exception:
        log.warning("the queue's record is unavailable; the dial counts as a conversation")
        return None


@router.post("/menu")
async def menu(request: Request) -> Response:
    """Agent line: a key was pressed between callers."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    background = BackgroundTasks()
    code = call.param("code")
    params = parse_params(GatherParams, form.first())
    renderer, desk = versioned_desk(call, params.to)
    if desk is None:
        return twiml(renderer.hang_up())
    now = rt.clock()
    current = await run_in_threadpool(_status, rt, desk, code, params.call_sid)
    # A fresh token names the recording, should the key escalate the conversation's question.
    after, token = conversation_of(call), secrets.token_hex(16)
    decision = decide_menu(desk, code, params.digits, current, after=after, token=token)
    changed = _presence_change(decision)
    if changed is not None:

        def change() -> None:
            with rt.session() as session:
                set_presence(session, desk.id, code, changed, now, call_sid=params.call_sid)

        await run_in_threadpool(change)
        rt.lines.forget(desk.id)
        extra = {"helpdesk": desk.id, "agent": code, "status": changed.value}
        log.info("agent presence changed", extra=extra)
        if changed in _TAKING_NO_CALLERS:
            background.add_task(rt.presence_changed, desk.id)
    return twiml(render_agent_line(renderer, desk, decision), background)


def _presence_change(decision: MenuDecision) -> PresenceStatus | None:
    """The presence a menu key changed, to be recorded before the answer."""
    match decision:
        case OnBreak(starts=True):
            return PresenceStatus.BREAK
        case NextCaller(resumes=True):
            return PresenceStatus.AVAILABLE
        case CallNextPerson(starts=True):
            return PresenceStatus.OUTBOUND
    return None
