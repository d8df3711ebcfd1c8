"""The simulated api.twilio.com for httpx clients, recordings' audio included.

Twilio serves a recording's file at its ``RecordingUrl``: WAV (``audio/x-wav``) without an
extension or with ``.wav``, MP3 (``audio/mpeg``) with ``.mp3`` (Twilio's ``<Record>`` page and
Recording resource). twilio's own ``HttpClient`` turns every body into text, which breaks audio,
so an application fetches it with an HTTP client of its own: this transport answers an
``httpx.Client`` in api.twilio.com's place. Twilio serves media without credentials unless the
account enforces HTTP authentication on them (a voice setting, required for HIPAA workflows);
the simulator always enforces it, so that an application that sends none fails here first:
HTTP basic auth with the account SID and auth token, else 401. An unknown, absent, deleted or
not yet available recording answers 404 with Twilio's JSON error. Every other request is
answered as :class:`simulator.rest.SimulatedTwilioHttpClient` answers it; another host is not
reachable offline.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from urllib.parse import parse_qsl

import httpx

from simulator.records import RestRequest
from simulator.rest import Backend, RestError, SimulatedTwilioHttpClient, error_body

API_HOST = "api.twilio.com"
CONTENT_TYPES = {"wav": "audio/x-wav", "mp3": "audio/mpeg"}
_MEDIA = re.compile(
    r"/2010-04-01/Accounts/(?P<account>AC[0-9a-fA-F]{32})"
    r"/Recordings/(?P<recording>RE[0-9a-fA-F]{32})(?:\.(?P<extension>wav|mp3))?"
)


class TwilioApiTransport(httpx.BaseTransport):
    """An ``httpx`` transport for ``https://api.twilio.com``, recorded in ``rest_requests``."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._rest = SimulatedTwilioHttpClient(backend)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme != "https" or url.host != API_HOST:
            raise httpx.ConnectError(f"{url.host} is not reachable offline", request=request)
        credentials = _basic_auth(request.headers.get("Authorization", ""))
        found = _MEDIA.fullmatch(url.path)
        if found is None:
            form = dict(parse_qsl(request.read().decode()))
            reply = self._rest.request(
                request.method, str(url), data=form or None, auth=credentials, headers=dict(request.headers)
            )
            return httpx.Response(reply.status_code, headers=reply.headers, content=reply.text.encode())
        backend = self._backend
        headers = {"Content-Type": "application/json"}
        call_sid = ""
        try:
            if credentials != (backend.account_sid, backend.auth_token):
                headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
                raise RestError(401, 20003, "Authenticate")
            throttled = backend.throttle()
            if throttled is not None:
                if throttled.retry_after is not None:
                    headers["Retry-After"] = str(throttled.retry_after)
                raise RestError(429, 20429, "Too Many Requests")
            if request.method != "GET":
                raise RestError(405, 20004, f"Method {request.method} not allowed on {url.path}")
            if found["account"] != backend.account_sid:
                raise RestError(404, 20404)
            extension = found["extension"] or "wav"
            recording, content = backend.recording_audio(found["recording"], extension)
            status, call_sid = 200, recording.call_sid
            headers["Content-Type"] = CONTENT_TYPES[extension]
        except RestError as error:
            status, content = error.status, json.dumps(error_body(error, url.path)).encode()
        backend.record(
            RestRequest(at=backend.now(), method=request.method, path=url.path, data={}, status_code=status),
            call_sid,
        )
        return httpx.Response(status, headers=headers, content=content)


def _basic_auth(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, colon, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if colon else None
