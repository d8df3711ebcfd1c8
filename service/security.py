"""Security headers on every response the service gives.

The service mostly answers machines (Twilio, dashboards, scripts), so the headers forbid
everything a browser could do with a response: sniffing another content type, framing, sending a
referrer, running or loading anything. The supervisor API carries call-log data about citizens,
so no cache may keep it. The web console (``/console``) is the one set of pages of our own: it may
load its own scripts, styles and data from the service, nothing inline and nothing from
elsewhere, and no cache may keep its pages either (agents' names, a session's CSRF token).
"""

from __future__ import annotations

import enum
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALWAYS: Final[tuple[tuple[str, str], ...]] = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)
CONTENT_SECURITY_POLICY: Final = "default-src 'none'; frame-ancestors 'none'"
CONSOLE_CONTENT_SECURITY_POLICY: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    # The escalations' recordings play in the page, from the console's own route.
    "media-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
CONSOLE_PATH: Final = "/console"
STRICT_TRANSPORT_SECURITY: Final = "max-age=31536000"
# Swagger UI and ReDoc are pages that load scripts and styles: a CSP of 'none' would blank them.
DOCUMENTATION_PATHS: Final = ("/docs", "/redoc")


def security_headers(path: str, *, https: bool) -> list[tuple[str, str]]:
    """The headers a response to ``path`` carries (media keep their own ``Cache-Control``)."""
    return _headers(_kind(path), https=https)


class _Kind(enum.Enum):
    """What decides a response's headers besides https."""

    DOCUMENTATION = enum.auto()
    API = enum.auto()
    CONSOLE = enum.auto()
    OTHER = enum.auto()


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(f"{prefix}/")


def _kind(path: str) -> _Kind:
    if any(_under(path, prefix) for prefix in DOCUMENTATION_PATHS):
        return _Kind.DOCUMENTATION
    if _under(path, "/api"):
        return _Kind.API
    if _under(path, CONSOLE_PATH):
        return _Kind.CONSOLE
    return _Kind.OTHER


def _headers(kind: _Kind, *, https: bool) -> list[tuple[str, str]]:
    headers = list(ALWAYS)
    if kind is _Kind.CONSOLE:
        headers.append(("Content-Security-Policy", CONSOLE_CONTENT_SECURITY_POLICY))
    elif kind is not _Kind.DOCUMENTATION:
        headers.append(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
    if kind in (_Kind.API, _Kind.CONSOLE):
        headers.append(("Cache-Control", "no-store"))
    if https:
        headers.append(("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY))
    return headers


class SecurityHeaders:
    """ASGI middleware setting :func:`security_headers` on every HTTP response.

    ``https`` is whether ``PUBLIC_BASE_URL`` is https: behind a TLS-terminating proxy the app
    itself only sees plain HTTP, so the request's own scheme cannot tell.
    """

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        # Each kind of response's headers once, as the raw ASGI pairs that replace any header of
        # the same name the app set: the webhooks should not pay for building them per request.
        self._raw: dict[_Kind, tuple[frozenset[bytes], list[tuple[bytes, bytes]]]] = {}
        for kind in _Kind:
            raw = [
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in _headers(kind, https=https)
            ]
            self._raw[kind] = frozenset(name for name, _ in raw), raw

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        names, raw = self._raw[_kind(scope["path"])]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [header for header in message.get("headers", ()) if header[0].lower() not in names]
                message["headers"] = kept + raw
            await send(message)

        await self.app(scope, receive, send_with_headers)
