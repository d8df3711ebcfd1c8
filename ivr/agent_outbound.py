"""The agent line's outbound work (playbook 1.5): verify → parse → read and write the call lists →
decide → render.

The decisions are ``routing.agent_outbound``'s: the next person (``/next``), the screen on the
person's leg (``/screen``, the ``<Number url>``), the dial's end (``/after``) and the outcome the
agent keys (``/outcome``). This module claims the people and records the calls
(``outbound.dialling``) around them. Like the rest of the agent line a call keeps the config it
started with (``v=<version>``). Numbers are logged masked only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from agents import PresenceStatus, set_presence
from config import Helpdesk
from ivr.agent_line import agent_status, versioned_desk
from ivr.agent_twiml import render_agent_line, render_screen
from ivr.endpoints import TwilioRoutes, twiml, webhook
from ivr.params import GatherParams, PersonDialParams, ScreenParams, TwilioParams, parse_params
from ivr.twiml import Renderer
from outbound import (
    Outcome,
    claim_next,
    finish_attempt,
    record_outcome,
    record_screen,
    record_talk,
    screened_as,
    start_attempt,
)
from routing import (
    AfterPersonDecision,
    AgentStatus,
    AskOutcome,
    CallEnded,
    CallNextPerson,
    OutcomeDecision,
    Person,
    PersonDecision,
    PersonDial,
    RefuseMachine,
    ScreenDecision,
    decide_after_person,
    decide_next,
    decide_outcome,
    decide_person,
    decide_screen,
)
from service.runtime import Runtime

log = logging.getLogger("ivr.agents")
router = TwilioRoutes(prefix="/twilio/agent/outbound")
# An attempt's id in our own URLs: a whole number a database column holds.
_ATTEMPT_DIGITS = 9


def _attempt(text: str) -> int | None:
    """The attempt our own URL names; ``None`` when it names none."""
    if text.isascii() and text.isdigit() and len(text) <= _ATTEMPT_DIGITS:
        return int(text)
    return None


@dataclass(frozen=True)
class _Claim:
    """What the records said for the next person: the agent's presence, the person claimed (and
    the call to them started), the masked number for the log."""

    status: AgentStatus
    person: Person | None = None
    masked: str = ""


@router.post("/next")
async def next_person(request: Request) -> Response:
    """Agent line: call the next person of the call lists."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    code = call.param("code")
    params = parse_params(TwilioParams, form.first())
    renderer, desk = versioned_desk(call, params.to)
    if desk is None:
        return twiml(renderer.hang_up())
    now = rt.clock()
    decision: PersonDecision
    extra = {"helpdesk": desk.id, "agent": code}
    try:
        claim = await run_in_threadpool(_claim, rt, desk, code, params.call_sid, now)
    except Exception:
        # Without the database nobody can be claimed: the agent takes callers meanwhile, as the
        # incoming flow does (Twilio's queue still works).
        log.warning("call lists unavailable; the agent takes callers", extra=extra)
        decision = decide_next(desk, code, "available", now)
    else:
        decision = decide_person(desk, renderer.config.outbound, code, claim.status, claim.person, now)
        if claim.person is not None:
            called = {"attempt": claim.person.attempt, "number": claim.masked}
            log.info("calling a person", extra=extra | called)
        elif claim.status == "outbound":
            rt.lines.forget(desk.id)  # the agent takes callers again
            log.info("nobody left on the call lists; the agent takes callers", extra=extra)
    return twiml(render_agent_line(renderer, desk, decision))


def _claim(rt: Runtime[Renderer], desk: Helpdesk, code: str, call_sid: str, now: datetime) -> _Claim:
    """In one transaction: the agent's presence, and in outbound work the next person claimed and
    the call to them started; nobody left puts the agent back with the incoming callers."""
    with rt.session() as session:
        status = agent_status(session, desk, code, call_sid)
        if status != "outbound":
            return _Claim(status)
        claimed = claim_next(session, desk.id, code, call_sid, now)
        if claimed is None:
            set_presence(session, desk.id, code, PresenceStatus.AVAILABLE, now, call_sid=call_sid)
            return _Claim(status)
        attempt = start_attempt(session, claimed, desk.id, code, call_sid, now)
    return _Claim(status, Person(attempt, claimed.label, claimed.number), claimed.masked)


@router.post("/screen")
async def screen(request: Request) -> Response:
    """``<Number url>``: the person's leg was answered; hang up on a machine, else put through."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    params = parse_params(ScreenParams, form.first())
    decision = decide_screen(params.answered_by)
    attempt = _attempt(call.param("attempt"))
    extra = {"helpdesk": call.param("helpdesk"), "attempt": attempt, "answered_by": params.answered_by}
    if attempt is not None:
        try:
            await run_in_threadpool(_record_screen, rt, attempt, params, decision, rt.clock())
        except Exception:
            # What the leg hears depends on AnsweredBy alone; the dial's action decides without it.
            log.exception("screen not recorded", extra=extra)
    if isinstance(decision, RefuseMachine):
        log.info("answering machine hung up on: no message left", extra=extra)
    return twiml(render_screen(decision))


def _record_screen(
    rt: Runtime[Renderer], attempt: int, params: ScreenParams, decision: ScreenDecision, now: datetime
) -> None:
    machine = isinstance(decision, RefuseMachine)
    # No AnsweredBy at all: no verdict, as Twilio's own "unknown".
    answered_by = params.answered_by or "unknown"
    with rt.session() as session:
        record_screen(session, attempt, answered_by, params.call_sid, now, machine=machine)


@router.post("/after")
async def after(request: Request) -> Response:
    """Dial action: the call to a person ended (nobody reached, or after the conversation)."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    code = call.param("code")
    params = parse_params(PersonDialParams, form.first())
    renderer, desk = versioned_desk(call, params.to)
    if desk is None:
        return twiml(renderer.hang_up())
    attempt = _attempt(call.param("attempt"))
    if attempt is None:
        log.error("a dial's action without its attempt; on to the next person", extra={"helpdesk": desk.id})
        return twiml(render_agent_line(renderer, desk, CallNextPerson(code=code)))
    decision = await run_in_threadpool(_after, rt, desk, code, attempt, params, rt.clock())
    if isinstance(decision, CallEnded):
        extra = {"helpdesk": desk.id, "agent": code, "attempt": attempt, "outcome": decision.outcome}
        log.info("person not reached", extra=extra | {"status": params.dial_call_status})
    return twiml(render_agent_line(renderer, desk, decision))


def _after(
    rt: Runtime[Renderer], desk: Helpdesk, code: str, attempt: int, params: PersonDialParams, now: datetime
) -> AfterPersonDecision:
    """Decided on what the screen recorded, and recorded in the same transaction."""
    with rt.session() as session:
        dial = PersonDial(
            status=params.dial_call_status,
            duration=params.dial_call_duration,
            screened=screened_as(session, attempt),
        )
        decision = decide_after_person(desk, code, attempt, dial)
        match decision:
            case CallEnded(outcome=outcome):
                finish_attempt(session, attempt, Outcome(outcome), now, params.dial_call_sid)
            case AskOutcome():
                record_talk(session, attempt, params.dial_call_duration, params.dial_call_sid, now)
    return decision


@router.post("/outcome")
async def outcome(request: Request) -> Response:
    """Agent line: the outcome of a conversation was keyed (or not: the question again)."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    code = call.param("code")
    params = parse_params(GatherParams, form.first())
    renderer, desk = versioned_desk(call, params.to)
    if desk is None:
        return twiml(renderer.hang_up())
    attempt = _attempt(call.param("attempt"))
    if attempt is None:
        log.error("an outcome without its attempt; on to the next person", extra={"helpdesk": desk.id})
        return twiml(render_agent_line(renderer, desk, CallNextPerson(code=code)))
    decision = await run_in_threadpool(_outcome, rt, desk, code, attempt, params, rt.clock())
    return twiml(render_agent_line(renderer, desk, decision))


def _outcome(
    rt: Runtime[Renderer], desk: Helpdesk, code: str, attempt: int, params: GatherParams, now: datetime
) -> OutcomeDecision:
    """Decided on the agent's presence, and the outcome recorded in the same transaction."""
    with rt.session() as session:
        status = agent_status(session, desk, code, params.call_sid)
        decision = decide_outcome(desk, code, attempt, params.digits, status)
        if not isinstance(decision, CallEnded):
            return decision
        recorded = record_outcome(session, attempt, Outcome(decision.outcome), now)
    extra = {"helpdesk": desk.id, "agent": code, "attempt": attempt, "outcome": decision.outcome}
    if not recorded.recorded:
        log.warning("outcome not recorded: the call had one, or its person was released", extra=extra)
    elif recorded.filled:
        log.info("outcome recorded; the list is filled and closed", extra=extra)
    else:
        log.info("outcome recorded", extra=extra)
    return decision
