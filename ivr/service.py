"""The service's ASGI app: FastAPI, with the Twilio webhooks served on a direct path.

Twilio's webhooks are nearly all of the traffic. Through FastAPI's generic stack each one passes
a dozen layers (error and exception middleware, telemetry, body limit, an exit stack, a linear
route search) that cost more than the webhook's own work. :class:`HelpdeskApp` looks up a POST's
path in a table of the webhook routes first and calls that route's handler itself, with what
those layers would have done for it:

- an ``HTTPException`` (403 bad signature, 413 body too large) gets FastAPI's own answer;
- any other failure gets the fail-safe TwiML of the document the route answers
  (:mod:`ivr.failsafe`; PRODUCT.md: never Twilio's "application error");
- the answer carries the security headers of :mod:`ivr.security`.

Everything else (the API, documentation, a GET to a webhook path) goes through FastAPI as usual,
where :class:`~ivr.failsafe.FailSafeTwiML` and :class:`~ivr.security.SecurityHeaders` do the same.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from starlette.types import ASGIApp, Receive, Scope, Send

from ivr.failsafe import FailSafe, document_of, fail_safe_response
from ivr.security import security_headers
from ivr.webhooks import TwilioRoute

log = logging.getLogger("ivr")


class HelpdeskApp(FastAPI):
    """FastAPI whose Twilio webhook POSTs skip the generic stack (see the module's docstring)."""

    def __init__(self, *, fail_safe: FailSafe, https: bool, **settings: Any) -> None:
        super().__init__(**settings)
        self.fail_safe = fail_safe
        self.https = https
        self.direct: dict[str, ASGIApp] = {}

    def include_webhooks(self, router: APIRouter) -> None:
        """Include ``router`` and serve its Twilio routes (POST, no path parameters) directly."""
        self.include_router(router)
        for route in router.routes:
            if not isinstance(route, TwilioRoute) or route.param_convertors:
                continue
            if "POST" in (route.methods or ()):
                self.direct[route.path] = self._serve(route)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            direct = self.direct.get(scope["path"])
            if direct is not None:
                scope["app"] = self
                await direct(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    def _serve(self, route: TwilioRoute) -> ASGIApp:
        handler = route.get_route_handler()
        document = document_of(route.path)
        if document is None:
            raise ValueError(f"{route.path} is not a Twilio webhook path")
        headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in security_headers(route.path, https=self.https)
        ]

        async def serve(scope: Scope, receive: Receive, send: Send) -> None:
            request = Request(scope, receive, send)
            try:
                response = await handler(request)
            except HTTPException as refused:
                response = await http_exception_handler(request, refused)
            except Exception:
                log.exception("webhook failed; answering the fail-safe", extra={"path": scope["path"]})
                response = fail_safe_response(self.fail_safe(document, scope))
            response.raw_headers.extend(headers)
            await response(scope, receive, send)

        return serve
