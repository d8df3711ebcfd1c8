"""The agent line's TwiML: its decisions (``routing.agent_line``, ``routing.agent_outbound``)
into documents, one ``match`` ending in ``assert_never`` (house style 3 and 5).

Rendered with the citizen line's :class:`~ivr.twiml.Renderer` of the config the call keeps: its
URLs on ``PUBLIC_BASE_URL`` carry that config's version (``v=``), its prompts the helpdesk's
overrides and voice. The question an agent escalates is recorded as :mod:`ivr.escalation_twiml`
records central's urgent one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import assert_never

from twilio.twiml.voice_response import VoiceResponse

from config import Helpdesk
from ivr.escalation_twiml import record_question
from ivr.twiml import Renderer, end_call, message_context
from messages import MessageKey, Prompt, render
from routing import (
    OUTCOME_SECONDS,
    AgentLineDecision,
    AskCode,
    AskOutcome,
    AskPin,
    CallEnded,
    CallNextPerson,
    CallOutcome,
    Conversation,
    DialPerson,
    DialQueue,
    HangUp,
    LockedOut,
    LoggedIn,
    NextCaller,
    NobodyToCall,
    OnBreak,
    PutThrough,
    QuestionRecorded,
    QueueUnreachable,
    RecordQuestion,
    RefuseMachine,
    ScreenDecision,
    WrapUp,
    WrongPin,
)
from routing.agent_line import CODE_DIGITS, PIN_DIGITS

# Seconds the agent line waits for the first key of a code or PIN.
ENTRY_TIMEOUT = 10

CITIZEN_LATEST = "latest"
"""``citizen=latest`` in our URLs: Twilio did not name the citizen's call (``DialCallSid``), so
the queue's record gives the latest call the agent answered since ``dialled``."""

# What the agent hears once a call to a person has its outcome (playbook 1.5.2).
_ENDED: dict[CallOutcome, MessageKey] = {
    "accepted": "agent_outbound_recorded",
    "kept": "agent_outbound_recorded",
    "do_not_call": "agent_outbound_recorded",
    "wrong_number": "agent_outbound_recorded",
    "no_answer": "agent_outbound_no_answer",
    "busy": "agent_outbound_busy",
    "failed": "agent_outbound_failed",
    "voicemail": "agent_outbound_voicemail",
}


def render_agent_line(renderer: Renderer, desk: Helpdesk, decision: AgentLineDecision) -> str:
    """One document of the agent line; its URLs carry this config's version (``v=``)."""
    response = VoiceResponse()
    match decision:
        case HangUp():
            end_call(response)
        case AskCode(welcome=welcome):
            if welcome:
                renderer.speak(response, renderer.prompt(desk, "agent_welcome"))
            _entry(
                renderer,
                response,
                desk,
                "agent_code_prompt",
                CODE_DIGITS,
                _agent_url(renderer, "/code", desk),
            )
        case AskPin(code=code):
            action = _agent_url(renderer, "/pin", desk, code=code)
            _entry(renderer, response, desk, "agent_pin_prompt", PIN_DIGITS, action)
        case LockedOut():
            end_call(response, renderer.playable(renderer.prompt(desk, "agent_locked")))
        case WrongPin():
            renderer.speak(response, renderer.prompt(desk, "agent_pin_wrong"))
            response.redirect(_agent_url(renderer, "/start", desk), method="POST")
        case LoggedIn(code=code):
            renderer.speak(response, renderer.prompt(desk, "agent_logged_in"))
            response.redirect(_agent_url(renderer, "/next", desk, code=code), method="POST")
        case DialQueue():
            _dial_queue(renderer, response, desk, decision)
        case WrapUp(code=code, talked=talked, seconds=seconds, conversation=conversation):
            ended: MessageKey = "agent_next_caller" if talked else "agent_no_caller"
            _menu(renderer, response, desk, code, seconds, renderer.prompt(desk, ended), after=conversation)
        case QueueUnreachable(code=code, seconds=seconds):
            _menu(renderer, response, desk, code, seconds, renderer.prompt(desk, "agent_queue_unavailable"))
        case OnBreak(code=code, seconds=seconds, announce=announce):
            on_break = renderer.prompt(desk, "agent_on_break") if announce else None
            _menu(renderer, response, desk, code, seconds, on_break)
        case NextCaller(code=code, tried_returning=tried):
            told = {"tried": "returning"} if tried else {}
            response.redirect(_agent_url(renderer, "/next", desk, code=code, **told), method="POST")
        case CallNextPerson(code=code):
            response.redirect(_outbound_url(renderer, "/next", desk, code=code), method="POST")
        case DialPerson():
            _dial_person(renderer, response, desk, decision)
        case NobodyToCall(code=code):
            renderer.speak(response, renderer.prompt(desk, "agent_outbound_nobody"))
            response.redirect(_agent_url(renderer, "/next", desk, code=code), method="POST")
        case AskOutcome(code=code, attempt=attempt):
            # Without a key Twilio goes on after the <Gather>: the <Redirect> asks again.
            action = _outbound_url(renderer, "/outcome", desk, code=code, attempt=str(attempt))
            gather = response.gather(num_digits=1, timeout=OUTCOME_SECONDS, action=action, method="POST")
            renderer.speak(gather, renderer.prompt(desk, "agent_outbound_outcome"))
            response.redirect(action, method="POST")
        case CallEnded(code=code, outcome=outcome, seconds=seconds):
            voice = renderer.config.voice_for(desk)
            context = replace(message_context(renderer.config, desk), outcome=outcome)
            key = _ENDED[outcome]
            said = render(key, context, desk.messages.get(key), voice.language, voice.voice)
            then = _outbound_url(renderer, "/next", desk, code=code)
            _menu(renderer, response, desk, code, seconds, said, then=then)
        case RecordQuestion(code=code, conversation=conversation, token=token):
            query = {"code": code, "token": token, **_citizen(conversation)}
            renderer.speak(response, renderer.prompt(desk, "agent_escalate_prompt"))
            action = _agent_url(renderer, "/escalation", desk, **query)
            record_question(renderer, response, desk, action, "agent", query)
        case QuestionRecorded(code=code, saved=saved, seconds=seconds, conversation=conversation):
            kept: MessageKey = "agent_escalation_saved" if saved else "agent_escalation_nothing"
            _menu(renderer, response, desk, code, seconds, renderer.prompt(desk, kept), after=conversation)
        case _:
            assert_never(decision)
    return str(response)


def render_screen(decision: ScreenDecision) -> str:
    """The ``<Number url>`` document on the person's leg: never a ``<Say>``, ``<Play>`` or
    ``<Record>`` (a machine would keep it as a message): hang up, or nothing (put through)."""
    match decision:
        case RefuseMachine():
            return Renderer.hang_up()
        case PutThrough():
            return Renderer.empty()
        case _:
            assert_never(decision)


def _agent_url(renderer: Renderer, step: str, desk: Helpdesk, **query: str) -> str:
    return renderer.url(f"/twilio/agent{step}", helpdesk=desk.id, **query, v=renderer.version)


def _outbound_url(renderer: Renderer, step: str, desk: Helpdesk, **query: str) -> str:
    return _agent_url(renderer, f"/outbound{step}", desk, **query)


def _dial_person(renderer: Renderer, response: VoiceResponse, desk: Helpdesk, decision: DialPerson) -> None:
    """The list and the last digits to the agent, then the person's leg from the agent's.

    The ``<Number url>`` runs on the person's leg once answered, before the agent is put
    through: it hangs up on an answering machine (``machineDetection``), so no message is ever
    left. hangupOnStar: ``*`` ends the conversation and the agent is asked for the outcome.
    """
    voice = renderer.config.voice_for(desk)
    context = replace(
        message_context(renderer.config, desk), list_label=decision.label, last_digits=decision.last_digits
    )
    key: MessageKey = "agent_outbound_person"
    renderer.speak(response, render(key, context, desk.messages.get(key), voice.language, voice.voice))
    query = {"code": decision.code, "attempt": str(decision.attempt)}
    dial = response.dial(
        action=_outbound_url(renderer, "/after", desk, **query),
        method="POST",
        timeout=decision.timeout,
        caller_id=decision.caller_id,
        hangup_on_star=True,
    )
    dial.number(
        decision.number,
        machine_detection="Enable",
        url=_outbound_url(renderer, "/screen", desk, **query),
        method="POST",
    )


def _entry(
    renderer: Renderer, response: VoiceResponse, desk: Helpdesk, prompt: MessageKey, digits: int, action: str
) -> None:
    """A code or PIN of up to ``digits`` keys, ended by ``#``; the call ends without one."""
    gather = response.gather(
        num_digits=digits, finish_on_key="#", timeout=ENTRY_TIMEOUT, action=action, method="POST"
    )
    renderer.speak(gather, renderer.prompt(desk, prompt))
    end_call(response)


def _dial_queue(renderer: Renderer, response: VoiceResponse, desk: Helpdesk, decision: DialQueue) -> None:
    # hangupOnStar: during a conversation * hangs up on the caller and the agent's call goes on
    # to the action (the menu). While no caller is connected Twilio does not document what *
    # does; the timeout (at most 55 s, plus Twilio's 5) brings the menu back within a minute.
    code = decision.code
    # The action is told a dial on the returning queue: without a caller it goes straight on.
    which = {"queue": "returning"} if decision.returning else {}
    dial = response.dial(
        action=_agent_url(renderer, "/after", desk, code=code, dialled=str(decision.dialled), **which),
        method="POST",
        timeout=decision.timeout,
        hangup_on_star=True,
    )
    dial.queue(decision.queue_name, url=_agent_url(renderer, "/connect", desk, code=code), method="POST")


def _menu(
    renderer: Renderer,
    response: VoiceResponse,
    desk: Helpdesk,
    code: str,
    seconds: int,
    prompt: Prompt | None,
    then: str | None = None,
    after: Conversation | None = None,
) -> None:
    """The menu keys for ``seconds`` (after ``prompt``), then ``then``: the next caller by default.

    ``after``: the conversation the menu follows, named in its URL for the escalate key.
    """
    query = {"code": code, **(_citizen(after) if after is not None else {})}
    gather = response.gather(
        num_digits=1, timeout=seconds, action=_agent_url(renderer, "/menu", desk, **query), method="POST"
    )
    if prompt is not None:
        renderer.speak(gather, prompt)
    response.redirect(then or _agent_url(renderer, "/next", desk, code=code), method="POST")


def _citizen(conversation: Conversation) -> dict[str, str]:
    """The query naming the citizen of ``conversation``: their call, or how to find it."""
    if conversation.caller_sid:
        return {"citizen": conversation.caller_sid}
    dialled = {} if conversation.dialled is None else {"dialled": str(conversation.dialled)}
    return {"citizen": CITIZEN_LATEST, **dialled}
