"""The last line of defence of the webhooks: a handler that raises still gets an answer.

The adapter says which paths it covers and what each one answers when its handler failed (for
Twilio's webhooks: TwiML Twilio can run, ``ivr.failsafe``; PRODUCT.md: never Twilio's
"application error"). This middleware only finds the failure and sends that answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("ivr")

# The answer to a failed request at ``path``: ``None`` for a path it does not cover, else a
# function that builds the answer from the request's scope (and never raises).
FailSafe = Callable[[str], Callable[[Scope], Response] | None]


class FailSafeAnswers:
    """Answers the path's fail-safe when a covered path raises before answering.

    A plain ASGI middleware (no per-request task or body copy, unlike ``@app.middleware``): it
    passes every message through and, when the app raises on a covered path before it has
    started its answer, sends the fail-safe answer instead. It sits inside Starlette's
    ``ServerErrorMiddleware``, so a covered path never gets the 500 page.
    """

    def __init__(self, app: ASGIApp, *, fail_safe: FailSafe) -> None:
        self.app = app
        self.fail_safe = fail_safe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = self.fail_safe(scope["path"]) if scope["type"] == "http" else None
        if answer is None:
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
            await answer(scope)(scope, receive, send)
