"""Open-loop load generator playing whole citizen calls against a running service.

A call is what Twilio would send for one citizen: the arrival (``/twilio/voice``), the queue's
waitUrl at QueueTime 0, 60 and 120 when the answer enqueues, the Enqueue action, the Dial action
when the caller is forwarded to central, and the final status callback. Every request is signed
as Twilio signs it: on the URL as written in the TwiML (on ``PUBLIC_BASE_URL``), while it is sent
to the local address. Only services on 127.0.0.1 are ever loaded.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import secrets
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from twilio.request_validator import RequestValidator

LOOPBACK = "127.0.0.1"
CITIZEN_LINES = ("+3233100100", "+3214200200")
QUEUE_RESULTS = ("bridged", "hangup", "leave")
WAIT_TIMES = (0, 60, 120)
REQUEST_TIMEOUT_S = 10.0
# Calls still running this long after the last one started are counted as errors.
DRAIN_TIMEOUT_S = 30.0
MAX_ERROR_SAMPLES = 20


class NotLoopbackError(ValueError):
    """The base URL points somewhere else than 127.0.0.1."""


def loopback_url(url: str) -> str:
    """``url`` without a trailing slash, refused unless it is ``http://127.0.0.1[:port]``."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != LOOPBACK or parts.path not in ("", "/"):
        raise NotLoopbackError(f"{url!r} is not http://{LOOPBACK}[:port]")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise NotLoopbackError(f"{url!r} is not http://{LOOPBACK}[:port]")
    return url.rstrip("/")


def sign(token: str, url: str, params: Mapping[str, str]) -> str:
    """The ``X-Twilio-Signature`` Twilio would send for ``params`` posted to ``url``."""
    signature: str = RequestValidator(token).compute_signature(url, dict(params))
    return signature


@dataclass(frozen=True)
class NextUrls:
    """Where the call goes next according to one TwiML document (absolute, as written)."""

    wait_url: str | None = None
    enqueue_action: str | None = None
    dial_action: str | None = None
    leaves_queue: bool = False


class BadTwiMLError(ValueError):
    """The answer is not a TwiML ``<Response>`` document."""


def next_urls(document: str) -> NextUrls:
    """The waitUrl, Enqueue action and Dial action of a TwiML document, and whether it leaves."""
    try:
        # The documents come from the service under test, on the loopback interface.
        root = ET.fromstring(document)  # noqa: S314
    except ET.ParseError as error:
        raise BadTwiMLError(f"not XML: {error}") from None
    if root.tag != "Response":
        raise BadTwiMLError(f"root element is <{root.tag}>, not <Response>")
    enqueue = root.find("Enqueue")
    dial = root.find("Dial")
    return NextUrls(
        wait_url=enqueue.get("waitUrl") if enqueue is not None else None,
        enqueue_action=enqueue.get("action") if enqueue is not None else None,
        dial_action=dial.get("action") if dial is not None else None,
        leaves_queue=root.find("Leave") is not None,
    )


def local_url(url: str, public_base_url: str, base_url: str) -> str:
    """The address to send a request for ``url`` (on the public base URL) to."""
    if not url.startswith(public_base_url + "/"):
        raise BadTwiMLError(f"{url!r} is not on {public_base_url}")
    return base_url + url[len(public_base_url) :]


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` 0.99 for p99); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(math.ceil(fraction * len(ordered)), 1)
    return ordered[rank - 1]


def call_sid() -> str:
    return "CA" + secrets.token_hex(16)


@dataclass
class Stats:
    """What one run measured: per-request latency, status codes and errors."""

    latencies_s: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    paths: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    calls_started: int = 0
    calls_completed: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies_s)

    def error(self, description: str) -> None:
        self.errors += 1
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples.append(description)

    def p50_ms(self) -> float:
        return percentile(self.latencies_s, 0.50) * 1000

    def p99_ms(self) -> float:
        return percentile(self.latencies_s, 0.99) * 1000

    def merge(self, other: Stats) -> None:
        self.latencies_s.extend(other.latencies_s)
        self.statuses.update(other.statuses)
        self.paths.update(other.paths)
        self.calls_started += other.calls_started
        self.calls_completed += other.calls_completed
        for sample in other.error_samples:
            if len(self.error_samples) < MAX_ERROR_SAMPLES:
                self.error_samples.append(sample)
        self.errors += other.errors


@dataclass(frozen=True)
class Target:
    """A running service: where to send (``base_url``), what it signs on, and its token."""

    base_url: str
    public_base_url: str
    token: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", loopback_url(self.base_url))
        object.__setattr__(self, "public_base_url", self.public_base_url.rstrip("/"))


class CallFailedError(Exception):
    """A request of the call failed; the rest of the call is not played."""


class CallPlayer:
    """Plays whole citizen calls, recording every request in ``stats``."""

    def __init__(self, target: Target, client: httpx.AsyncClient, stats: Stats) -> None:
        self.target = target
        self.client = client
        self.stats = stats
        self._numbers = itertools.cycle(CITIZEN_LINES)
        self._results = itertools.cycle(QUEUE_RESULTS)

    async def post(self, url: str, params: Mapping[str, str]) -> NextUrls:
        """POST ``params`` to ``url`` (as written on the public base URL), signed."""
        headers = {"X-Twilio-Signature": sign(self.target.token, url, params)}
        address = local_url(url, self.target.public_base_url, self.target.base_url)
        path = urlsplit(url).path
        started = time.perf_counter()
        try:
            response = await self.client.post(address, data=dict(params), headers=headers)
        except httpx.HTTPError as error:
            self.stats.latencies_s.append(time.perf_counter() - started)
            self.stats.error(f"{path}: {type(error).__name__}: {error}")
            raise CallFailedError from None
        self.stats.latencies_s.append(time.perf_counter() - started)
        self.stats.statuses[response.status_code] += 1
        self.stats.paths[path] += 1
        if response.status_code != 200:
            self.stats.error(f"{path}: HTTP {response.status_code}")
            raise CallFailedError
        try:
            return next_urls(response.text)
        except BadTwiMLError as error:
            self.stats.error(f"{path}: {error}")
            raise CallFailedError from None

    async def play(self) -> None:
        """One citizen call from arrival to the final status callback."""
        self.stats.calls_started += 1
        sid = call_sid()
        call = {
            "AccountSid": "AC" + "0" * 32,
            "ApiVersion": "2010-04-01",
            "CallSid": sid,
            "Direction": "inbound",
            "From": f"+32470{secrets.randbelow(10**6):06d}",
            "To": next(self._numbers),
            "CallStatus": "ringing",
        }
        public = self.target.public_base_url
        try:
            step = await self.post(f"{public}/twilio/voice", call)
            in_progress = call | {"CallStatus": "in-progress"}
            if step.enqueue_action is not None:
                step = await self._queue(step, in_progress)
            if step.dial_action is not None:
                dialled = in_progress | {
                    "DialCallStatus": "completed",
                    "DialCallSid": call_sid(),
                    "DialCallDuration": "42",
                }
                await self.post(step.dial_action, dialled)
            ended = call | {
                "CallStatus": "completed",
                "CallDuration": "200",
                "SequenceNumber": "0",
                "Timestamp": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
            }
            await self.post(f"{public}/twilio/status", ended)
        except CallFailedError:
            return
        self.stats.calls_completed += 1

    async def _queue(self, arrival: NextUrls, params: dict[str, str]) -> NextUrls:
        assert arrival.enqueue_action is not None  # noqa: S101 - the caller checked
        queue = params | {"QueueSid": "QU" + "0" * 32}
        result = next(self._results)
        waited = 0
        if arrival.wait_url is not None:
            for queue_time in WAIT_TIMES:
                waited = queue_time
                position = {"QueueTime": str(queue_time), "QueuePosition": "1", "CurrentQueueSize": "1"}
                if (await self.post(arrival.wait_url, queue | position)).leaves_queue:
                    result = "leave"
                    break
        exit_params = queue | {"QueueResult": result, "QueueTime": str(waited + 5)}
        return await self.post(arrival.enqueue_action, exit_params)


async def start_on_schedule(
    play: Callable[[], Coroutine[Any, Any, None]],
    *,
    rate: float,
    total: int,
    max_in_flight: int,
    stats: Stats,
) -> set[asyncio.Task[None]]:
    """Start ``total`` calls of ``play`` at ``rate`` per second; returns those still running.

    Open loop: calls start on schedule whatever the answers take; a call due while
    ``max_in_flight`` are running is not started and counts as an error (the service fell behind).
    """
    running: set[asyncio.Task[None]] = set()
    start = time.monotonic()
    for number in range(total):
        delay = start + number / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(running) >= max_in_flight:
            stats.error(f"call not started: {len(running)} calls in flight")
            continue
        task = asyncio.create_task(play())
        running.add(task)
        task.add_done_callback(running.discard)
    return running


async def run_load(
    target: Target, *, rate: float, duration_s: float, max_in_flight: int, max_calls: int = 1_000_000
) -> Stats:
    """Start calls at ``rate`` per second for ``duration_s``, at most ``max_in_flight`` at once.

    Open loop: calls start on schedule whatever the answers take; a call due while
    ``max_in_flight`` are running is not started and counts as an error (the service fell behind).
    """
    if rate <= 0 or duration_s <= 0 or max_in_flight < 1:
        raise ValueError("rate, duration and max_in_flight must be positive")
    stats = Stats()
    total = min(math.ceil(rate * duration_s), max_calls)
    limits = httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits) as client:
        player = CallPlayer(target, client, stats)
        running = await start_on_schedule(
            player.play, rate=rate, total=total, max_in_flight=max_in_flight, stats=stats
        )
        if running:
            _, late = await asyncio.wait(set(running), timeout=DRAIN_TIMEOUT_S)
            for task in late:
                task.cancel()
                stats.error("call still running after the load ended")
            if late:
                await asyncio.wait(late)
    return stats
