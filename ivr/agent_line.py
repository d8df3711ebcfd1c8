"""The agent line: agents (often at home, with just a phone) log in with a code and PIN and
take callers one after another (playbook 1.2.1: "groepsnummer", agents working from home).

Flow: welcome → code → PIN (5 wrong PINs from one number lock it for 15 minutes) → logged in →
``<Dial><Queue>`` on the helpdesk's queue → after each conversation a short menu (pause key) →
the next caller. The agent's call ending (status callback) logs the agent out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from fastapi import BackgroundTasks, Request, Response
from starlette.concurrency import run_in_threadpool
from twilio.twiml.voice_response import Gather, VoiceResponse

from agents import (
    PresenceStatus,
    clear_failures,
    is_locked,
    presence,
    record_failure,
    set_presence,
    verify_login,
)
from calls import answered_since
from config import Helpdesk
from ivr.params import DialResultParams, TwilioParams, WaitParams, parse_params
from ivr.twiml import Renderer, prompt_for
from ivr.webhooks import TwilioRoutes, call_log, log_events, webhook
from messages import Audio, MessageKey, Speech
from service.operations import MarkAnswered
from service.runtime import Runtime

log = logging.getLogger("ivr.agents")
router = TwilioRoutes(prefix="/agent")
CODE_DIGITS = 8
PIN_DIGITS = 8
ENTRY_TIMEOUT = 10
BREAK_POLL_SECONDS = 60
# A dial that fails (a queue that does not exist posts its error to the action at once) is tried
# again after this pause, not in a tight loop.
BACK_OFF_SECONDS = 30
# A dial that ends without a conversation this soon did not wait for a caller: it failed.
FAILED_DIAL_SECONDS = 5


def _xml(response: VoiceResponse) -> Response:
    return Response(content=str(response), media_type="text/xml")


def _say(rt: Runtime[Renderer], verb: VoiceResponse | Gather, desk: Helpdesk, key: MessageKey) -> None:
    prompt = prompt_for(rt.config, desk, key)
    if isinstance(prompt, Speech):
        verb.say(prompt.text, language=prompt.language, voice=prompt.voice)
    elif isinstance(prompt, Audio):
        verb.play(rt.renderer.media_url(prompt.url))


def _desk(rt: Runtime[Renderer], helpdesk: str, to: str) -> Helpdesk | None:
    return rt.config.helpdesk(helpdesk) or rt.config.by_agent_number(to)


def _goodbye() -> Response:
    response = VoiceResponse()
    response.hangup()
    return _xml(response)


def _ask_code(rt: Runtime[Renderer], desk: Helpdesk, *, welcome: bool) -> Response:
    response = VoiceResponse()
    if welcome:
        _say(rt, response, desk, "agent_welcome")
    gather = response.gather(
        num_digits=CODE_DIGITS,
        finish_on_key="#",
        timeout=ENTRY_TIMEOUT,
        action=rt.renderer.url("/twilio/agent/code", helpdesk=desk.id),
        method="POST",
    )
    _say(rt, gather, desk, "agent_code_prompt")
    response.hangup()
    return _xml(response)


@router.post("")
async def agent_call(request: Request) -> Response:
    """Agent line: an agent calls in."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    params = parse_params(TwilioParams, form.first())
    desk = rt.config.by_agent_number(params.to)
    if desk is None:
        return _goodbye()
    now = rt.clock()
    locked = await run_in_threadpool(_locked, rt, params.from_, now)
    if locked:
        return _locked_out(rt, desk)
    return _ask_code(rt, desk, welcome=True)


def _locked(rt: Runtime[Renderer], caller: str, now: datetime) -> bool:
    with rt.session() as session:
        return is_locked(session, caller, now) is not None


def _locked_out(rt: Runtime[Renderer], desk: Helpdesk) -> Response:
    response = VoiceResponse()
    _say(rt, response, desk, "agent_locked")
    response.hangup()
    return _xml(response)


@router.post("/start")
async def start(request: Request) -> Response:
    """Agent line: ask the code again."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    helpdesk = call.param("helpdesk")
    params = parse_params(TwilioParams, form.first())
    desk = _desk(rt, helpdesk, params.to)
    return _goodbye() if desk is None else _ask_code(rt, desk, welcome=False)


@router.post("/code")
async def code(request: Request) -> Response:
    """Agent line: the code was entered."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    helpdesk = call.param("helpdesk")
    params = parse_params(TwilioParams, form.first())
    desk = _desk(rt, helpdesk, params.to)
    digits = form.first().get("Digits", "")
    if desk is None:
        return _goodbye()
    if not (digits.isascii() and digits.isdigit()):
        return _ask_code(rt, desk, welcome=False)
    response = VoiceResponse()
    gather = response.gather(
        num_digits=PIN_DIGITS,
        finish_on_key="#",
        timeout=ENTRY_TIMEOUT,
        action=rt.renderer.url("/twilio/agent/pin", helpdesk=desk.id, code=digits[:CODE_DIGITS]),
        method="POST",
    )
    _say(rt, gather, desk, "agent_pin_prompt")
    response.hangup()
    return _xml(response)


@router.post("/pin")
async def pin(request: Request) -> Response:
    """Agent line: the PIN was entered."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    helpdesk = call.param("helpdesk")
    code = call.param("code")
    params = parse_params(TwilioParams, form.first())
    desk = _desk(rt, helpdesk, params.to)
    if desk is None:
        return _goodbye()
    entered = form.first().get("Digits", "")
    now = rt.clock()

    def check() -> str:
        with rt.session() as session:
            if is_locked(session, params.from_, now) is not None:
                return "locked"
            agent = (
                verify_login(session, desk.id, code, entered)
                if entered.isascii() and entered.isdigit()
                else None
            )
            if agent is None:
                return "locked" if record_failure(session, params.from_, now) is not None else "wrong"
            clear_failures(session, params.from_)
            set_presence(session, desk.id, code, PresenceStatus.AVAILABLE, now, call_sid=params.call_sid)
            return "ok"

    outcome = await run_in_threadpool(check)
    if outcome == "ok":
        rt.lines.forget(desk.id)  # one agent more from now on
    if outcome == "locked":
        log.warning("agent line locked for a caller after repeated wrong PINs", extra={"helpdesk": desk.id})
        return _locked_out(rt, desk)
    response = VoiceResponse()
    if outcome == "wrong":
        _say(rt, response, desk, "agent_pin_wrong")
        response.redirect(rt.renderer.url("/twilio/agent/start", helpdesk=desk.id), method="POST")
        return _xml(response)
    log.info("agent logged in", extra={"helpdesk": desk.id, "agent": code})
    _say(rt, response, desk, "agent_logged_in")
    response.redirect(rt.renderer.url("/twilio/agent/next", helpdesk=desk.id, code=code), method="POST")
    return _xml(response)


def _status(rt: Runtime[Renderer], desk: Helpdesk, code: str, call_sid: str) -> PresenceStatus:
    """This call's presence: OFFLINE when the agent logged in again elsewhere or was removed."""
    with rt.session() as session:
        current = next((row for row in presence(session, desk.id) if row.agent == code), None)
    if current is None or current.call_sid != call_sid:
        return PresenceStatus.OFFLINE
    return current.status


@router.post("/next")
async def next_caller(request: Request) -> Response:
    """Agent line: wait for the next caller."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    helpdesk = call.param("helpdesk")
    code = call.param("code")
    params = parse_params(TwilioParams, form.first())
    desk = _desk(rt, helpdesk, params.to)
    if desk is None:
        return _goodbye()
    try:
        status = await run_in_threadpool(_status, rt, desk, code, params.call_sid)
    except Exception:
        # Without the database the agent keeps taking callers: Twilio's queue still works.
        log.warning("presence unavailable; the agent keeps taking callers", extra={"helpdesk": desk.id})
        status = PresenceStatus.AVAILABLE
    if status is PresenceStatus.OFFLINE:
        return _goodbye()
    if status is PresenceStatus.BREAK:
        return _on_break(rt, desk, code, announce=False)
    response = VoiceResponse()
    # hangupOnStar: during a conversation * hangs up on the caller and the agent's call goes on to
    # the action (the menu). While no caller is connected Twilio does not document what * does;
    # the timeout (at most 55 s, plus Twilio's 5) brings the menu back within a minute anyway.
    dialled = str(int(rt.clock().timestamp()))
    dial = response.dial(
        action=rt.renderer.url("/twilio/agent/after", helpdesk=desk.id, code=code, dialled=dialled),
        method="POST",
        timeout=desk.agent_line.wait_for_caller,
        hangup_on_star=True,
    )
    dial.queue(
        desk.id, url=rt.renderer.url("/twilio/agent/connect", helpdesk=desk.id, code=code), method="POST"
    )
    return _xml(response)


@router.post("/connect")
async def connect(request: Request) -> Response:
    """Queue url: a caller is about to be connected to an agent."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    helpdesk = call.param("helpdesk")
    code = call.param("code")
    params = parse_params(WaitParams, form.first())
    now = rt.clock()
    desk = _desk(rt, helpdesk, params.to)

    answered = MarkAnswered(call_sid=params.call_sid, agent=code, queue_time=params.queue_time, now=now)
    connected = ("connected", {"agent": code, "wait_s": params.queue_time})
    events = log_events(params.call_sid, desk, now, [connected]) if desk is not None else []
    try:
        await rt.hand_in([answered, *events])
    except Exception:
        log.exception("answer not recorded", extra={"helpdesk": helpdesk})
    return _xml(VoiceResponse())


@router.post("/after")
async def after(request: Request) -> Response:
    """Dial action: the conversation ended or no caller came."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    helpdesk = call.param("helpdesk")
    code = call.param("code")
    dialled = call.param("dialled")
    params = parse_params(DialResultParams, form.first())
    desk = _desk(rt, helpdesk, params.to)
    if desk is None:
        return _goodbye()
    if _dial_failed(params.dial_call_status, form.first().get("DialCallSid", ""), dialled, rt.clock()):
        log.warning(
            "the agent's queue could not be dialled; trying again in %d s",
            BACK_OFF_SECONDS,
            extra={"helpdesk": desk.id, "agent": code, "status": params.dial_call_status},
        )
        return _back_off(rt, desk, code)
    talked = await _talked(rt, desk, code, form.first(), params.dial_call_status, dialled)
    # DialCallSid and DialCallDuration are used only when they come. The call log has the talk
    # time anyway: from the <Queue url> request (connect) to the caller's bridged <Enqueue action>.
    caller_sid = form.first().get("DialCallSid", "")
    if talked and caller_sid and params.dial_call_duration is not None:
        talk = ("talk_ended", {"agent": code, "talk_s": params.dial_call_duration})
        await call_log(rt, caller_sid, desk, rt.clock(), talk)
    prompt: MessageKey = "agent_next_caller" if talked else "agent_no_caller"
    return _menu_then_next(rt, desk, code, desk.agent_line.wrap_up, prompt)


async def _talked(
    rt: Runtime[Renderer], desk: Helpdesk, code: str, form: Mapping[str, str], status: str, dialled: str
) -> bool:
    """Whether the queue dial that just ended put a caller through to the agent.

    ``DialBridged`` says so when it comes (Twilio does not document it after a queue dial).
    Otherwise only a ``completed`` dial can have, but a ``*`` on the empty queue may end the dial
    ``completed`` too: the queue's record says whether this agent took a caller (the ``<Queue
    url>`` request) since the dial began. Without that record, ``completed`` counts.
    """
    bridged = form.get("DialBridged", "").lower()
    if bridged in ("true", "false"):
        return bridged == "true"
    if status != "completed":
        return False
    since = _dial_start(dialled)
    if since is None:
        return True

    def read() -> bool:
        rt.flush()  # the <Queue url> request's write, if it is still on its way
        with rt.session() as session:
            return answered_since(session, desk.id, code, since)

    try:
        return await run_in_threadpool(read)
    except Exception:
        log.warning("the queue's record is unavailable; the dial counts as a conversation")
        return True


def _dial_start(dialled: str) -> datetime | None:
    """The moment of the dial, from the ``dialled`` query parameter (whole seconds since the epoch)."""
    if not (dialled.isascii() and dialled.isdigit() and len(dialled) <= 12):
        return None
    return datetime.fromtimestamp(int(dialled), UTC)


def _dial_failed(status: str, caller_sid: str, dialled: str, now: datetime) -> bool:
    """Whether the agent's ``<Dial><Queue>`` failed rather than ended a conversation or a wait.

    Twilio posts an error to the action at once for a queue that does not exist; which
    ``DialCallStatus`` it sends is not documented. So: ``failed``, or any status but ``completed``
    that comes back within a few seconds of the dial without a caller having been taken.
    """
    if status == "failed":
        return True
    if status in ("", "completed") or caller_sid:
        return False
    try:
        started = float(dialled)
    except ValueError:
        return False
    return 0 <= now.timestamp() - started < FAILED_DIAL_SECONDS


def _back_off(rt: Runtime[Renderer], desk: Helpdesk, code: str) -> Response:
    """Tell the agent the queue cannot be reached; the menu keys work while the next try waits."""
    return _menu_then_next(rt, desk, code, BACK_OFF_SECONDS, "agent_queue_unavailable")


def _on_break(rt: Runtime[Renderer], desk: Helpdesk, code: str, *, announce: bool) -> Response:
    return _menu_then_next(rt, desk, code, BREAK_POLL_SECONDS, "agent_on_break" if announce else None)


def _menu_then_next(
    rt: Runtime[Renderer], desk: Helpdesk, code: str, timeout: int, prompt: MessageKey | None
) -> Response:
    """The menu keys for ``timeout`` seconds (after ``prompt``), then the next caller."""
    response = VoiceResponse()
    gather = response.gather(
        num_digits=1,
        timeout=timeout,
        action=rt.renderer.url("/twilio/agent/menu", helpdesk=desk.id, code=code),
        method="POST",
    )
    if prompt is not None:
        _say(rt, gather, desk, prompt)
    response.redirect(rt.renderer.url("/twilio/agent/next", helpdesk=desk.id, code=code), method="POST")
    return _xml(response)


@router.post("/menu")
async def menu(request: Request) -> Response:
    """Agent line: a key was pressed between callers."""
    call = await webhook(request)
    rt, form = call.rt, call.form
    background = BackgroundTasks()
    helpdesk = call.param("helpdesk")
    code = call.param("code")
    params = parse_params(TwilioParams, form.first())
    desk = _desk(rt, helpdesk, params.to)
    if desk is None:
        return _goodbye()
    key = form.first().get("Digits", "")[:1]
    now = rt.clock()
    current = await run_in_threadpool(_status, rt, desk, code, params.call_sid)
    if current is PresenceStatus.OFFLINE:
        return _goodbye()
    wanted = {
        desk.agent_line.break_key: PresenceStatus.BREAK,
        desk.agent_line.resume_key: PresenceStatus.AVAILABLE,
    }
    status = wanted.get(key, current)
    if status is not current:

        def change() -> None:
            with rt.session() as session:
                set_presence(session, desk.id, code, status, now, call_sid=params.call_sid)

        await run_in_threadpool(change)
        rt.lines.forget(desk.id)
        log.info("agent presence changed", extra={"helpdesk": desk.id, "agent": code, "status": status.value})
        if status is PresenceStatus.BREAK:
            background.add_task(rt.presence_changed, desk.id)
    if status is PresenceStatus.BREAK:
        answer = _on_break(rt, desk, code, announce=True)
    else:
        response = VoiceResponse()
        response.redirect(rt.renderer.url("/twilio/agent/next", helpdesk=desk.id, code=code), method="POST")
        answer = _xml(response)
    answer.background = background
    return answer
