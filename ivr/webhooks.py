"""Twilio webhooks: verify → parse → load state → decide → record → render.

Every handler answers valid TwiML, whatever fails (PRODUCT.md: never Twilio's "application
error"); the only other answer is 403 for a bad signature.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from calls import enter_queue, leave_queue, line_state
from config import Helpdesk
from ivr.params import (
    DialResultParams,
    QueueExitParams,
    StatusParams,
    TwilioParams,
    WaitParams,
    parse_params,
)
from ivr.runtime import Runtime, runtime
from ivr.signature import BodyTooLargeError, FormParams, is_valid, read_form, signed_url
from ivr.twiml import XML_TYPE
from routing import (
    EnqueueCaller,
    LineState,
    decide_after_central,
    decide_after_queue,
    decide_arrival,
    decide_wait,
    fail_safe,
)

log = logging.getLogger("ivr.webhooks")
router = APIRouter(prefix="/twilio", tags=["twilio"])
FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


async def verified_form(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> FormParams:
    """The posted form, once its ``X-Twilio-Signature`` is proven; 403 otherwise."""
    try:
        form = await read_form(request)
    except BodyTooLargeError:
        raise HTTPException(status_code=413, detail="request body too large") from None
    url = signed_url(rt.settings.public_base_url, request)
    if not is_valid(rt.validator, url, form, request.headers.get("X-Twilio-Signature")):
        raise HTTPException(status_code=403, detail="invalid Twilio signature")
    return form


Form = Annotated[FormParams, Depends(verified_form)]
Rt = Annotated[Runtime, Depends(runtime)]


def twiml(body: str) -> Response:
    return Response(content=body, media_type=XML_TYPE)


def _line(rt: Runtime, desk: Helpdesk) -> LineState:
    with rt.session() as session:
        agents, waiting = line_state(session, desk.id)
    return LineState(agents_logged_in=agents, callers_waiting=waiting)


@router.post("/voice", summary="Citizen line: a call arrives")
async def voice(rt: Rt, form: Form) -> Response:
    params = parse_params(TwilioParams, form.first())
    now = rt.clock()
    desk = rt.config.by_number(params.to)
    if desk is None:
        log.warning("call to a number no helpdesk has", extra={"to": params.to})
        return twiml(rt.renderer.unknown_number(fail_safe(rt.config, None, now), params.from_))

    def decide() -> str:
        try:
            decision = decide_arrival(rt.config, desk, now, _line(rt, desk))
            if isinstance(decision, EnqueueCaller):
                with rt.session() as session:
                    enter_queue(session, params.call_sid, desk.id, now)
        except Exception:
            log.exception("arrival failed; fail-safe routing", extra={"helpdesk": desk.id})
            decision = fail_safe(rt.config, desk, now)
        return rt.renderer.arrival(desk, decision, params.from_)

    return twiml(await run_in_threadpool(decide))


@router.post("/wait", summary="Queue waitUrl: what a waiting caller hears next")
async def wait(rt: Rt, form: Form, helpdesk: str = "") -> Response:
    params = parse_params(WaitParams, form.first())
    now = rt.clock()
    desk = rt.config.helpdesk(helpdesk) or rt.config.by_number(params.to)
    if desk is None:
        return twiml(rt.renderer.leave())
    queue_time = params.queue_time if params.queue_time is not None and params.queue_time >= 0 else 0

    def decide() -> str:
        try:
            line = _line(rt, desk)
        except Exception:
            # Twilio's queue keeps working without our database: keep the caller waiting (the
            # overflow timing depends on QueueTime only) rather than dropping a place in line.
            log.exception("line state unavailable while waiting", extra={"helpdesk": desk.id})
            line = LineState(agents_logged_in=1, callers_waiting=0)
        try:
            return rt.renderer.wait(desk, decide_wait(rt.config, desk, now, queue_time, line))
        except Exception:
            log.exception("wait decision failed; leaving the queue", extra={"helpdesk": desk.id})
            return rt.renderer.leave()

    return twiml(await run_in_threadpool(decide))


@router.post("/queue-exit", summary="Enqueue action: the caller left the queue")
async def queue_exit(rt: Rt, form: Form, helpdesk: str = "") -> Response:
    params = parse_params(QueueExitParams, form.first())
    now = rt.clock()
    desk = rt.config.helpdesk(helpdesk) or rt.config.by_number(params.to)
    if desk is None:
        return twiml(rt.renderer.unknown_number(fail_safe(rt.config, None, now), params.from_))

    def decide() -> str:
        try:
            with rt.session() as session:
                leave_queue(session, params.call_sid, now, params.queue_result or "unknown")
            line = _line(rt, desk)
            decision = decide_after_queue(rt.config, desk, now, params.queue_result, params.queue_time, line)
        except Exception:
            log.exception("queue exit failed; fail-safe routing", extra={"helpdesk": desk.id})
            decision = fail_safe(rt.config, desk, now)
        return rt.renderer.after_queue(desk, decision, params.from_)

    return twiml(await run_in_threadpool(decide))


@router.post("/central-result", summary="Dial action: result of the leg to the central back-up")
async def central_result(rt: Rt, form: Form, helpdesk: str = "", reason: str = "") -> Response:
    params = parse_params(DialResultParams, form.first())
    now = rt.clock()
    desk = rt.config.helpdesk(helpdesk) or rt.config.by_number(params.to)
    if desk is None:
        return twiml(rt.renderer.empty())
    decision = decide_after_central(rt.config, desk, now, params.dial_call_status)
    return twiml(rt.renderer.after_central(desk, decision))


@router.post("/status", summary="Status callback of any call")
async def status(rt: Rt, form: Form) -> Response:
    params = parse_params(StatusParams, form.first())
    if params.call_status in FINAL_STATUSES and params.call_sid:
        now = rt.clock()

        def record() -> None:
            with rt.session() as session:
                leave_queue(session, params.call_sid, now, params.call_status)

        try:
            await run_in_threadpool(record)
        except Exception:
            log.exception("status callback not recorded", extra={"call_sid": params.call_sid})
    return twiml(rt.renderer.empty())
