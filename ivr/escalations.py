"""Escalated questions on the phone: verify → parse → decide → store → render.

Two ways in (playbook 1.3.2.2 and 1.2.3.3): an agent's question recorded after a conversation
(``/twilio/agent/escalation``, the ``<Record>`` action of the agent line), and the central
contact centre's urgent question on a helpdesk's escalation number (``/twilio/escalation`` as the
number's Voice URL, ``/twilio/escalation/recorded`` the ``<Record>`` action). Both recordings
report to ``/twilio/recording-status``. The ``<Record>`` action and the recording status callback
come in either order; whichever comes first with something to keep stores the escalation, tied to
its recording by the ``token`` both URLs carry (``escalations.record_escalation``).

Storing is written at once, in the request's own transaction, so that a new escalation is
announced (``Runtime.escalation_stored``) once committed. When that write fails it is handed to
the service's write path (``service.operations.RecordEscalation``), which spools it while the
database is down and replays it later: the question is kept, though not announced from here.
Whatever fails, the agent goes on to the next caller and central hears a short apology.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from fastapi import BackgroundTasks, Request, Response
from starlette.concurrency import run_in_threadpool

from calls import latest_answered
from config import Helpdesk
from escalations import (
    NewEscalation,
    Priority,
    Recorded,
    RecordingReport,
    RecordingStatus,
    Source,
    record_escalation,
)
from ivr.agent_line import conversation_of, versioned_desk
from ivr.agent_twiml import render_agent_line
from ivr.endpoints import TwilioRoutes, Webhook, twiml, webhook
from ivr.escalation_twiml import render_escalation_line
from ivr.params import RecordingStatusParams, RecordParams, TwilioParams, parse_params
from ivr.twiml import Renderer, escalation_line_unavailable
from ivr.webhooks import escalation_call_in
from routing import (
    Conversation,
    NextCaller,
    Recording,
    decide_question_recorded,
    decide_urgent_recorded,
    recorded,
)
from service.operations import RecordEscalation
from service.runtime import Runtime

log = logging.getLogger("ivr.escalations")
router = TwilioRoutes()

# The token our own URLs carry (``secrets.token_hex(16)``).
_TOKEN = re.compile(r"[0-9a-f]{32}")
# The contact centre's number our own URLs carry: E.164.
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
# What a recording status callback reports; ``in-progress`` (not asked for) changes nothing.
_REPORTED = {
    "completed": RecordingStatus.COMPLETED,
    "absent": RecordingStatus.ABSENT,
    "failed": RecordingStatus.FAILED,
}
# Who left a question, and its priority: the contact centre's questions are urgent (1.2.3.3).
_PRIORITY = {Source.AGENT: Priority.NORMAL, Source.CENTRAL: Priority.URGENT}


@dataclass(frozen=True)
class _Question:
    """What our own URLs say of a recorded question: the escalation to store, and for an agent's
    question without the citizen's call, since when the queue's record names it."""

    new: NewEscalation
    answered_since: datetime | None = None


@router.post("/agent/escalation")
async def agent_recorded(request: Request) -> Response:
    """``<Record>`` action of the agent line (also its ``<Redirect>`` after an empty recording)."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    code = call.param("code")
    params = parse_params(RecordParams, form.first())
    renderer, desk = versioned_desk(call, params.to)
    if desk is None:
        return twiml(renderer.hang_up())
    conversation = conversation_of(call)
    recording = Recording(sid=params.sid, duration=params.recording_duration)
    background = BackgroundTasks()
    said = recorded(recording)
    if said:
        extra = {"helpdesk": desk.id, "agent": code}
        try:
            question = _agent_question(call, desk, code, conversation, params.call_sid)
            await _store(rt, question, _pending(recording), background)
        except Exception:
            log.exception("escalated question not stored; on to the next caller", extra=extra)
            return twiml(render_agent_line(renderer, desk, NextCaller(code=code)))
        log.info("question escalated by an agent", extra=extra)
    decision = decide_question_recorded(desk, code, said, conversation)
    return twiml(render_agent_line(renderer, desk, decision), background)


@router.post("/escalation")
async def escalation_call(request: Request) -> Response:
    """An escalation number's Voice URL: the central contact centre calls in."""
    call = await webhook(request)
    params = parse_params(TwilioParams, call.form.first())
    renderer = call.rt.renderer  # one read: the version this call keeps
    desk = renderer.config.by_escalation_number(params.to)
    if desk is None:
        log.warning("a call to /twilio/escalation for no escalation number", extra={"to": params.to})
        return twiml(escalation_line_unavailable(renderer.config.voice))
    return twiml(escalation_call_in(renderer, desk, params))


@router.post("/escalation/recorded")
async def urgent_recorded(request: Request) -> Response:
    """``<Record>`` action of an escalation number (also its ``<Redirect>`` after an empty one)."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    params = parse_params(RecordParams, form.first())
    renderer = rt.renderer_for(call.param("v"))
    config = renderer.config
    desk = config.helpdesk(call.param("helpdesk")) or config.by_escalation_number(params.to)
    if desk is None:
        return twiml(escalation_line_unavailable(config.voice))
    recording = Recording(sid=params.sid, duration=params.recording_duration)
    decision = decide_urgent_recorded(desk.id, recording)
    background = BackgroundTasks()
    if decision.saved:
        try:
            question = _central_question(call, desk, params.call_sid)
            await _store(rt, question, _pending(recording), background)
        except Exception:
            log.exception("urgent question not stored", extra={"helpdesk": desk.id})
            return twiml(escalation_line_unavailable(config.voice_for(desk)))
        log.info("urgent question from central stored", extra={"helpdesk": desk.id})
    return twiml(render_escalation_line(renderer, desk, decision), background)


@router.post("/recording-status")
async def recording_status(request: Request) -> Response:
    """Recording status callback of an escalated question (an agent's or central's)."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    background = BackgroundTasks()
    params = parse_params(RecordingStatusParams, form.first())
    status = _REPORTED.get(params.recording_status)
    config = rt.renderer_for(call.param("v")).config
    desk = config.helpdesk(call.param("helpdesk"))
    source = call.param("source")
    extra = {"helpdesk": call.param("helpdesk"), "status": params.recording_status, "code": params.error_code}
    if status is None or desk is None or source not in (Source.AGENT, Source.CENTRAL):
        log.info("recording status not for a question, or not one to keep", extra=extra)
        return twiml(rt.renderer.empty())
    report = RecordingReport(sid=params.sid, status=status, duration_s=params.recording_duration)
    try:
        if source == Source.AGENT:
            code = call.param("code")
            question = _agent_question(call, desk, code, conversation_of(call), params.call_sid)
        else:
            question = _central_question(call, desk, params.call_sid)
        await _store(rt, question, report, background)
    except Exception:
        log.exception("recording status not stored", extra=extra)
    if status is not RecordingStatus.COMPLETED:
        log.warning("an escalated question was not recorded", extra=extra)
    return twiml(rt.renderer.empty(), background)


def _agent_question(
    call: Webhook, desk: Helpdesk, code: str, conversation: Conversation | None, call_sid: str
) -> _Question:
    """An agent's question about ``conversation``; ``call_sid``: the agent's own call."""
    citizen = conversation.caller_sid if conversation is not None else ""
    dialled = conversation.dialled if conversation is not None and not citizen else None
    new = NewEscalation(
        token=_token(call),
        helpdesk_id=desk.id,
        priority=_PRIORITY[Source.AGENT],
        source=Source.AGENT,
        agent=code or None,
        call_sid=citizen or None,
        recording_call_sid=call_sid,
    )
    since = None if dialled is None else datetime.fromtimestamp(dialled, UTC)
    return _Question(new=new, answered_since=since)


def _central_question(call: Webhook, desk: Helpdesk, call_sid: str) -> _Question:
    """The contact centre's urgent question; its number (in our URL) is the one to call back."""
    caller = call.param("caller")
    return _Question(
        NewEscalation(
            token=_token(call),
            helpdesk_id=desk.id,
            priority=_PRIORITY[Source.CENTRAL],
            source=Source.CENTRAL,
            agent=None,
            call_sid=None,
            recording_call_sid=call_sid,
            contact_number=caller if _E164.fullmatch(caller) else None,
        )
    )


def _pending(recording: Recording) -> RecordingReport:
    """What a ``<Record>`` action reports: the recording is still processed at Twilio."""
    return RecordingReport(sid=recording.sid, status=RecordingStatus.PENDING, duration_s=recording.duration)


def _token(call: Webhook) -> str:
    token = call.param("token")
    if not _TOKEN.fullmatch(token):
        raise ValueError("the recording's URL carries no token")
    return token


async def _store(
    rt: Runtime[Renderer], question: _Question, report: RecordingReport, background: BackgroundTasks
) -> None:
    """Store ``report`` of ``question`` now; a new escalation is announced once committed. When
    the database fails the write goes to the service's write path (spooled while it is down)."""
    now = rt.clock()
    try:
        stored = await run_in_threadpool(_write, rt, question, report, now)
    except Exception:
        log.warning("escalated question handed to the write path: the database failed", exc_info=True)
        operation = RecordEscalation(new=question.new, report=report, now=now)
        await run_in_threadpool(rt.write, [operation])
        return
    if stored.created and stored.escalation_id is not None:
        background.add_task(rt.escalation_stored, stored.escalation_id)


def _write(rt: Runtime[Renderer], question: _Question, report: RecordingReport, now: datetime) -> Recorded:
    """In one transaction: the citizen's call from the queue's record when Twilio did not name it,
    and the escalation stored or updated."""
    new = question.new
    if question.answered_since is not None and new.agent is not None:
        rt.flush()  # the <Queue url> request's write, if it is still on its way
    with rt.session() as session:
        if question.answered_since is not None and new.agent is not None:
            found = latest_answered(session, new.helpdesk_id, new.agent, question.answered_since)
            new = replace(new, call_sid=found)
        return record_escalation(session, new, report, now)
