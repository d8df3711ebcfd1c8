"""The last line of defence of the webhooks: whatever breaks, the caller still gets TwiML.

A plain ASGI middleware (no per-request task or body copy, unlike ``@app.middleware``): it passes
every message through and, when the app raises on a ``/twilio/`` path before it has started its
answer, sends the fail-safe document instead (PRODUCT.md: never Twilio's "application error").
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ivr.twiml import XML_TYPE

log = logging.getLogger("ivr")


class FailSafeTwiML:
    """Answers ``fail_safe()`` (TwiML text) when a Twilio webhook raises before answering."""

    def __init__(self, app: ASGIApp, *, fail_safe: Callable[[], str]) -> None:
        self.app = app
        self.fail_safe = fail_safe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/twilio/"):
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            if started:
                raise
            log.exception("webhook failed; answering the fail-safe", extra={"path": scope["path"]})
            await fail_safe_response(self.fail_safe)(scope, receive, send)


def fail_safe_response(fail_safe: Callable[[], str]) -> Response:
    """The document of ``fail_safe()`` as TwiML (``text/xml; charset=utf-8``)."""
    return Response(content=fail_safe(), media_type=XML_TYPE)
