"""The simulated Twilio REST API, reached through an ``HttpClient`` for ``twilio.rest.Client``.

This module is the HTTP side: routing, form parsing, authentication and Twilio-shaped JSON.
What a request does to calls and queues is the backend's business (see ``simulator.operations``).
Implemented (twilio-semantics §7): ``Calls/{Sid}.json`` GET/POST, ``Queues.json`` GET/POST,
``Queues/{Sid}.json`` GET/POST/DELETE, ``Queues/{Sid}/Members.json`` GET,
``Queues/{Sid}/Members/{CallSid|Front}.json`` GET/POST and ``Recordings/{Sid}.json`` GET/DELETE
(Twilio's Recording resource). A recording's audio is binary, which twilio's ``HttpClient``
turns into text: it is served to httpx clients by :mod:`simulator.media`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

from twilio.http import HttpClient
from twilio.http.response import Response

from simulator.records import RecordingView, RestRequest, SimCall

API_VERSION = "2010-04-01"
PAGE_SIZE = 50


class RestError(Exception):
    """A request Twilio would refuse; rendered as Twilio's JSON error body."""

    def __init__(self, status: int, code: int, message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Throttled:
    """A request answered HTTP 429, Twilio's error 20429; ``retry_after`` in seconds, if sent."""

    retry_after: int | None


@dataclass(frozen=True)
class RedirectTarget:
    url: str | None
    method: str
    twiml: str | None


@dataclass(frozen=True)
class QueueView:
    sid: str
    friendly_name: str
    current_size: int
    average_wait_time: int
    max_size: int
    date_created: datetime
    date_updated: datetime


@dataclass(frozen=True)
class MemberView:
    call_sid: str
    queue_sid: str
    date_enqueued: datetime
    position: int
    wait_time: int


class Backend(Protocol):
    """The platform operations behind the REST API."""

    account_sid: str
    auth_token: str

    def now(self) -> datetime: ...
    def throttle(self) -> Throttled | None: ...
    def record(self, request: RestRequest, call_sid: str) -> None: ...
    def call(self, sid: str) -> SimCall: ...
    def update_call(self, sid: str, target: RedirectTarget | None, status: str | None) -> SimCall: ...
    def queues(self) -> list[QueueView]: ...
    def queue(self, sid: str) -> QueueView: ...
    def create_queue(self, name: str, max_size: int | None) -> QueueView: ...
    def update_queue(self, sid: str, name: str | None, max_size: int | None) -> QueueView: ...
    def delete_queue(self, sid: str) -> None: ...
    def members(self, queue_sid: str) -> list[MemberView]: ...
    def member(self, queue_sid: str, which: str) -> MemberView: ...
    def dequeue(self, queue_sid: str, which: str, target: RedirectTarget) -> MemberView: ...
    def recording(self, sid: str, *, include_deleted: bool) -> RecordingView: ...
    def delete_recording(self, sid: str) -> RecordingView: ...
    def recording_audio(self, sid: str, extension: str) -> tuple[RecordingView, bytes]: ...


_ACCOUNT = r"/2010-04-01/Accounts/(?P<account>AC[0-9a-fA-F]{32})"
_ROUTES = {
    "call": re.compile(_ACCOUNT + r"/Calls/(?P<call>CA[0-9a-fA-F]{32})\.json"),
    "queues": re.compile(_ACCOUNT + r"/Queues\.json"),
    "queue": re.compile(_ACCOUNT + r"/Queues/(?P<queue>QU[0-9a-fA-F]{32})\.json"),
    "members": re.compile(_ACCOUNT + r"/Queues/(?P<queue>QU[0-9a-fA-F]{32})/Members\.json"),
    "member": re.compile(
        _ACCOUNT + r"/Queues/(?P<queue>QU[0-9a-fA-F]{32})/Members/(?P<member>Front|CA[0-9a-fA-F]{32})\.json"
    ),
    "recording": re.compile(_ACCOUNT + r"/Recordings/(?P<recording>RE[0-9a-fA-F]{32})\.json"),
}


# twilio has no type information, so its base class is Any to mypy.
class SimulatedTwilioHttpClient(HttpClient):  # type: ignore[misc]
    """Answers ``twilio.rest.Client`` requests from the simulator instead of api.twilio.com."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(logging.getLogger("simulator.rest"), is_async=False)
        self._backend = backend

    def request(
        self,
        method: str,
        url: str,
        params: Mapping[str, object] | None = None,
        data: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query)) | _strings(params)
        form = _strings(data)
        path = parts.path + (f"?{urlencode(query)}" if query else "")
        call_sid = ""
        headers = {"Content-Type": "application/json"}
        try:
            if auth != (self._backend.account_sid, self._backend.auth_token):
                raise RestError(401, 20003, "Authenticate")
            throttled = self._backend.throttle()
            if throttled is not None:
                # Twilio's error 20429: the request was not processed and is safe to retry.
                if throttled.retry_after is not None:
                    headers["Retry-After"] = str(throttled.retry_after)
                raise RestError(429, 20429, "Too Many Requests")
            status, body, call_sid = self._dispatch(method.upper(), parts.path, query, form)
        except RestError as error:
            status, body = error.status, error_body(error, parts.path)
        request = RestRequest(
            at=self._backend.now(), method=method.upper(), path=path, data=form, status_code=status
        )
        self._backend.record(request, call_sid)
        return Response(status, "" if body is None else json.dumps(body), headers)

    def _dispatch(
        self, method: str, path: str, query: dict[str, str], form: dict[str, str]
    ) -> tuple[int, dict[str, Any] | None, str]:
        backend = self._backend
        route = next(
            ((name, found) for name, pattern in _ROUTES.items() if (found := pattern.fullmatch(path))), None
        )
        if route is None or route[1]["account"] != backend.account_sid:
            raise RestError(404, 20404)
        name, found = route
        match name, method:
            case "call", "GET":
                return 200, self._call_json(backend.call(found["call"])), found["call"]
            case "call", "POST":
                call = backend.update_call(found["call"], _target(form), form.get("Status"))
                return 200, self._call_json(call), call.sid
            case "queues", "GET":
                return 200, self._queue_page(backend.queues(), query), ""
            case "queues", "POST":
                friendly_name = form.get("FriendlyName", "")
                if not 1 <= len(friendly_name) <= 64:
                    raise RestError(400, 20001, "FriendlyName is required and at most 64 characters")
                return 201, self._queue_json(backend.create_queue(friendly_name, _max_size(form))), ""
            case "queue", "GET":
                return 200, self._queue_json(backend.queue(found["queue"])), ""
            case "queue", "POST":
                queue = backend.update_queue(found["queue"], form.get("FriendlyName"), _max_size(form))
                return 200, self._queue_json(queue), ""
            case "queue", "DELETE":
                backend.delete_queue(found["queue"])
                return 204, None, ""
            case "members", "GET":
                members = backend.members(found["queue"])
                return 200, self._member_page(found["queue"], members, query), ""
            case "member", "GET":
                member = backend.member(found["queue"], found["member"])
                return 200, self._member_json(member), member.call_sid
            case "member", "POST":
                target = _target(form)
                if target is None:
                    raise RestError(400, 20001, "Missing required parameter Url in the post body")
                member = backend.dequeue(found["queue"], found["member"], target)
                return 200, self._member_json(member), member.call_sid
            case "recording", "GET":
                include_deleted = query.get("IncludeSoftDeleted", "false").lower() == "true"
                recording = backend.recording(found["recording"], include_deleted=include_deleted)
                return 200, self._recording_json(recording), recording.call_sid
            case "recording", "DELETE":
                recording = backend.delete_recording(found["recording"])
                return 204, None, recording.call_sid
        raise RestError(405, 20004, f"Method {method} not allowed on {path}")

    def _base(self) -> str:
        return f"/{API_VERSION}/Accounts/{self._backend.account_sid}"

    def _call_json(self, call: SimCall) -> dict[str, Any]:
        uri = f"{self._base()}/Calls/{call.sid}.json"
        return {
            "sid": call.sid,
            "account_sid": self._backend.account_sid,
            "parent_call_sid": None,
            "to": call.to,
            "to_formatted": call.to,
            "from": call.from_,
            "from_formatted": call.from_,
            "status": call.status,
            "direction": "inbound",
            "api_version": API_VERSION,
            "date_created": _rfc2822(call.started_at),
            "date_updated": _rfc2822(self._backend.now()),
            "start_time": _rfc2822(call.started_at),
            "end_time": None if call.ended_at is None else _rfc2822(call.ended_at),
            "duration": None if call.duration is None else str(call.duration),
            "price": None,
            "price_unit": "USD",
            "answered_by": None,
            "forwarded_from": None,
            "caller_name": None,
            "queue_time": "0",
            "uri": uri,
            "subresource_uris": {},
        }

    def _queue_json(self, queue: QueueView) -> dict[str, Any]:
        uri = f"{self._base()}/Queues/{queue.sid}.json"
        return {
            "sid": queue.sid,
            "account_sid": self._backend.account_sid,
            "friendly_name": queue.friendly_name,
            "current_size": queue.current_size,
            "average_wait_time": queue.average_wait_time,
            "max_size": queue.max_size,
            "date_created": _rfc2822(queue.date_created),
            "date_updated": _rfc2822(queue.date_updated),
            "uri": uri,
            "subresource_uris": {"members": uri.replace(".json", "/Members.json")},
        }

    def _member_json(self, member: MemberView) -> dict[str, Any]:
        return {
            "call_sid": member.call_sid,
            "queue_sid": member.queue_sid,
            "date_enqueued": _rfc2822(member.date_enqueued),
            "position": member.position,
            "wait_time": member.wait_time,
            "uri": f"{self._base()}/Queues/{member.queue_sid}/Members/{member.call_sid}.json",
        }

    def _recording_json(self, recording: RecordingView) -> dict[str, Any]:
        """The Recording resource as Twilio's API documents it; ``duration`` is null until it is final."""
        uri = f"{self._base()}/Recordings/{recording.sid}.json"
        return {
            "account_sid": self._backend.account_sid,
            "api_version": API_VERSION,
            "call_sid": recording.call_sid,
            "conference_sid": None,
            "date_created": _rfc2822(recording.started_at),
            "date_updated": _rfc2822(recording.updated_at),
            "start_time": _rfc2822(recording.started_at),
            "duration": None if recording.duration is None else str(recording.duration),
            "sid": recording.sid,
            "price": None,
            "price_unit": "USD",
            "status": recording.status,
            "channels": 1,
            "source": "RecordVerb",
            "error_code": recording.error_code,
            "uri": uri,
            "encryption_details": None,
            "subresource_uris": {
                "add_on_results": uri.replace(".json", "/AddOnResults.json"),
                "transcriptions": uri.replace(".json", "/Transcriptions.json"),
            },
            "media_url": f"https://api.twilio.com{uri.removesuffix('.json')}",
        }

    def _queue_page(self, queues: list[QueueView], query: dict[str, str]) -> dict[str, Any]:
        page = self._page(f"{self._base()}/Queues.json", len(queues), query)
        records = queues[page["start"] : page["start"] + page["page_size"]]
        return page | {"queues": [self._queue_json(queue) for queue in records]}

    def _member_page(
        self, queue_sid: str, members: list[MemberView], query: dict[str, str]
    ) -> dict[str, Any]:
        page = self._page(f"{self._base()}/Queues/{queue_sid}/Members.json", len(members), query)
        records = members[page["start"] : page["start"] + page["page_size"]]
        return page | {"queue_members": [self._member_json(member) for member in records]}

    def _page(self, uri: str, total: int, query: dict[str, str]) -> dict[str, Any]:
        """Paging metadata as Twilio's 2010 API returns it (``Page``/``PageSize``; no tokens needed)."""
        size = max(1, min(1000, _int(query.get("PageSize"), PAGE_SIZE)))
        number = max(0, _int(query.get("Page"), 0))
        start = number * size
        end = min(total, start + size)

        def page_uri(page: int) -> str:
            return f"{uri}?{urlencode({'PageSize': size, 'Page': page})}"

        return {
            "uri": page_uri(number),
            "first_page_uri": page_uri(0),
            "next_page_uri": page_uri(number + 1) if end < total else None,
            "previous_page_uri": page_uri(number - 1) if number > 0 else None,
            "page": number,
            "page_size": size,
            "start": start,
            "end": max(start, end - 1),
        }


def error_body(error: RestError, path: str) -> dict[str, Any]:
    """Twilio's JSON error body."""
    return {
        "code": error.code,
        "message": error.message or f"The requested resource {path} was not found",
        "more_info": f"https://www.twilio.com/docs/errors/{error.code}",
        "status": error.status,
    }


def _target(form: dict[str, str]) -> RedirectTarget | None:
    url, twiml_text = form.get("Url"), form.get("Twiml")
    method = form.get("Method", "POST").upper()
    if url is not None and twiml_text is not None:
        raise RestError(400, 20001, "Url and Twiml are mutually exclusive")
    if method not in ("GET", "POST"):
        raise RestError(400, 20001, f"Method must be GET or POST, not {method}")
    if url is not None and not url.startswith(("http://", "https://")):
        raise RestError(400, 21205, f"Url is not a valid URL: {url}")
    if url is None and twiml_text is None:
        return None
    return RedirectTarget(url=url, method=method, twiml=twiml_text)


def _max_size(form: dict[str, str]) -> int | None:
    raw = form.get("MaxSize")
    if raw is None:
        return None
    size = _int(raw, 0)
    if not 1 <= size <= 5000:
        raise RestError(400, 20001, f"MaxSize must be between 1 and 5000, not {raw}")
    return size


def _int(raw: str | None, default: int) -> int:
    try:
        return default if raw is None else int(raw)
    except ValueError:
        return default


def _strings(values: Mapping[str, object] | None) -> dict[str, str]:
    return {key: str(value) for key, value in (values or {}).items()}


def _rfc2822(moment: datetime) -> str:
    return format_datetime(moment)
