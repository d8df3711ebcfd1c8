"""The whole citizen calls that wrk replays: the webhook requests Twilio sends for one call, signed
and written as raw HTTP/1.1, one file per wrk thread, and replayed after a short warm-up.

A call goes, with a unique CallSid and on one connection:

    voice → waitUrl at QueueTime 0 (60, 120, 180) → the agent's <Queue url> when bridged →
    Enqueue action (bridged, hangup or leave) → central Dial action when forwarded → status callback
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from bench.load import call_sid, next_urls, sign
from bench.options import Options
from bench.service import Service
from bench.wrk import WrkResult, run_wrk

ACCOUNT = "AC" + "0" * 32
QUEUE = "QU" + "0" * 32


@dataclass(frozen=True)
class Endpoints:
    """Where the calls of one helpdesk go, as written in the service's TwiML (absolute URLs)."""

    helpdesk: str
    line: str
    wait: str
    queue_exit: str
    central_result: str
    connect: str


def probe_endpoints(base_url: str, token: str, helpdesk: str, line: str) -> Endpoints:
    """Plays one call by hand to read the waitUrl and actions the service writes in its TwiML."""
    call = {"AccountSid": ACCOUNT, "CallSid": call_sid(), "From": "+32470000000", "To": line}
    with httpx.Client(timeout=10) as client:

        def post(url: str, params: Mapping[str, str]) -> str:
            headers = {"X-Twilio-Signature": sign(token, url, params)}
            response = client.post(url, data=dict(params), headers=headers)
            response.raise_for_status()
            return response.text

        arrival = next_urls(post(f"{base_url}/twilio/voice", call | {"CallStatus": "ringing"}))
        if arrival.wait_url is None or arrival.enqueue_action is None:
            raise RuntimeError(f"{helpdesk}: the probe call was not queued; are agents available?")
        queued = call | {"CallStatus": "in-progress", "QueueSid": QUEUE}
        left = queued | {"QueueResult": "leave", "QueueTime": "180"}
        forwarded = next_urls(post(arrival.enqueue_action, left))
        if forwarded.dial_action is None:
            raise RuntimeError(f"{helpdesk}: the probe call was not forwarded to central")
        post(f"{base_url}/twilio/status", call | {"CallStatus": "completed", "SequenceNumber": "0"})
    connect = f"{base_url}/twilio/agent/connect?" + urlencode({"helpdesk": helpdesk, "code": "901"})
    return Endpoints(helpdesk, line, arrival.wait_url, arrival.enqueue_action, forwarded.dial_action, connect)


def fake_endpoints(base_url: str, helpdesk: str, line: str) -> Endpoints:
    """URLs of the same shape as the service's, for the bare endpoint (which ignores them)."""
    query = urlencode({"helpdesk": helpdesk, "v": "0" * 12})
    return Endpoints(
        helpdesk,
        line,
        f"{base_url}/twilio/wait?{query}",
        f"{base_url}/twilio/queue-exit?{query}",
        f"{base_url}/twilio/central-result?"
        + urlencode({"helpdesk": helpdesk, "reason": "wait_timeout", "v": "0" * 12}),
        f"{base_url}/twilio/agent/connect?" + urlencode({"helpdesk": helpdesk, "code": "901"}),
    )


def whole_call(endpoints: Endpoints, result: str, sid: str) -> Iterator[tuple[str, dict[str, str]]]:
    """The webhook requests Twilio sends for one citizen call ending in ``result``."""
    call = {
        "AccountSid": ACCOUNT,
        "ApiVersion": "2010-04-01",
        "CallSid": sid,
        "Direction": "inbound",
        "From": f"+32470{secrets.randbelow(10**6):06d}",
        "To": endpoints.line,
    }
    yield "/twilio/voice", call | {"CallStatus": "ringing"}
    queued = call | {"CallStatus": "in-progress", "QueueSid": QUEUE}
    ticks = {"bridged": (0, 60), "hangup": (0,), "leave": (0, 60, 120, 180)}[result]
    for tick in ticks:
        yield endpoints.wait, queued | {"QueueTime": str(tick), "QueuePosition": "1", "CurrentQueueSize": "3"}
    waited = {"bridged": 75, "hangup": 30, "leave": 180}[result]
    if result == "bridged":
        yield endpoints.connect, queued | {"QueueTime": str(waited), "DequeingCallSid": call_sid()}
    yield endpoints.queue_exit, queued | {"QueueResult": result, "QueueTime": str(waited)}
    if result == "leave":
        central = {"DialCallStatus": "completed", "DialCallSid": call_sid(), "DialCallDuration": "95"}
        yield endpoints.central_result, call | {"CallStatus": "in-progress"} | central
    ended = call | {"CallStatus": "completed", "CallDuration": "240", "SequenceNumber": "3"}
    yield "/twilio/status", ended


def raw_request(base_url: str, token: str, url: str, params: Mapping[str, str]) -> bytes:
    """The HTTP/1.1 request, signed on ``url`` as Twilio would sign it."""
    absolute = url if url.startswith("http") else base_url + url
    parts = urlsplit(absolute)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    body = urlencode(params).encode("ascii")
    head = (
        f"POST {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"X-Twilio-Signature: {sign(token, absolute, params)}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


def write_requests(
    directory: Path, endpoints: Sequence[Endpoints], base_url: str, token: str, threads: int, per_thread: int
) -> int:
    """One file of whole calls per wrk thread; returns the number of requests written."""
    directory.mkdir(parents=True, exist_ok=True)
    results = itertools.cycle(("bridged", "hangup", "leave"))
    desks = itertools.cycle(endpoints)
    total = 0
    for thread in range(threads):
        written = 0
        with (directory / f"{thread}.req").open("wb") as out:
            while written < per_thread:
                for url, params in whole_call(next(desks), next(results), call_sid()):
                    out.write(raw_request(base_url, token, url, params) + b"\0")
                    written += 1
        total += written
    return total


def replay_calls(
    app: Service,
    token: str,
    data: dict[str, Any],
    options: Options,
    requests_dir: Path,
    connections: int,
    per_thread: int,
    rate: float | None = None,
) -> WrkResult:
    """Whole calls from ``connections`` connections (see :func:`run_wrk`), after a short warm-up."""
    desks = [(desk["id"], desk["numbers"][0]) for desk in data["helpdesks"]]
    endpoints = [probe_endpoints(app.base_url, token, desk, line) for desk, line in desks]
    warm_dir = requests_dir.with_name(f"{requests_dir.name}-warm")
    write_requests(warm_dir, endpoints, app.base_url, token, options.connections, 200)
    run_wrk(app.base_url, warm_dir, options.connections, options.warm_up_s)
    write_requests(requests_dir, endpoints, app.base_url, token, connections, per_thread)
    return run_wrk(app.base_url, requests_dir, connections, options.seconds, rate=rate)
