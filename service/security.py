"""Security headers on every response the service gives.

The service answers machines (Twilio, dashboards, scripts), never a browser page of its own except
the API documentation, so the headers forbid everything a browser could do with a response:
sniffing another content type, framing, sending a referrer, running or loading anything. The
supervisor API carries call-log data about citizens, so no cache may keep it.
"""

from __future__ import annotations

from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALWAYS: Final[tuple[tuple[str, str], ...]] = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)
CONTENT_SECURITY_POLICY: Final = "default-src 'none'; frame-ancestors 'none'"
STRICT_TRANSPORT_SECURITY: Final = "max-age=31536000"
# Swagger UI and ReDoc are pages that load scripts and styles: a CSP of 'none' would blank them.
DOCUMENTATION_PATHS: Final = ("/docs", "/redoc")


def security_headers(path: str, *, https: bool) -> list[tuple[str, str]]:
    """The headers a response to ``path`` carries (media keep their own ``Cache-Control``)."""
    headers = list(ALWAYS)
    if not _is_documentation(path):
        headers.append(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
    if path == "/api" or path.startswith("/api/"):
        headers.append(("Cache-Control", "no-store"))
    if https:
        headers.append(("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY))
    return headers


def _is_documentation(path: str) -> bool:
    return any(path == prefix or path.startswith(f"{prefix}/") for prefix in DOCUMENTATION_PATHS)


class SecurityHeaders:
    """ASGI middleware setting :func:`security_headers` on every HTTP response.

    ``https`` is whether ``PUBLIC_BASE_URL`` is https: behind a TLS-terminating proxy the app
    itself only sees plain HTTP, so the request's own scheme cannot tell.
    """

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = security_headers(scope["path"], https=self.https)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in wanted:
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
