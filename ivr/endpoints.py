"""What every Twilio webhook starts and ends with, whichever line it serves: the runtime and the
form whose ``X-Twilio-Signature`` is proven (through the app's ``dependency_overrides``), our
query, the ``/twilio`` routes, the TwiML response, and the call-log events it appends.

The handlers live by line: the citizen line in :mod:`ivr.webhooks`, the agent line in
:mod:`ivr.agent_line` and :mod:`ivr.agent_outbound`, the escalations in :mod:`ivr.escalations`.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from fastapi import BackgroundTasks, HTTPException, Request, Response
from starlette.routing import Route

from calllog import new_event
from config import Helpdesk, Menu
from ivr.failsafe import VERIFIED_FORM
from ivr.signature import BodyTooLargeError, FormParams, form_pairs, is_valid, read_form, signed_url
from ivr.twiml import XML_TYPE, Renderer
from service.operations import Operation, RecordEvent
from service.runtime import Runtime, runtime

# The webhooks' logger: a refused call-log event is a fault of the webhook that made it.
log = logging.getLogger("ivr.webhooks")
T = TypeVar("T")


async def verified_form(request: Request) -> FormParams:
    """The posted form, once its ``X-Twilio-Signature`` is proven; 403 otherwise."""
    rt: Runtime[Renderer] = await provide(request, runtime)
    try:
        form = await read_form(request)
    except BodyTooLargeError:
        raise HTTPException(status_code=413, detail="request body too large") from None
    url = signed_url(rt.settings.public_base_url, request)
    if not is_valid(rt.validator, url, form, request.headers.get("X-Twilio-Signature")):
        raise HTTPException(status_code=403, detail="invalid Twilio signature")
    request.scope[VERIFIED_FORM] = form  # for the fail-safe, should the handler fail
    return form


async def provide(request: Request, dependency: Callable[[Request], Awaitable[T]]) -> T:
    """``dependency(request)``, or what the app's ``dependency_overrides`` puts in its place.

    An override is called as FastAPI would call a dependency without parameters of its own: with
    the request if it takes a parameter, else with none; sync or async.
    """
    override = request.app.dependency_overrides.get(dependency)
    if override is None:
        return await dependency(request)
    result = override(request) if inspect.signature(override).parameters else override()
    return cast(T, await result if inspect.isawaitable(result) else result)


@dataclass(frozen=True, slots=True)
class Webhook:
    """What every Twilio webhook starts from: the runtime, the verified form, our query."""

    rt: Runtime[Renderer]
    form: FormParams
    query: dict[str, str]

    def param(self, name: str) -> str:
        """A parameter of the query our own TwiML put in the URL (``helpdesk``, ``v`` …); "" if absent."""
        return self.query.get(name, "")


async def webhook(request: Request) -> Webhook:
    """The start of every webhook: the runtime and the form whose signature is proven (403 if
    not), each through the app's ``dependency_overrides``, and the query string.

    The webhooks are plain Starlette routes (:class:`TwilioRoutes`): FastAPI's dependency
    solving and route handling cost more than a webhook's own work (``make bench``), so each
    endpoint calls this itself, with the same dependencies and the same overrides.
    """
    rt: Runtime[Renderer] = await provide(request, runtime)
    form = await provide(request, verified_form)
    # Starlette's query_params, parsed the faster way (the last of a repeated name wins).
    query = dict(form_pairs(request.scope["query_string"].decode("latin-1")))
    return Webhook(rt, form, query)


Endpoint = Callable[[Request], Awaitable[Response]]


class TwilioRoutes:
    """The POST routes of a module's webhooks under ``/twilio``, as Starlette routes for the app."""

    def __init__(self, prefix: str = "/twilio") -> None:
        self.prefix = prefix
        self.routes: list[Route] = []

    def post(self, path: str) -> Callable[[Endpoint], Endpoint]:
        def add(endpoint: Endpoint) -> Endpoint:
            self.routes.append(Route(self.prefix + path, endpoint, methods=["POST"]))
            return endpoint

        return add


def twiml(body: str, background: BackgroundTasks | None = None) -> Response:
    return Response(content=body, media_type=XML_TYPE, background=background)


CallLogEvent = tuple[str, dict[str, Any]]


def log_events(
    call_sid: str, desk: Helpdesk | Menu, at: datetime, events: Iterable[CallLogEvent | None]
) -> list[Operation]:
    """The writes that append ``events`` to the call log of one call (at a helpdesk, or at a
    shared number's menu: ``menu:<number>``).

    An event the call log would refuse (a bug: what Twilio sends is checked when it is parsed) is
    logged and left out; it never changes what the caller hears.
    """
    operations: list[Operation] = []
    for kind, data in (event for event in events if event is not None):
        try:
            event = new_event(call_sid=call_sid, helpdesk_id=desk.id, kind=kind, at=at, **data)
        except (TypeError, ValueError):
            log.exception("call-log event refused", extra={"helpdesk": desk.id, "kind": kind})
            continue
        operations.append(RecordEvent(event=event))
    return operations


async def call_log(
    rt: Runtime[Renderer], call_sid: str, desk: Helpdesk | Menu, at: datetime, *events: CallLogEvent | None
) -> None:
    """Append to the call log (spooled while the database is down); never changes what is heard."""
    await rt.hand_in(log_events(call_sid, desk, at, events))
