"""``X-Twilio-Signature`` verification against the configured public URL.

The URL Twilio signed is ``PUBLIC_BASE_URL`` + path + query, not what the app sees behind a
proxy (twilio/twilio-python#751), so it is rebuilt from the setting.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from urllib.parse import parse_qsl

from fastapi import Request
from twilio.request_validator import RequestValidator

MAX_FORM_BYTES = 64 * 1024


class FormParams:
    """The posted form with every value of repeated names, as Twilio's validator expects."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in pairs:
            self._values.setdefault(name, []).append(value)

    def __iter__(self) -> object:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def getall(self, name: str) -> list[str]:
        return self._values[name]

    def first(self) -> dict[str, str]:
        """The first value of each name, for parsing (the signature uses every value as sent).

        NUL bytes are dropped: Twilio never sends them and PostgreSQL text cannot hold them.
        """
        return {name: values[0].replace("\x00", "") for name, values in self._values.items()}


class BodyTooLargeError(Exception):
    """The body exceeds what any Twilio webhook sends."""


async def read_form(request: Request) -> FormParams:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise BodyTooLargeError
    text = body.decode("utf-8", errors="replace")
    return FormParams(parse_qsl(text, keep_blank_values=True))


def signed_url(public_base_url: str, request: Request) -> str:
    # What ``request.url`` would give for the path and query, read from the scope directly (it
    # runs for every webhook).
    scope = request.scope
    path = scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{public_base_url}{path}" + (f"?{query}" if query else "")


def is_valid(validator: RequestValidator, url: str, form: FormParams, signature: str | None) -> bool:
    """Whether Twilio signed ``form`` posted to ``url``: on the URL as it is, or else with or
    without its default port (Twilio's validator, which computes both every time)."""
    if not signature:
        return False
    exact = validator.compute_signature(url, form)
    if hmac.compare_digest(exact.encode(), signature.encode()):
        return True
    return bool(validator.validate(url, form, signature))
