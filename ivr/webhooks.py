"""The citizen line's Twilio webhooks (and every call's status callback): verify → parse → load
state → decide → record → render; each starts from :func:`ivr.endpoints.webhook`.

Every handler answers valid TwiML, whatever fails (PRODUCT.md: never Twilio's "application
error"); the only other answer is 403 for a bad signature. The webhooks of a call in progress
carry ``v=<config version>`` and keep using that config after a reload while it is still kept.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime

from fastapi import BackgroundTasks, Request, Response
from starlette.concurrency import run_in_threadpool

from agents import end_agent_call
from calllog import FINAL_STATUSES, local_arrival, mask_number
from calls import leave_queue
from config import Helpdesk, HelpdeskConfig, Menu
from ivr.endpoints import CallLogEvent, TwilioRoutes, Webhook, call_log, log_events, twiml, webhook
from ivr.escalation_twiml import render_escalation_line
from ivr.params import (
    DialResultParams,
    MenuParams,
    QueueExitParams,
    StatusParams,
    TwilioParams,
    WaitParams,
    parse_params,
)
from ivr.twiml import Renderer
from outbound import release_claims
from routing import (
    ArrivalDecision,
    AskChoice,
    EnqueueCaller,
    ForwardToCentral,
    LineState,
    PlayBusy,
    PlayClosing,
    RecordUrgent,
    decide_after_central,
    decide_after_queue,
    decide_arrival,
    decide_choice,
    decide_escalation_call,
    decide_wait,
    fail_safe,
    returning_queue_name,
)
from service.operations import (
    Admission,
    Admitted,
    EndAgentCall,
    EnterQueue,
    LeaveQueue,
    Operation,
    RecordEvent,
    ReturningCheck,
    Seen,
)
from service.runtime import Runtime

log = logging.getLogger("ivr.webhooks")
router = TwilioRoutes()

# What happens after the queue depends on the QueueResult and the clock, and for a <Leave/> on
# whether agents are still logged in.
_NO_LINE = LineState(agents_logged_in=0, callers_waiting=0)
_AGENTS_UNKNOWN = LineState(agents_logged_in=1, callers_waiting=0)


def _outcome_event(decision: object) -> CallLogEvent | None:
    """The call-log event of a routing decision (PRODUCT.md "outcome recorded")."""
    match decision:
        case ForwardToCentral(reason=reason):
            return ("overflow", {"reason": reason})
        case PlayClosing():
            return ("closing_message", {})
        case PlayBusy():
            return ("busy_message", {})
        case EnqueueCaller():
            return ("entered_queue", {})
    return None


def _versioned(call: Webhook, to: str) -> tuple[Renderer, HelpdeskConfig, Helpdesk | None]:
    """The config a call started with (``v`` in its URLs), and its helpdesk (``helpdesk`` in its
    URLs, else the number called)."""
    renderer = call.rt.renderer_for(call.param("v"))
    config = renderer.config
    return renderer, config, config.helpdesk(call.param("helpdesk")) or config.by_number(to)


def _line(rt: Runtime[Renderer], desk: Helpdesk, recent: LineState | None = None) -> LineState:
    """The agents logged in and callers waiting: ``recent`` if given, else read (and remembered)."""
    if recent is not None:
        return recent
    return rt.line(desk.id)


async def _off_the_loop(work: Callable[[], str], reads: bool) -> str:
    """Runs ``work`` in the thread pool when it reads the database, else right here."""
    if reads:
        return await run_in_threadpool(work)
    return work()


@router.post("/voice")
async def voice(request: Request) -> Response:
    """Citizen line: a call arrives (at a helpdesk's number, or at a shared number's menu)."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    params = parse_params(TwilioParams, form.first())
    now = rt.clock()
    # One read: a reload during the request cannot mix two configs.
    renderer = rt.renderer
    config = renderer.config
    desk = config.by_number(params.to)
    if desk is None:
        escalating = config.by_escalation_number(params.to)
        if escalating is not None:  # its Voice URL set to /twilio/voice: not a citizen's call
            return twiml(escalation_call_in(renderer, escalating, params))
        menu = config.menu(params.to)
        if menu is not None:
            await call_log(rt, params.call_sid, menu, now, ("menu_offered", {}))
            return twiml(renderer.menu(menu, AskChoice(attempt=0)))
        log.warning("call to a number no helpdesk has", extra={"to": params.to})
        return twiml(renderer.unknown_number(fail_safe(config, None, now), params.from_, params.to))
    return twiml(await _arrive(rt, renderer, desk, params, now))


def escalation_call_in(renderer: Renderer, desk: Helpdesk, params: TwilioParams) -> str:
    """A call to an escalation number of ``desk`` (playbook 1.2.3.3): the central contact centre's
    question recorded, anyone else told the number is not in use. No call record: it is no
    citizen's call, and counts for no KPI."""
    callers = renderer.config.central.escalation_callers
    decision = decide_escalation_call(desk.id, callers, params.from_, secrets.token_hex(16))
    extra = {"helpdesk": desk.id, "caller": mask_number(params.from_) if params.from_ else ""}
    if isinstance(decision, RecordUrgent):
        log.info("urgent question from central: recording", extra=extra)
    else:
        log.warning("escalation number called by a number not allowed: not in use", extra=extra)
    return render_escalation_line(renderer, desk, decision)


async def _arrive(
    rt: Runtime[Renderer],
    renderer: Renderer,
    desk: Helpdesk,
    params: TwilioParams,
    now: datetime,
    written: tuple[Operation, ...] = (),
) -> str:
    """A caller arrives at ``desk``: dialled directly, or chosen in a shared number's menu.

    ``written`` goes into the same transaction as the arrival (the menu's choice).
    """
    config = renderer.config
    arrival = local_arrival(now, config.zone)
    offered = {
        "caller": params.from_,
        "hash_key": rt.caller_key,
        "arrival_date": arrival.date,
        "arrival_minute": arrival.minute,
        "open_on_arrival": config.schedule(desk).is_open(now),
    }

    # The same whatever the decision: made (and the caller's number hashed) once.
    offered_event = log_events(params.call_sid, desk, now, [("offered", offered)])
    # Read with the line state: whether the caller returns a call of ours they missed (playbook
    # 1.5.2), by the number's keyed hash; a withheld number never is.
    number_hash = _caller_hash(offered_event)
    returning = (
        ReturningCheck(number_hash=number_hash, now=now, window_hours=config.outbound.callback_window_hours)
        if number_hash is not None
        else None
    )

    def admitted(decision: ArrivalDecision, attempt: int | None = None) -> Admitted:
        entered: list[Operation] = []
        if isinstance(decision, EnqueueCaller):
            entered.append(
                EnterQueue(
                    call_sid=params.call_sid,
                    helpdesk_id=desk.id,
                    now=now,
                    returning_queue=decision.queue_name == returning_queue_name(desk.id),
                )
            )
        # The link to the missed call is logged whatever the decision (closed, full, ...).
        linked = ("returning_outbound", {"attempt_id": attempt}) if attempt is not None else None
        outcome = log_events(params.call_sid, desk, now, [linked, _outcome_event(decision)])
        return Admitted(decision, bool(entered), (*written, *entered, *offered_event, *outcome))

    # A closure set by ops comes first; it needs no line state, so it holds in the fail-safe too.
    closure = await rt.closure(desk.id)

    def decide(seen: Seen) -> Admitted:
        attempt = seen.returning_attempt
        decision = decide_arrival(config, desk, now, seen.line, closure, returning=attempt is not None)
        return admitted(decision, attempt)

    closed = closure is not None and closure.applies(now)
    # Without the database nobody is returning: the usual fail-safe.
    fallback = (
        decide_arrival(config, desk, now, _NO_LINE, closure) if closed else fail_safe(config, desk, now)
    )
    # Decided where it is written, with every earlier admission and presence change counted.
    result = await rt.admit(Admission(desk.id, decide, admitted(fallback), returning))
    return renderer.arrival(desk, result.decision, params.from_, params.to)


def _caller_hash(offered: Sequence[Operation]) -> str | None:
    """The caller's keyed number hash the ``offered`` event holds (``None``: withheld)."""
    for operation in offered:
        if isinstance(operation, RecordEvent) and operation.event.caller is not None:
            return operation.event.caller.hash
    return None


@router.post("/menu")
async def menu_choice(request: Request) -> Response:
    """Gather action of a shared number's menu: a key, words, or (the Redirect) no input."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    params = parse_params(MenuParams, form.first())
    now = rt.clock()
    renderer = rt.renderer_for(call.param("v"))
    config = renderer.config
    menu = config.menu(call.param("menu")) or config.menu(params.to)
    if menu is None:
        return twiml(renderer.unknown_number(fail_safe(config, None, now), params.from_, params.to))
    decision = decide_choice(menu, params.digits, params.speech_result, _attempt(call.param("attempt"), menu))
    if isinstance(decision, AskChoice):
        return twiml(renderer.menu(menu, decision))
    choice = decision.choice
    target = choice.helpdesk or choice.forward or ""
    chosen = ("menu_choice", {"key": choice.key, "how": decision.how, "target": target})
    written = log_events(params.call_sid, menu, now, [chosen])
    desk = config.helpdesk(choice.helpdesk) if choice.helpdesk is not None else None
    if desk is not None:
        # Exactly the arrival of a direct call to the helpdesk, the choice written with it.
        return twiml(await _arrive(rt, renderer, desk, params, now, tuple(written)))
    await rt.hand_in(written)
    return twiml(renderer.menu_forward(decision, params.from_, params.to))


def _attempt(text: str, menu: Menu) -> int:
    """The ``attempt`` our own URL carries; anything else counts as the last (the default next)."""
    if text.isascii() and text.isdigit() and len(text) <= 2:
        return min(int(text), menu.retries)
    return menu.retries


@router.post("/wait")
async def wait(request: Request) -> Response:
    """Queue waitUrl: what a waiting caller hears next."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    announced = call.param("announced")
    params = parse_params(WaitParams, form.first())
    now = rt.clock()
    renderer, config, desk = _versioned(call, params.to)
    if desk is None:
        return twiml(renderer.leave())
    # ``announced`` comes from our own <Redirect> (a boundary, or "none"); Twilio's own request has
    # none. Only a redirected request may come without QueueTime (Twilio's pages do not say).
    known = announced.isascii() and announced.isdigit() and len(announced) <= 7
    last_announced = int(announced) if known else None
    queue_time = params.queue_time if params.queue_time is not None and params.queue_time >= 0 else None
    if queue_time is None and not announced:
        queue_time = 0

    recent = rt.lines.recent(desk.id)
    closures = rt.closures.recent()
    # The estimated wait needs the helpdesk's recent answered calls (kept a minute, see
    # Runtime.wait_history); only helpdesks that say it read them.
    estimates = desk.queue.announce_wait
    history = rt.histories.recent(desk.id, now) if estimates else None

    def decide() -> str:
        closure = (closures if closures is not None else rt.read_closures()).get(desk.id)
        line: LineState | None = None
        try:
            line = _line(rt, desk, recent)
        except Exception:
            # Twilio's queue keeps working without our database: keep the caller waiting (the
            # overflow timing depends on QueueTime only) rather than dropping a place in line.
            log.exception("line state unavailable while waiting", extra={"helpdesk": desk.id})
        past = history
        if estimates and line is not None and past is None:
            try:
                past = rt.wait_history(desk.id, now)
            except Exception:
                log.exception("wait history unavailable; no estimate said", extra={"helpdesk": desk.id})
        try:
            decision = decide_wait(
                config,
                desk,
                now,
                queue_time,
                _AGENTS_UNKNOWN if line is None else line,
                last_announced,
                closure,
                position=params.queue_position,
                # An estimate on a guessed line would be a guess: only the place is said then.
                history=None if line is None else past,
            )
            return renderer.wait(desk, decision)
        except Exception:
            log.exception("wait decision failed; leaving the queue", extra={"helpdesk": desk.id})
            return renderer.leave()

    reads = recent is None or closures is None or (estimates and history is None)
    return twiml(await _off_the_loop(decide, reads=reads))


@router.post("/queue-exit")
async def queue_exit(request: Request) -> Response:
    """Enqueue action: the caller left the queue."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    params = parse_params(QueueExitParams, form.first())
    now = rt.clock()
    renderer, config, desk = _versioned(call, params.to)
    if desk is None:
        return twiml(renderer.unknown_number(fail_safe(config, None, now), params.from_, params.to))

    result = params.queue_result or "unknown"
    # Only a <Leave/> needs the line: it tells leaving for no agents from the long wait.
    line = await _exit_line(rt, desk) if result == "leave" else _NO_LINE
    closure = await rt.closure(desk.id)
    try:
        decision = decide_after_queue(config, desk, now, result, params.queue_time, line, closure)
    except Exception:
        log.exception("queue exit failed; fail-safe routing", extra={"helpdesk": desk.id})
        decision = fail_safe(config, desk, now)
    left = ("left_queue", {"result": result, "wait_s": params.queue_time})
    leave = LeaveQueue(call_sid=params.call_sid, now=now, result=result, helpdesk_id=desk.id)
    await rt.hand_in([leave, *log_events(params.call_sid, desk, now, [left, _outcome_event(decision)])])
    return twiml(renderer.after_queue(desk, decision, params.from_, params.to))


async def _exit_line(rt: Runtime[Renderer], desk: Helpdesk) -> LineState:
    """The line when a caller leaves the queue; without it, agents count as present (the reason
    then follows QueueTime alone)."""
    recent = rt.lines.recent(desk.id)
    if recent is not None:
        return recent
    try:
        return await run_in_threadpool(rt.line, desk.id)
    except Exception:
        log.exception("line state unavailable at queue exit", extra={"helpdesk": desk.id})
        return _AGENTS_UNKNOWN


@router.post("/forward")
async def forward(request: Request) -> Response:
    """Where a caller redirected out of the queue goes (REST redirect Url)."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    params = parse_params(TwilioParams, form.first())
    now = rt.clock()
    renderer, config, desk = _versioned(call, params.to)
    if desk is None:
        return twiml(renderer.unknown_number(fail_safe(config, None, now), params.from_, params.to))
    # The same decision as the Enqueue action's QueueResult=redirected: which of the two
    # documents Twilio follows after a REST redirect is not documented, so both agree.
    decision = decide_after_queue(config, desk, now, "redirected", None, _NO_LINE, await rt.closure(desk.id))
    await call_log(rt, params.call_sid, desk, now, _outcome_event(decision))
    return twiml(renderer.after_queue(desk, decision, params.from_, params.to))


@router.post("/central-result")
async def central_result(request: Request) -> Response:
    """Dial action: result of the leg to the central back-up."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    params = parse_params(DialResultParams, form.first())
    now = rt.clock()
    renderer, config, desk = _versioned(call, params.to)
    if desk is None:
        return twiml(renderer.empty())
    closure = await rt.closure(desk.id)
    decision = decide_after_central(config, desk, now, params.dial_call_status, closure)
    central = ("central_result", {"status": params.dial_call_status, "duration_s": params.dial_call_duration})
    await call_log(rt, params.call_sid, desk, now, central, _outcome_event(decision))
    return twiml(renderer.after_central(desk, decision))


@router.post("/status")
async def status(request: Request) -> Response:
    """Status callback of any call (citizen or agent)."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    background = BackgroundTasks()
    params = parse_params(StatusParams, form.first())
    # Agent calls are not in the call log: their To is an agent number, not a citizen line.
    citizen_desk = rt.config.by_number(params.to)
    if citizen_desk is None and rt.config.by_escalation_number(params.to) is not None:
        # A call to an escalation number (central's urgent question): no citizen's call, no agent.
        pass
    elif citizen_desk is not None and params.call_sid and params.call_status:
        now = rt.clock()
        # A number's plain status callback may come without SequenceNumber (twilio-semantics §13):
        # it is logged all the same, and the call log tells its retries apart by CallStatus.
        reported = {
            "status": params.call_status,
            "sequence": params.sequence_number,
            "duration_s": params.call_duration,
            "timestamp": params.timestamp or None,
        }
        written = log_events(params.call_sid, citizen_desk, now, [("status", reported)])
        if params.call_status in FINAL_STATUSES:
            # A citizen's call: it leaves the queue if it was still in it (no agent had this call).
            written.append(
                LeaveQueue(
                    call_sid=params.call_sid, now=now, result=params.call_status, helpdesk_id=citizen_desk.id
                )
            )
        await rt.hand_in(written)
    elif citizen_desk is None and params.call_sid and (menu := rt.config.menu(params.to)) is not None:
        # A call to a shared number: its status belongs to the call log whatever was chosen.
        now = rt.clock()
        written = log_events(
            params.call_sid, menu, now, [_status_event(params)] if params.call_status else []
        )
        if params.call_status in FINAL_STATUSES:
            written.append(LeaveQueue(call_sid=params.call_sid, now=now, result=params.call_status))
        await rt.hand_in(written)
    elif citizen_desk is None and params.call_status in FINAL_STATUSES and params.call_sid:
        now = rt.clock()

        def record() -> list[str]:
            with rt.session() as session:
                leave_queue(session, params.call_sid, now, params.call_status)
                logged_out = end_agent_call(session, params.call_sid, now)
                # The people the agent was calling without an outcome are called again later.
                release_claims(session, params.call_sid, now)
            return sorted({key.helpdesk_id for key in logged_out})

        try:
            helpdesks = await run_in_threadpool(record)
        except Exception:
            log.warning("status callback spooled: the database failed", extra={"call_sid": params.call_sid})
            ended: list[Operation] = [
                LeaveQueue(call_sid=params.call_sid, now=now, result=params.call_status),
                EndAgentCall(call_sid=params.call_sid, now=now),
            ]
            await run_in_threadpool(rt.write, ended)
        else:
            for helpdesk_id in helpdesks:
                log.info("agent logged out: the call ended", extra={"helpdesk": helpdesk_id})
                background.add_task(rt.presence_changed, helpdesk_id)
    return twiml(rt.renderer.empty(), background)


def _status_event(params: StatusParams) -> CallLogEvent:
    return (
        "status",
        {
            "status": params.call_status,
            "sequence": params.sequence_number,
            "duration_s": params.call_duration,
            "timestamp": params.timestamp or None,
        },
    )
