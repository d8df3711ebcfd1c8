"""The last line of defence of the webhooks: whatever breaks, Twilio still gets TwiML it can run.

What may be answered depends on the document Twilio asked for (PRODUCT.md, twilio-semantics §13):

- the call's own document (a citizen's arrival, queue exit, forward, central result): forward to
  central while it is open, else the closing message;
- a waitUrl document (only Play, Say, Pause, Redirect, Leave, Hangup, Gather; a ``<Dial>`` there
  ends the wait with ``QueueResult=error``, a ``<Hangup>`` drops the waiting caller): keep
  waiting silently up to the next boundary, or ``<Leave/>`` once the caller would have been
  routed to central anyway;
- a ``<Queue url>`` document (only Play, Say, Pause, Redirect): an empty ``<Response/>``, the
  caller is put through;
- the agent line: a short apology in the helpdesk's voice, then ``<Hangup/>`` (an agent is never
  forwarded to central);
- the screen on the leg of a person an agent calls (the ``<Number url>``, before the agent is
  put through): ``<Hangup/>``; nothing said or played, which an answering machine would keep;
- an escalation number (the central contact centre leaving an urgent question): a short apology
  in the helpdesk's voice, then ``<Hangup/>`` (never a forward to central, who is the caller);
- a status callback, also a recording's: an empty ``<Response/>`` (Twilio ignores it).

:data:`DOCUMENTS` says which webhook path answers which document; :func:`fail_safe_for` gives
``service.failsafe.FailSafeAnswers`` the answer of each path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import partial

from starlette.responses import Response
from starlette.types import Scope
from twilio.twiml.voice_response import VoiceResponse

from config import Helpdesk, HelpdeskConfig
from ivr.signature import FormParams, form_pairs
from ivr.twiml import XML_TYPE, Renderer, agent_line_unavailable, escalation_line_unavailable, last_resort
from routing import PlayClosing, fail_safe
from service.runtime import Runtime

log = logging.getLogger("ivr")
# Where the verified form of a webhook is kept in the ASGI scope, for the fail-safe to read the
# caller's numbers and QueueTime once the handler has failed.
VERIFIED_FORM = "ivr.verified_form"
# A waitUrl fail-safe that knows nothing (not even the helpdesk's announce interval) waits this long.
FALLBACK_WAIT_S = 60


class Document(StrEnum):
    """The kind of TwiML document a webhook answers; each allows its own verbs."""

    CITIZEN = "citizen"  # the call's own document: arrival, queue exit, forward, central result
    WAIT = "wait"  # an <Enqueue waitUrl> document
    QUEUE_URL = "queue-url"  # a <Dial><Queue url> document, played to the caller before the bridge
    AGENT = "agent"  # the agent line
    SCREEN = "screen"  # a <Number url> document, on the leg of a person an agent calls
    ESCALATION = "escalation"  # an escalation number's call (the central contact centre)
    STATUS = "status"  # a status callback


# The document each webhook path answers: the first entry that is the path, or a parent of it.
DOCUMENTS: tuple[tuple[str, Document], ...] = (
    ("/twilio/agent/connect", Document.QUEUE_URL),
    ("/twilio/agent/outbound/screen", Document.SCREEN),
    ("/twilio/agent", Document.AGENT),
    ("/twilio/wait", Document.WAIT),
    ("/twilio/status", Document.STATUS),
    ("/twilio/recording-status", Document.STATUS),
    ("/twilio/escalation", Document.ESCALATION),
    ("/twilio", Document.CITIZEN),
)


def document_of(path: str) -> Document | None:
    """The document a request to ``path`` answers; ``None`` outside the Twilio webhooks."""
    for prefix, document in DOCUMENTS:
        if path == prefix or path.startswith(prefix + "/"):
            return document
    return None


@dataclass(frozen=True)
class _Failed:
    """What is known of the request that failed: its query, and its form if it was verified."""

    query: dict[str, str]
    form: dict[str, str]

    @classmethod
    def of(cls, scope: Scope) -> _Failed:
        form = scope.get(VERIFIED_FORM)
        return cls(
            query=dict(form_pairs(scope.get("query_string", b"").decode("latin-1"))),
            form=form.first() if isinstance(form, FormParams) else {},
        )


def fail_safe_twiml(runtime: Runtime[Renderer], document: Document, scope: Scope) -> str:
    """The fail-safe document of ``document`` for the request of ``scope``; never raises."""
    try:
        return _ANSWERS[document](runtime, _Failed.of(scope))
    except Exception:
        log.exception("fail-safe could not be rendered", extra={"document": document.value})
        return _bare(document)


def _citizen(rt: Runtime[Renderer], failed: _Failed) -> str:
    renderer = rt.renderer
    config = renderer.config
    caller, to = failed.form.get("From", ""), failed.form.get("To", "")
    escalation_desk = config.by_escalation_number(to)
    if escalation_desk is not None:  # an escalation number's call that reached /twilio/voice
        return escalation_line_unavailable(config.voice_for(escalation_desk))
    desk = config.helpdesk(failed.query.get("helpdesk", "")) or config.by_number(to)
    decision = fail_safe(config, desk, rt.clock())
    if desk is not None and isinstance(decision, PlayClosing):
        return renderer.after_central(desk, decision)  # the helpdesk's own closing message
    # No action on the forward: a failing service is not asked again after central's leg.
    return renderer.unknown_number(decision, caller, to)


def _wait(rt: Runtime[Renderer], failed: _Failed) -> str:
    config = rt.config
    desk = config.helpdesk(failed.query.get("helpdesk", "")) or config.by_number(failed.form.get("To", ""))
    if desk is None:
        return Renderer.leave()
    seconds = wait_seconds(config, desk, rt.clock(), _seconds(failed.form.get("QueueTime", "")))
    return Renderer.leave() if seconds is None else _pause(seconds)


def wait_seconds(config: HelpdeskConfig, desk: Helpdesk, now: datetime, queue_time: int | None) -> int | None:
    """How long a waitUrl fail-safe keeps the caller waiting; ``None``: leave the queue now.

    Up to the next boundary of the wait loop (playbook 1.2.2: a message every ``announce_every``
    seconds, routing to central at ``overflow_after`` while central is open), so the next document
    comes when the caller would have heard the next message. At or past ``overflow_after`` with
    ``overflow: route`` and central open the caller leaves, as the routing would have decided.
    Without a usable ``QueueTime``: one interval.
    """
    queue = desk.queue
    if queue_time is None:
        return queue.announce_every
    routes = desk.overflow == "route" and config.central_schedule().is_open(now)
    if routes and queue_time >= queue.overflow_after:
        return None
    until = (queue_time // queue.announce_every + 1) * queue.announce_every
    if routes:
        until = min(until, queue.overflow_after)
    return until - queue_time


def _agent(rt: Runtime[Renderer], failed: _Failed) -> str:
    config = rt.config
    desk = config.helpdesk(failed.query.get("helpdesk", "")) or config.by_agent_number(
        failed.form.get("To", "")
    )
    return agent_line_unavailable(config.voice if desk is None else config.voice_for(desk))


def _escalation(rt: Runtime[Renderer], failed: _Failed) -> str:
    config = rt.config
    desk = config.helpdesk(failed.query.get("helpdesk", "")) or config.by_escalation_number(
        failed.form.get("To", "")
    )
    return escalation_line_unavailable(config.voice if desk is None else config.voice_for(desk))


def _empty(rt: Runtime[Renderer], failed: _Failed) -> str:
    return Renderer.empty()


def _hang_up(rt: Runtime[Renderer], failed: _Failed) -> str:
    return Renderer.hang_up()


_ANSWERS: dict[Document, Callable[[Runtime[Renderer], _Failed], str]] = {
    Document.CITIZEN: _citizen,
    Document.WAIT: _wait,
    Document.QUEUE_URL: _empty,
    Document.AGENT: _agent,
    Document.SCREEN: _hang_up,
    Document.ESCALATION: _escalation,
    Document.STATUS: _empty,
}


def _bare(document: Document) -> str:
    """The fail-safe when even the config cannot be read: the same verbs, with defaults."""
    match document:
        case Document.CITIZEN:
            return last_resort()
        case Document.WAIT:
            return _pause(FALLBACK_WAIT_S)
        case Document.AGENT:
            return agent_line_unavailable()
        case Document.ESCALATION:
            return escalation_line_unavailable()
        case Document.SCREEN:
            return Renderer.hang_up()
        case Document.QUEUE_URL | Document.STATUS:
            return Renderer.empty()


def _pause(seconds: int) -> str:
    response = VoiceResponse()
    response.pause(length=max(seconds, 1))
    return str(response)


def _seconds(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def fail_safe_for(runtime: Runtime[Renderer]) -> Callable[[str], Callable[[Scope], Response] | None]:
    """For ``service.failsafe.FailSafeAnswers``: the fail-safe TwiML of each webhook path."""
    answers = {document: partial(_answer, runtime, document) for document in Document}

    def of(path: str) -> Callable[[Scope], Response] | None:
        document = document_of(path)
        return None if document is None else answers[document]

    return of


def _answer(runtime: Runtime[Renderer], document: Document, scope: Scope) -> Response:
    return fail_safe_response(fail_safe_twiml(runtime, document, scope))


def fail_safe_response(document: str) -> Response:
    """``document`` as TwiML (``text/xml; charset=utf-8``)."""
    return Response(content=document, media_type=XML_TYPE)
