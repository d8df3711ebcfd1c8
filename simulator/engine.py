"""The simulated Twilio Programmable Voice platform, as a webhook application sees it.

Every call is a process on the kernel's fake clock (see :mod:`simulator.kernel`) that executes the
application's TwiML verb by verb. Queues, bridges between a caller and an agent, and the REST
operations are shared state between those processes (:mod:`simulator.state`). The behaviour
follows the project's Twilio reference (twilio-semantics §§1–7); where Twilio's documentation is
silent the choice made here is stated next to the code.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import MappingProxyType
from typing import Literal, assert_never

from twilio.http import HttpClient

from simulator import twiml
from simulator.kernel import Flow, Kernel, Task, Wait
from simulator.records import (
    DestinationBehaviour,
    RestRequest,
    SimCall,
    SimEvent,
    WebhookRequest,
    whole_seconds,
)
from simulator.rest import (
    MemberView,
    QueueView,
    RedirectTarget,
    RestError,
    SimulatedTwilioHttpClient,
    Throttled,
)
from simulator.state import (
    ANNOUNCE,
    DIAL_BUFFER_SECONDS,
    MAIN,
    ApplicationError,
    Bridge,
    Context,
    Dequeued,
    Document,
    DocumentError,
    EndCall,
    HungUp,
    LeaveQueue,
    Line,
    Member,
    Queue,
    QueueError,
    Redirected,
    StarKey,
    dial_result_detail,
)
from simulator.transport import XML_CONTENT_TYPES, AppClient, AppTransport, OutsideApplicationError, Reply

DEFAULT_MAX_QUEUE_SIZE = 1000
STATUS_EVENTS = ("initiated", "ringing", "answered", "completed")
# A TwiML loop that never lets time pass (a document redirecting to itself) would hang the
# simulation; Twilio would keep fetching. Stop it as an application error instead.
MAX_FETCHES_PER_INSTANT = 100

# What a healthy application never causes: an application error ends the call; a waitUrl or
# <Queue url> document Twilio cannot run ends the caller's wait (QueueResult=error); a <Dial>
# with a caller ID Twilio refuses (error 13214) fails; a status callback answered with an error.
ERROR_KINDS = ("application-error", "wait-url-error", "queue-url-error", "dial-error", "callback-error")
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_CALL_SID = re.compile(r"^CA[0-9a-f]{32}$")
_KEYS = set("0123456789*#")
_CALL_STATUS_OF_EVENT = {"initiated": "initiated", "ringing": "ringing", "answered": "in-progress"}


class TwilioSimulator:
    """An offline Twilio Programmable Voice that calls the application through ``client``.

    ``client`` must accept paths (a ``fastapi.testclient.TestClient``, or an ``httpx.Client`` with a
    ``base_url``); requests are signed for ``public_base_url`` + path, the URL Twilio would use.
    Nothing happens until :meth:`run` advances the simulated clock.

    ``first_play_delay`` models Twilio's media download: the first ``<Play>`` of a URL not yet in
    its media cache starts after a delay drawn from the seeded random generator between the two
    bounds, in seconds (twilio-semantics §13: Twilio's ``<Play>`` page says the first play "may be
    slow"; its article on the caching of audio files says a cached file is served in 10 ms or
    less, from a fleet of caching proxies). The caller hears nothing meanwhile; the timeline shows
    a ``download`` event. The default, no delay, keeps every other timing exact.

    ``wait_redirect_queue_params``: whether a request made from a waitUrl document (its
    ``<Redirect>``, a ``<Gather>`` action) carries the queue parameters (``QueueTime`` …) like the
    waitUrl request itself. Twilio's pages say that a waitUrl document may redirect, not what the
    redirected request carries; by default only the documented standard parameters are sent.
    Test both.
    """

    def __init__(
        self,
        client: AppClient,
        *,
        public_base_url: str,
        auth_token: str,
        start: datetime,
        account_sid: str = "AC" + "0" * 32,
        chars_per_second: float = 14.0,
        redirect_control: Literal["url", "action"] = "url",
        status_callback_path: str = "/twilio/status",
        status_events: Sequence[str] = ("completed",),
        status_callback_source: Literal["call-progress-events", "number"] = "call-progress-events",
        duplicate_status_callbacks: float = 0.0,
        reorder_status_callbacks: bool = False,
        seed: int = 0,
        webhook_latency: float = 0.0,
        verified_caller_ids: Sequence[str] = (),
        queue_dial_details: bool = False,
        first_play_delay: tuple[float, float] = (0.0, 0.0),
        wait_redirect_queue_params: bool = False,
        star_while_waiting: Literal["ends-dial", "ignored"] = "ends-dial",
    ) -> None:
        unknown = set(status_events) - set(STATUS_EVENTS)
        if unknown:
            raise ValueError(f"unknown status events {sorted(unknown)}; choose from {STATUS_EVENTS}")
        if status_callback_source == "number" and set(status_events) != {"completed"}:
            raise ValueError("a number's status callback reports the end of the call only: status_events")
        if not 0.0 <= duplicate_status_callbacks <= 1.0:
            raise ValueError("duplicate_status_callbacks is a probability between 0 and 1")
        if chars_per_second <= 0 or webhook_latency < 0:
            raise ValueError("chars_per_second must be positive and webhook_latency not negative")
        if not 0 <= first_play_delay[0] <= first_play_delay[1]:
            raise ValueError("first_play_delay is (shortest, longest) seconds, 0 ≤ shortest ≤ longest")
        if star_while_waiting not in ("ends-dial", "ignored"):
            raise ValueError('star_while_waiting is "ends-dial" or "ignored"')
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._transport = AppTransport(client, public_base_url=public_base_url, auth_token=auth_token)
        self._kernel = Kernel(_utc(start, "start"))
        self._chars_per_second = chars_per_second
        self._redirect_control = redirect_control
        self._status_callback_url = self._transport.on_app(status_callback_path)
        self._status_events = frozenset(status_events)
        self._status_callback_source = status_callback_source
        self._queue_dial_details = queue_dial_details
        self._duplicate_status_callbacks = duplicate_status_callbacks
        self._reorder_status_callbacks = reorder_status_callbacks
        self._random = random.Random(seed)  # noqa: S311 - reproducible runs, not security
        self._webhook_latency = webhook_latency
        # Validated outgoing numbers: a <Dial callerId> may also be one of these.
        self._verified_caller_ids = frozenset(verified_caller_ids)
        self._first_play_delay = first_play_delay
        self._wait_redirect_queue_params = wait_redirect_queue_params
        self._star_while_waiting = star_while_waiting
        self._rest_throttle: list[int | None] = []
        self._destinations: dict[str, DestinationBehaviour] = {}
        self._calls: dict[str, SimCall] = {}
        self._lines: dict[str, Line] = {}
        self._queues: dict[str, Queue] = {}
        self._call_numbers = itertools.count(1)
        self._queue_numbers = itertools.count(1)
        self._media_seconds: dict[str, float] = {}
        self.events: list[SimEvent] = []
        self.webhooks: list[WebhookRequest] = []
        self.rest_requests: list[RestRequest] = []

    # ------------------------------------------------------------------ public API

    @property
    def now(self) -> datetime:
        return self._kernel.now

    def clock(self) -> datetime:
        """The simulated time; hand ``sim.clock`` to the application as its clock."""
        return self._kernel.now

    @property
    def calls(self) -> Mapping[str, SimCall]:
        return MappingProxyType(self._calls)

    @property
    def errors(self) -> list[SimEvent]:
        """Application errors and failed status callbacks: what a healthy application never causes."""
        return [event for event in self.events if event.kind in ERROR_KINDS]

    def rest_http_client(self) -> HttpClient:
        """An HTTP client for ``twilio.rest.Client(..., http_client=...)`` that talks to this simulator."""
        return SimulatedTwilioHttpClient(_RestOperations(self))

    def set_destination(self, number: str, behaviour: DestinationBehaviour) -> None:
        self._destinations[number] = behaviour

    def create_queue(self, name: str, max_size: int = DEFAULT_MAX_QUEUE_SIZE) -> None:
        """A queue made beforehand, in Twilio's Console or through the REST API.

        ``<Dial><Queue>`` only reaches a queue that exists; ``<Enqueue>`` creates its own.
        """
        self._queue_named(name).max_size = max_size

    def throttle_rest(self, requests: int = 1, *, retry_after: int | None = None) -> None:
        """Answer the next ``requests`` REST requests with HTTP 429 and Twilio's error 20429.

        ``retry_after`` (seconds) is sent as a ``Retry-After`` header; Twilio's error page asks
        clients to back off and retry, and does not promise the header.
        """
        if requests < 0 or (retry_after is not None and retry_after < 0):
            raise ValueError("requests and retry_after must not be negative")
        self._rest_throttle.extend([retry_after] * requests)

    def place_call(
        self,
        *,
        from_: str,
        to: str,
        at: datetime | None = None,
        path: str = "/twilio/voice",
        hang_up_after: float | None = None,
        talk_seconds: float = 120,
        digits: Sequence[tuple[float, str]] = (),
        dial_keys: Sequence[tuple[float, str]] = (),
        call_sid: str | None = None,
    ) -> SimCall:
        """Schedule an inbound call to ``path`` (default: now).

        ``hang_up_after`` is when the caller hangs up, in seconds since the call started;
        ``talk_seconds`` how long the caller talks once connected to an agent. Each ``<Gather>``
        takes the next ``digits`` entry ``(seconds after the Gather started, keys)``; keys that
        come after the Gather gave up, or an empty string, make it time out. Each ``<Dial>`` takes
        the next ``dial_keys`` entry ``(seconds after the Dial started, keys)``: the keys pressed
        while it dials or talks, of which only ``*`` does anything (with ``hangupOnStar``).
        """
        when = self.now if at is None else _utc(at, "at")
        if when < self.now:
            raise ValueError(f"cannot place a call in the past ({when.isoformat()} < {self.now.isoformat()})")
        if call_sid is None:
            call_sid = self._new_call_sid()
        elif not _CALL_SID.match(call_sid) or call_sid in self._calls:
            raise ValueError(f"call_sid {call_sid!r} is not a new CA + 32 lowercase hex digits")
        if any(offset < 0 or not set(keys) <= _KEYS for offset, keys in digits):
            raise ValueError("digits entries are (seconds ≥ 0 after the Gather starts, keys from 0-9 * #)")
        if any(offset < 0 or not set(keys) <= _KEYS for offset, keys in dial_keys):
            raise ValueError("dial_keys entries are (seconds ≥ 0 after the Dial starts, keys from 0-9 * #)")
        call = SimCall(
            sid=call_sid,
            from_=from_,
            to=to,
            path=path,
            started_at=when,
            hang_up_after=hang_up_after,
            talk_seconds=talk_seconds,
            digits=tuple(digits),
            dial_keys=tuple(dial_keys),
        )
        line = Line(call)
        self._calls[call_sid] = call
        self._lines[call_sid] = line
        self._kernel.at(when, lambda: self._start(line))
        if hang_up_after is not None:
            self._kernel.at(when + timedelta(seconds=hang_up_after), lambda: self._hang_up(line, "hangs up"))
        return call

    def run(self, until: datetime | None = None, max_events: int = 1_000_000) -> None:
        """Advance the clock through the scheduled events, up to and including ``until``."""
        end = None if until is None else _utc(until, "until")
        if end is not None and end < self.now:
            raise ValueError(f"cannot run back to {end.isoformat()}; it is {self.now.isoformat()}")
        self._kernel.run(end, max_events)

    def hang_up(self, call_sid: str, at: datetime | None = None) -> None:
        """Let the party on ``call_sid`` hang up at ``at`` (default: now)."""
        line = self._lines[call_sid]
        self._kernel.at(self.now if at is None else _utc(at, "at"), lambda: self._hang_up(line, "hangs up"))

    # ------------------------------------------------------------------ call lifecycle

    def _start(self, line: Line) -> None:
        if line.call.ended_at is not None:  # hung up before it started
            return
        line.call.status = "ringing"
        line.task = Task(self._kernel, self._call_flow(line))
        line.task.start()

    def _call_flow(self, line: Line) -> Flow[None]:
        call = line.call
        self._record(call, "call-start", f"{call.from_} → {call.to}", From=call.from_, To=call.to)
        self._status_event(line, "initiated")
        self._status_event(line, "ringing")
        target = RedirectTarget(url=self._transport.on_app(call.path), method="POST", twiml=None)
        status = "completed"
        try:
            while True:
                try:
                    document = yield from self._load(line, target, MAIN)
                    if not line.answered:
                        self._answer(line, document)
                    yield from self._run_document(line, document, MAIN)
                    break
                except Redirected as redirect:
                    target = redirect.target
        except EndCall as end:
            status = end.status
        except HungUp:
            status = "completed" if line.answered else "canceled"
        except ApplicationError as error:
            self._record(call, "application-error", str(error))
            status = "completed" if line.answered else "failed"
        self._finish(line, status)

    def _answer(self, line: Line, document: Document) -> None:
        # <Reject> as the first verb is the one way not to answer (twilio-semantics §4).
        if document.verbs and isinstance(document.verbs[0], twiml.Reject):
            return
        line.call.answered_at = self.now
        line.call.status = "in-progress"
        self._status_event(line, "answered")

    def _hang_up(self, line: Line, reason: str) -> None:
        call = line.call
        if call.ended_at is not None or line.hanging_up:
            return
        line.hanging_up = True
        self._record(call, "hangup", reason)
        if line.task is None:  # not started yet
            self._finish(line, "canceled")
            return
        call.status = "completed" if line.answered else "canceled"
        line.task.interrupt(HungUp())

    def _finish(self, line: Line, status: str) -> None:
        call = line.call
        call.status = status
        call.ended_at = self.now
        call.queue = None
        self._record(call, "call-end", f"{status} after {call.duration} s", CallStatus=status)
        self._status_event(line, "completed")
        if self._reorder_status_callbacks:
            held, line.held_callbacks = line.held_callbacks, []
            self._random.shuffle(held)
            for params in held:
                self._deliver_status_callback(line, params)

    # ------------------------------------------------------------------ documents

    def _run_document(self, line: Line, document: Document, context: Context) -> Flow[None]:
        """Execute verbs until the document runs out; a verb may hand over to a new document."""
        while True:
            for verb in document.verbs:
                following = yield from self._run_verb(line, document, verb, context)
                if following is not None:
                    document = following
                    break
            else:
                return

    def _run_verb(
        self, line: Line, document: Document, verb: twiml.Verb, context: Context
    ) -> Flow[Document | None]:
        call = line.call
        match verb:
            case twiml.Say() | twiml.Play() | twiml.Pause():
                yield from self._prompt(line, document, verb)
                return None
            case twiml.Gather():
                return (yield from self._gather(line, document, verb, context))
            case twiml.Redirect():
                url = self._transport.absolute(verb.url, relative_to=document.url)
                # Inside the waitUrl loop a redirect is part of waiting, shown with the waitUrl requests.
                kind = "redirect" if context.member is None else "wait-redirect"
                self._record(call, kind, f"<Redirect> to {self._transport.display(url)}", Url=url)
                return (
                    yield from self._fetch(line, url, verb.method, self._context_params(context), context)
                )
            case twiml.Hangup():
                self._record(call, "hangup", "<Hangup/>")
                raise EndCall("completed")
            case twiml.Reject():
                self._record(call, "hangup", f'<Reject reason="{verb.reason}">')
                raise EndCall(
                    "completed" if line.answered else "busy" if verb.reason == "busy" else "no-answer"
                )
            case twiml.Leave():
                raise LeaveQueue()
            case twiml.Enqueue():
                return (yield from self._enqueue(line, document, verb))
            case twiml.Dial():
                return (yield from self._dial(line, document, verb))
        assert_never(verb)

    # ------------------------------------------------------------------ what the caller hears

    def _prompt(
        self, line: Line, document: Document, prompt: twiml.Prompt, stop_after: float | None = None
    ) -> Flow[None]:
        """Play a Say/Play/Pause; ``stop_after`` is when a key press cuts it (inside <Gather>)."""
        if isinstance(prompt, twiml.Play):
            yield from self._download(line, self._transport.absolute(prompt.url, relative_to=document.url))
        kind, detail, data, seconds = self._describe_prompt(document, prompt)
        self._record(line.call, kind, detail, **data)
        play_for = seconds if stop_after is None else min(seconds, stop_after)
        started = self.now
        if play_for > 0:
            try:
                yield Wait(play_for)
            except (Dequeued, Redirected):
                elapsed = (self.now - started).total_seconds()
                self._record(line.call, "cut", f"stopped after {_seconds(elapsed)} of {_seconds(seconds)}")
                raise
        if play_for < seconds:
            self._record(
                line.call, "cut", f"stopped by a key press after {_seconds(play_for)} of {_seconds(seconds)}"
            )

    def _describe_prompt(
        self, document: Document, prompt: twiml.Prompt
    ) -> tuple[str, str, dict[str, str], float]:
        """Event kind, timeline text, event data and total seconds of a prompt."""
        match prompt:
            case twiml.Say():
                each = math.ceil(len(prompt.text) / self._chars_per_second)
                data = {
                    "text": prompt.text,
                    "language": prompt.language,
                    "voice": prompt.voice,
                    "seconds": str(each),
                    "loop": str(prompt.loop),
                }
                return "say", f"«{prompt.text}»{_times(prompt.loop)}", data, float(each * prompt.loop)
            case twiml.Play():
                url = self._transport.absolute(prompt.url, relative_to=document.url)
                length = self._media_length(url)
                data = {"url": url, "seconds": _number(length), "loop": str(prompt.loop)}
                detail = f"{self._transport.display(url)} ({_seconds(length)}){_times(prompt.loop)}"
                return "play", detail, data, length * prompt.loop
            case twiml.Pause():
                return (
                    "pause",
                    f"silence ({prompt.length} s)",
                    {"seconds": str(prompt.length)},
                    float(prompt.length),
                )
        assert_never(prompt)

    def _download(self, line: Line, url: str) -> Flow[None]:
        """The first play of a URL waits for Twilio to fetch the file into its media cache."""
        if url in self._media_seconds:
            return
        low, high = self._first_play_delay
        delay = self._random.uniform(low, high) if high > 0 else 0.0
        self._media_length(url)  # fetched (and cached) now: a file that fails, fails before the wait
        if delay > 0:
            shown = self._transport.display(url)
            detail = f"Twilio fetches {shown} before its first play ({_seconds(delay)})"
            self._record(line.call, "download", detail, url=url, seconds=_number(delay))
            yield Wait(delay)

    def _media_length(self, url: str) -> float:
        # Twilio caches media (twilio-semantics §4), so each URL is downloaded once.
        if url not in self._media_seconds:
            try:
                self._media_seconds[url] = self._transport.media_seconds(url)
            except (ValueError, OutsideApplicationError) as error:
                raise ApplicationError(f"<Play>: {error}") from None
        return self._media_seconds[url]

    # ------------------------------------------------------------------ <Gather>

    def _gather(
        self, line: Line, document: Document, verb: twiml.Gather, context: Context
    ) -> Flow[Document | None]:
        """DTMF input from the call's script (twilio-semantics §4).

        The prompts stop at the first key. Without keys within ``timeout`` seconds after the prompts,
        Twilio continues with the next verb and does not request the action; the same happens when
        the first key is ``finishOnKey``.
        """
        call = line.call
        keys = ""
        press_at: datetime | None = None
        if line.keys_used < len(call.digits):
            offset, keys = call.digits[line.keys_used]
            line.keys_used += 1
            if keys:
                press_at = self.now + timedelta(seconds=offset)
        limits = f"timeout {verb.timeout} s" + (f", numDigits {verb.num_digits}" if verb.num_digits else "")
        self._record(call, "gather", f"waits for keys ({limits})")
        for prompt in verb.prompts:
            if press_at is not None and press_at <= self.now:
                break
            stop_after = None if press_at is None else (press_at - self.now).total_seconds()
            yield from self._prompt(line, document, prompt, stop_after)
        if press_at is None or press_at > self.now + timedelta(seconds=verb.timeout):
            yield Wait(verb.timeout)
            self._record(call, "gather", f"no keys within {verb.timeout} s")
            return None
        yield Wait((press_at - self.now).total_seconds())
        digits, complete = _collect_digits(keys, verb.num_digits, verb.finish_on_key)
        if not complete:
            # Without numDigits or finishOnKey Twilio submits `timeout` seconds after the last key.
            yield Wait(verb.timeout)
        self._record(call, "digits", keys, Digits=digits)
        if not digits:
            return None
        action = (
            document.url
            if verb.action is None
            else self._transport.absolute(verb.action, relative_to=document.url)
        )
        params = self._context_params(context) | {"Digits": digits}
        return (yield from self._fetch(line, action, verb.method, params, context))

    # ------------------------------------------------------------------ <Enqueue> (the caller's side)

    def _enqueue(self, line: Line, document: Document, verb: twiml.Enqueue) -> Flow[Document | None]:
        """Wait in a queue until dequeued, <Leave>, a REST redirect or a hang-up (twilio-semantics §2).

        The action is requested when the call leaves the queue (after the conversation when an agent
        took it) with ``QueueResult``; without an action the call continues after ``<Enqueue>``.
        An agent whose call ends between taking the caller and being connected leaves the caller
        with ``system-error`` (Twilio's "problem connecting" result; the exact value is not documented).
        """
        call = line.call
        queue = self._queue_named(verb.name)
        action = (
            None if verb.action is None else self._transport.absolute(verb.action, relative_to=document.url)
        )
        limit = verb.max_queue_size or queue.max_size
        if len(queue.members) >= limit:
            self._record(call, "queue-full", f"«{queue.name}» is full ({limit} callers)", QueueSid=queue.sid)
            return (yield from self._queue_result(line, action, verb.method, "queue-full", None))
        member = Member(
            line=line, queue=queue, verb=verb, document=document, limit=limit, enqueued_at=self.now
        )
        queue.members.append(member)
        queue.former_members.add(call.sid)
        line.member = member
        call.queue = queue.name
        position = str(len(queue.members))
        self._record(
            call,
            "enqueue",
            f"enters «{queue.name}» at position {position}",
            QueueSid=queue.sid,
            QueuePosition=position,
        )
        for agent in queue.waiting_agents:
            agent.wake()
        try:
            bridge = yield from self._hold(line, member)
            connected = yield from self._connect_caller(line, member, bridge)
            result = "bridged" if connected else "system-error"
        except LeaveQueue:
            self._leave_queue(member, "<Leave/>")
            result = "leave"
        except QueueError:
            self._leave_queue(member, "a document Twilio could not run")
            result = "error"
        except HungUp:
            self._leave_queue(member, "hung up")
            self._ignored_queue_result(
                line, action, verb.method, "bridged" if member.was_bridged else "hangup", member
            )
            raise
        except EndCall:
            self._leave_queue(member, "<Hangup/> in the waitUrl document")
            self._ignored_queue_result(line, action, verb.method, "hangup", member)
            raise
        except ApplicationError:
            self._leave_queue(member, "application error")
            self._ignored_queue_result(line, action, verb.method, "error", member)
            raise
        except Redirected as redirect:
            self._leave_queue(member, "redirected through the REST API")
            result = "redirected-from-bridged" if member.was_bridged else "redirected"
            # Which document then controls the call is not documented (twilio-semantics §7): the
            # `redirect_control` option picks one; the other is still requested, and ignored.
            if self._redirect_control == "url":
                self._ignored_queue_result(line, action, verb.method, result, member)
                raise
            following = yield from self._queue_result(line, action, verb.method, result, member)
            if redirect.target.url is not None:
                self._fetch_ignored(line, redirect.target.url, redirect.target.method, {})
            return following
        line.member = None  # out of the queue since the agent took it, or since <Leave>
        return (yield from self._queue_result(line, action, verb.method, result, member))

    def _hold(self, line: Line, member: Member) -> Flow[Bridge]:
        """The waitUrl loop; returns when an agent takes the caller, raises for any other exit."""
        call = line.call
        verb = member.verb
        try:
            if not verb.wait_url:
                hears = "Twilio's default hold music" if verb.wait_url is None else "nothing (empty waitUrl)"
                self._record(call, "wait-url", hears)
                while True:
                    yield Wait(None)
            url = self._transport.absolute(verb.wait_url, relative_to=member.document.url)
            context = Context("a waitUrl document", twiml.WAIT_VERBS, member)
            while True:
                cycle_started = self.now
                params = member.wait_params(self.now)
                detail = " ".join(
                    f"{name}={params[name]}" for name in ("QueueTime", "QueuePosition", "CurrentQueueSize")
                )
                self._record(call, "wait-url", detail, **params)
                try:
                    document = yield from self._fetch(line, url, verb.wait_url_method, params, context)
                    yield from self._run_document(line, document, context)
                except DocumentError as error:
                    # Twilio: QueueResult "error" is a "TwiML error in <Enqueue> itself or in TwiML
                    # from waitUrl"; the caller leaves the queue and the action is requested.
                    self._record(call, "wait-url-error", str(error))
                    raise QueueError() from None
                if self.now == cycle_started:
                    raise ApplicationError(
                        f"the waitUrl document {self._transport.display(url)} plays nothing; "
                        "Twilio would re-request it without pause"
                    )
        except Dequeued as dequeued:
            return dequeued.bridge

    def _connect_caller(self, line: Line, member: Member, bridge: Bridge) -> Flow[bool]:
        """Play the agent's <Queue url> document to the caller, then talk until the bridge ends.

        Returns False when the agent was gone before the two were connected.
        """
        call, agent = line.call, bridge.agent.call
        if bridge.url is not None:
            params = {
                "QueueSid": member.queue.sid,
                "QueueTime": str(member.queue_time(self.now)),
                "DequeingCallSid": agent.sid,
            }
            try:
                document = yield from self._fetch(line, bridge.url, bridge.method, params, ANNOUNCE)
                yield from self._run_document(line, document, ANNOUNCE)
            except DocumentError as error:
                # The caller's wait ends as for a failing waitUrl document (QueueResult=error); the
                # agent's <Dial> ends without a bridge. Twilio does not document its DialCallStatus
                # for this case: "failed" ("could not be completed") is the one that fits.
                self._record(call, "queue-url-error", str(error))
                bridge.failed = True
                raise QueueError() from None
        if bridge.has_ended():
            return False
        bridge.connected_at = self.now
        self._record(call, "bridged", f"talks with {agent.sid} ({agent.from_})", With=agent.sid)
        self._record(agent, "bridged", f"talks with {call.sid} ({call.from_})", With=call.sid)
        self._kernel.after(call.talk_seconds, lambda: self._end_bridge(bridge))
        while not bridge.has_ended():
            yield Wait(None, wakeable=True)
        return True

    def _queue_result(
        self, line: Line, action: str | None, method: str, result: str, member: Member | None
    ) -> Flow[Document | None]:
        params = self._queue_result_params(line, result, member)
        if action is None:
            return None
        return (yield from self._fetch(line, action, method, params, MAIN))

    def _ignored_queue_result(
        self, line: Line, action: str | None, method: str, result: str, member: Member | None
    ) -> None:
        params = self._queue_result_params(line, result, member)
        if action is not None:
            self._fetch_ignored(line, action, method, params)

    def _queue_result_params(self, line: Line, result: str, member: Member | None) -> dict[str, str]:
        # QueueSid and QueueTime only "if the call was actually enqueued" (twilio-semantics §2).
        params = {"QueueResult": result}
        if member is not None:
            params |= {"QueueSid": member.queue.sid, "QueueTime": str(member.queue_time(self.now))}
        detail = " ".join(f"{name}={value}" for name, value in params.items() if name != "QueueSid")
        self._record(line.call, "queue-result", detail, **params)
        return params

    def _context_params(self, context: Context) -> dict[str, str]:
        if context.member is None or context.member.left_at is not None:
            return {}
        return context.member.wait_params(self.now) if self._wait_redirect_queue_params else {}

    def _queue_named(self, name: str) -> Queue:
        if name not in self._queues:
            self._queues[name] = Queue(
                sid=f"QU{next(self._queue_numbers):032x}",
                name=name,
                max_size=DEFAULT_MAX_QUEUE_SIZE,
                created_at=self.now,
                updated_at=self.now,
            )
        return self._queues[name]

    def _remove_member(self, member: Member, reason: str) -> None:
        if member.left_at is not None:
            return
        member.left_at = self.now
        member.queue.members.remove(member)
        call = member.line.call
        call.queue = None
        queue_time = str(member.queue_time(self.now))
        detail = f"leaves «{member.queue.name}» after {queue_time} s: {reason}"
        self._record(call, "leave", detail, QueueSid=member.queue.sid, QueueTime=queue_time)

    def _leave_queue(self, member: Member, reason: str) -> None:
        """Whatever ended the wait: out of the queue, and an unfinished bridge is ended."""
        self._remove_member(member, reason)
        member.line.member = None
        if member.bridge is not None:
            self._end_bridge(member.bridge)

    def _end_bridge(self, bridge: Bridge) -> None:
        if bridge.has_ended():
            return
        bridge.ended_at = self.now
        if bridge.connected_at is not None:
            talked = whole_seconds(self.now - bridge.connected_at)
            for line in (bridge.caller, bridge.agent):
                self._record(line.call, "bridge-end", f"conversation ended after {talked} s")
        bridge.caller.wake()
        bridge.agent.wake()

    # ------------------------------------------------------------------ <Dial>

    def _dial(self, line: Line, document: Document, verb: twiml.Dial) -> Flow[Document | None]:
        """Dial a number or a queue; the action (if any) then takes over (twilio-semantics §3)."""
        action = (
            None if verb.action is None else self._transport.absolute(verb.action, relative_to=document.url)
        )
        star = self._star_key(line, verb)
        try:
            match verb.target:
                case twiml.DialQueue():
                    params = yield from self._dial_queue(line, document, verb, verb.target, action, star)
                case twiml.DialNumber():
                    params = yield from self._dial_number(line, verb, verb.target, action)
                case _:
                    assert_never(verb.target)
        finally:
            star.active = False
        if action is None:
            return None
        return (yield from self._fetch(line, action, verb.method, params, MAIN))

    def _star_key(self, line: Line, verb: twiml.Dial) -> StarKey:
        """Take this <Dial>'s ``dial_keys`` entry; its first ``*`` is pressed at its offset."""
        star = StarKey()
        call = line.call
        if line.dials_used >= len(call.dial_keys):
            return star
        offset, keys = call.dial_keys[line.dials_used]
        line.dials_used += 1
        if not verb.hangup_on_star or "*" not in keys:
            return star

        def press() -> None:
            if star.active:
                self._record(call, "star", "presses * during <Dial hangupOnStar>")
                star.pressed = True
                line.wake()

        self._kernel.after(offset, press)
        return star

    def _dial_queue(
        self,
        line: Line,
        document: Document,
        verb: twiml.Dial,
        target: twiml.DialQueue,
        action: str | None,
        star: StarKey,
    ) -> Flow[dict[str, str]]:
        """The agent's side: take the front caller, or wait for one until the timeout (+5 s).

        An empty queue at the timeout gives ``DialCallStatus=no-answer`` (inferred, twilio-semantics
        §3); a caller that is gone before being connected gives ``canceled``. A queue that does not
        exist (never created by ``<Enqueue>``, the REST API or :meth:`TwilioSimulator.create_queue`)
        gives an error at once; Twilio does not document the value, ``failed`` is chosen here.

        With ``hangupOnStar`` the agent's ``*`` hangs up on the called party (Twilio's <Dial> page):
        during a conversation it ends the bridge, and the caller continues with its <Enqueue>
        action (``QueueResult=bridged``). What ``*`` does while no caller is connected yet is not
        documented; ``star_while_waiting`` picks a reading: ``ends-dial`` ends the dial
        (``DialCallStatus=completed``, as the page says for a hang-up on star; ``DialBridged=false``)
        or ``ignored``.
        """
        queue = self._queues.get(target.name)
        if queue is None:
            self._record(line.call, "dial", f"queue «{target.name}» does not exist", Queue=target.name)
            return self._queue_dial_sent(line, {"DialCallStatus": "failed"}, {"DialBridged": "false"})
        deadline = self.now + timedelta(seconds=verb.timeout + DIAL_BUFFER_SECONDS)
        self._record(line.call, "dial", f"queue «{queue.name}» (timeout {verb.timeout} s)", Queue=queue.name)
        bridge: Bridge | None = None
        ended_by_star = False
        try:
            while bridge is None and (queue.members or self.now < deadline):
                if queue.members:
                    bridge = self._take_front(queue, line, target, document)
                    break
                if star.pressed:
                    star.pressed = False
                    if self._star_while_waiting == "ends-dial":
                        self._record(line.call, "star", "* ends the dial on the empty queue")
                        ended_by_star = True
                        break
                    self._record(line.call, "star", "* on the empty queue does nothing")
                queue.waiting_agents.append(line)
                try:
                    yield Wait((deadline - self.now).total_seconds(), wakeable=True)
                finally:
                    queue.waiting_agents.remove(line)
            while bridge is not None and not bridge.has_ended():
                if star.pressed:
                    self._record(line.call, "star", "* hangs up on the caller")
                    self._end_bridge(bridge)
                    break
                yield Wait(None, wakeable=True)
        except HungUp:
            if bridge is not None:
                self._end_bridge(bridge)
            params = self._dial_queue_result(line, queue, bridge, gave_up=True)
            self._fetch_ignored(line, action, verb.method, params)
            raise
        except Redirected:
            if bridge is not None:
                self._end_bridge(bridge)
            self._dial_queue_result(line, queue, bridge, gave_up=True)
            raise
        if ended_by_star:
            params = {"QueueSid": queue.sid, "DialCallStatus": "completed"}
            return self._queue_dial_sent(line, params, {"DialBridged": "false"})
        return self._dial_queue_result(line, queue, bridge)

    def _take_front(self, queue: Queue, agent: Line, target: twiml.DialQueue, document: Document) -> Bridge:
        member = queue.members[0]
        url = None if target.url is None else self._transport.absolute(target.url, relative_to=document.url)
        bridge = Bridge(caller=member.line, agent=agent, member=member, url=url, method=target.method)
        member.bridge = bridge
        caller = member.line.call
        self._remove_member(member, f"taken by {agent.call.sid}")
        queue_time = str(member.queue_time(self.now))
        self._record(
            agent.call,
            "dequeue",
            f"takes {caller.sid} from «{queue.name}» (waited {queue_time} s)",
            DialCallSid=caller.sid,
        )
        member.line.interrupt(Dequeued(bridge))
        return bridge

    def _dial_queue_result(
        self, line: Line, queue: Queue, bridge: Bridge | None, *, gave_up: bool = False
    ) -> dict[str, str]:
        """The agent's Dial action after a ``<Queue>``; ``gave_up``: the agent's call hung up or was
        redirected while dialing.

        Twilio documents ``DialCallStatus`` and the queue's parameters here (twilio-semantics §3,
        §13), so that is what is sent. ``DialCallSid``, ``DialCallDuration`` and ``DialBridged``,
        which Twilio does not document after a queue dial, come only with ``queue_dial_details``:
        the application must work with and without them. The event records them all.
        """
        params = {"QueueSid": queue.sid}
        details: dict[str, str] = {}
        if bridge is None:
            params["DialCallStatus"] = "canceled" if gave_up else "no-answer"
            details["DialBridged"] = "false"
        else:
            params["QueueTime"] = str(bridge.member.queue_time(self.now))
            details["DialCallSid"] = bridge.caller.call.sid
            if bridge.connected_at is None:
                params["DialCallStatus"] = "failed" if bridge.failed else "canceled"
                details["DialBridged"] = "false"
            else:
                talked = whole_seconds((bridge.ended_at or self.now) - bridge.connected_at)
                params["DialCallStatus"] = "completed"
                details |= {"DialCallDuration": str(talked), "DialBridged": "true"}
        return self._queue_dial_sent(line, params, details)

    def _queue_dial_sent(self, line: Line, params: dict[str, str], details: dict[str, str]) -> dict[str, str]:
        """Records a queue dial's result with ``details`` and sends them only with ``queue_dial_details``."""
        self._record(line.call, "dial-result", dial_result_detail(params | details), **params, **details)
        return params | details if self._queue_dial_details else params

    def _dial_number(
        self, line: Line, verb: twiml.Dial, target: twiml.DialNumber, action: str | None
    ) -> Flow[dict[str, str]]:
        """Call a number as :meth:`set_destination` says (default: answer after 5 s, talk 60 s)."""
        call = line.call
        behaviour = self._destinations.get(target.number, DestinationBehaviour())
        caller_id = verb.caller_id or call.from_
        window = verb.timeout + DIAL_BUFFER_SECONDS
        child_sid = self._new_call_sid()
        self._record(
            call,
            "dial",
            f"{target.number} (callerId {caller_id}, timeout {verb.timeout} s)",
            Number=target.number,
            CallerId=caller_id,
            DialCallSid=child_sid,
        )
        refused = self._caller_id_refused(call, verb.caller_id)
        if refused is not None:
            self._record(call, "dial-error", refused)
            return self._dial_number_result(line, child_sid, "failed", None)
        answered_at: datetime | None = None
        try:
            if behaviour.outcome == "answer" and behaviour.ring_seconds <= window:
                yield Wait(behaviour.ring_seconds)
                answered_at = self.now
                self._record(call, "dial-answer", f"{target.number} answers")
                yield Wait(behaviour.talk_seconds)
                status = "completed"
            elif behaviour.outcome in ("busy", "failed"):
                yield Wait(min(behaviour.ring_seconds, window))
                status = behaviour.outcome
            else:
                yield Wait(window)
                status = "no-answer"
        except HungUp:
            status = "canceled" if answered_at is None else "completed"
            self._fetch_ignored(
                line, action, verb.method, self._dial_number_result(line, child_sid, status, answered_at)
            )
            raise
        except Redirected:
            self._dial_number_result(
                line, child_sid, "canceled" if answered_at is None else "completed", answered_at
            )
            raise
        return self._dial_number_result(line, child_sid, status, answered_at)

    def _caller_id_refused(self, call: SimCall, caller_id: str | None) -> str | None:
        """Why the leg fails for its caller ID (Twilio error 13214), or ``None`` when it goes out.

        ``callerId`` "must be the calling number, called number, or a validated outgoing number"
        (the numbers of the account: every number called here, and ``verified_caller_ids``).
        Without it Twilio passes the caller's own ID on, and an invalid one (``anonymous``,
        ``Restricted``, empty) "may cause some destination providers to reject the call, and
        Twilio will mark it as failed": simulated strictly, it always fails.
        """
        if caller_id is None:
            if _E164.match(call.from_):
                return None
            return f"13214: the caller's own ID «{call.from_}» is passed on without callerId and refused"
        ours = {other.to for other in self._calls.values()} | self._verified_caller_ids
        if _E164.match(caller_id) and (caller_id in (call.from_, call.to) or caller_id in ours):
            return None
        return f"13214: callerId «{caller_id}» is not the calling, called or a validated number"

    def _dial_number_result(
        self, line: Line, child_sid: str, status: str, answered_at: datetime | None
    ) -> dict[str, str]:
        params = {
            "DialCallStatus": status,
            "DialCallSid": child_sid,
            "DialBridged": str(answered_at is not None).lower(),
        }
        if answered_at is not None:
            params["DialCallDuration"] = str(whole_seconds(self.now - answered_at))
        self._record(line.call, "dial-result", dial_result_detail(params), **params)
        return params

    # ------------------------------------------------------------------ webhooks

    def _load(self, line: Line, target: RedirectTarget, context: Context) -> Flow[Document]:
        if target.url is None:
            source = "the Twiml of a REST update"
            return self._document(target.twiml or "", self._transport.on_app("/"), context, source)
        return (yield from self._fetch(line, target.url, target.method, {}, context))

    def _fetch(
        self, line: Line, url: str, method: str, extra: dict[str, str], context: Context
    ) -> Flow[Document]:
        """Request TwiML: signed, with the standard parameters plus ``extra``; invalid → application error."""
        reply = self._send(line, url, method, extra)
        if self._webhook_latency:
            yield Wait(self._webhook_latency)
        return self._parse(reply, url, context)

    def _fetch_ignored(self, line: Line, url: str | None, method: str, extra: dict[str, str]) -> None:
        """Request TwiML whose answer cannot take effect (the call is gone, or another document rules)."""
        if url is None:
            return
        try:
            self._parse(self._send(line, url, method, extra), url, MAIN)
        except ApplicationError as error:
            self._record(line.call, "application-error", f"{error} (the response was not used)")

    def _send(self, line: Line, url: str, method: str, extra: dict[str, str]) -> Reply:
        call = line.call
        if line.fetch_instant != self.now:
            line.fetch_instant, line.fetches_at_instant = self.now, 0
        line.fetches_at_instant += 1
        if line.fetches_at_instant > MAX_FETCHES_PER_INSTANT:
            raise ApplicationError(
                f"more than {MAX_FETCHES_PER_INSTANT} documents requested without time passing"
                " (a <Redirect> loop?)"
            )
        params = self._standard_params(line) | extra
        try:
            reply = self._transport.webhook(method, url, params)
        except OutsideApplicationError as error:
            raise ApplicationError(str(error)) from None
        self.webhooks.append(
            WebhookRequest(
                at=self.now,
                call_sid=call.sid,
                url=reply.url,
                params=params,
                status_code=reply.status_code,
                body=reply.body,
                method=method,
                signature=reply.signature,
            )
        )
        self._record(
            call, "webhook", f"{method} {self._transport.display(url)} → {reply.status_code}", Url=url
        )
        return reply

    def _parse(self, reply: Reply, url: str, context: Context) -> Document:
        request = f"{reply.method} {self._transport.display(url)}"
        if not 200 <= reply.status_code < 300:
            raise DocumentError(f"{request} answered HTTP {reply.status_code}")
        if reply.content_type not in XML_CONTENT_TYPES:
            raise DocumentError(
                f"{request} answered {reply.content_type or 'without Content-Type'},"
                " not text/xml or application/xml"
            )
        return self._document(reply.body, url, context, request)

    def _document(self, text: str, url: str, context: Context, source: str) -> Document:
        try:
            verbs = twiml.parse_twiml(text, allowed=context.allowed, where=context.where)
        except twiml.TwimlError as error:
            raise DocumentError(f"{source}: {error}") from None
        return Document(url=url, verbs=verbs)

    def _standard_params(self, line: Line) -> dict[str, str]:
        call = line.call
        return {
            "CallSid": call.sid,
            "AccountSid": self.account_sid,
            "From": call.from_,
            "To": call.to,
            "CallStatus": call.status,
            "ApiVersion": "2010-04-01",
            "Direction": "inbound",
        }

    # ------------------------------------------------------------------ status callbacks

    def _status_event(self, line: Line, event: str) -> None:
        """Fire a status callback (twilio-semantics §5, §13).

        Call-progress events (``statusCallbackEvent``) carry ``CallbackSource``, ``SequenceNumber``
        (counting fired events from 0) and ``Timestamp``; a number's plain "call status changes"
        callback (``status_callback_source="number"``) comes once, when the call has ended, with
        the standard parameters and ``CallDuration`` only.
        """
        if event not in self._status_events:
            return
        call = line.call
        params = self._standard_params(line) | {"CallStatus": _CALL_STATUS_OF_EVENT.get(event, call.status)}
        progress = self._status_callback_source == "call-progress-events"
        if progress:
            params |= {
                "CallbackSource": "call-progress-events",
                "SequenceNumber": str(line.status_sequence),
                "Timestamp": format_datetime(self.now),
            }
            line.status_sequence += 1
        if event == "completed" and call.status == "completed":
            seconds = call.duration or 0
            params["CallDuration"] = str(seconds)
            if progress:
                params["Duration"] = str(math.ceil(seconds / 60))
        if self._reorder_status_callbacks:
            line.held_callbacks.append(params)
        else:
            self._deliver_status_callback(line, params)

    def _deliver_status_callback(self, line: Line, params: dict[str, str]) -> None:
        self._post_status_callback(line, params, duplicate=False)
        if self._duplicate_status_callbacks and self._random.random() < self._duplicate_status_callbacks:
            self._post_status_callback(line, params, duplicate=True)

    def _post_status_callback(self, line: Line, params: dict[str, str], *, duplicate: bool) -> None:
        call = line.call
        reply = self._transport.webhook("POST", self._status_callback_url, params)
        self.webhooks.append(
            WebhookRequest(
                at=self.now,
                call_sid=call.sid,
                url=reply.url,
                params=params,
                status_code=reply.status_code,
                body=reply.body,
                signature=reply.signature,
            )
        )
        number = f" #{params['SequenceNumber']}" if "SequenceNumber" in params else ""
        label = f"{params['CallStatus']}{number}" + (" (duplicate)" if duplicate else "")
        self._record(call, "status-callback", f"{label} → {reply.status_code}", **params)
        if reply.status_code not in (200, 204):
            self._record(call, "callback-error", f"status callback {label} answered HTTP {reply.status_code}")

    # ------------------------------------------------------------------ bookkeeping

    def _record(self, call: SimCall | None, kind: str, detail: str, /, **data: str) -> None:
        event = SimEvent(
            at=self.now, call_sid="" if call is None else call.sid, kind=kind, detail=detail, data=data
        )
        self.events.append(event)
        if call is not None:
            call.events.append(event)

    def _new_call_sid(self) -> str:
        while True:
            sid = f"CA{next(self._call_numbers):032x}"
            if sid not in self._calls:
                return sid


class _RestOperations:
    """What REST requests do to calls and queues; the HTTP side is :mod:`simulator.rest`."""

    def __init__(self, sim: TwilioSimulator) -> None:
        self._sim = sim
        self.account_sid = sim.account_sid
        self.auth_token = sim.auth_token

    def now(self) -> datetime:
        return self._sim.now

    def throttle(self) -> Throttled | None:
        """Whether this request is answered 429 (see :meth:`TwilioSimulator.throttle_rest`)."""
        pending = self._sim._rest_throttle
        return Throttled(pending.pop(0)) if pending else None

    def record(self, request: RestRequest, call_sid: str) -> None:
        sim = self._sim
        sim.rest_requests.append(request)
        resource = request.path.removeprefix(f"/2010-04-01/Accounts/{self.account_sid}/")
        detail = f"{request.method} {resource} → {request.status_code}"
        sim._record(sim._calls.get(call_sid), "rest", detail, **request.data)

    def call(self, sid: str) -> SimCall:
        return self._line(sid).call

    def update_call(self, sid: str, target: RedirectTarget | None, status: str | None) -> SimCall:
        """Calls update (twilio-semantics §7): Status ends the call, Url/Twiml moves it."""
        sim = self._sim
        line = self._line(sid)
        live = line.task is not None and line.call.ended_at is None and not line.hanging_up
        if status is not None:
            if status not in ("completed", "canceled"):
                raise RestError(400, 20001, f"Status must be completed or canceled, not {status}")
            # `canceled` only affects a call that is not answered yet (twilio-semantics §7).
            if status == "completed" or not line.answered:
                sim._hang_up(line, f"{status} through the REST API")
            return line.call
        if target is None:
            return line.call
        if not live:
            raise RestError(400, 21220, "Call is not in-progress. Cannot redirect.")
        where = "inline TwiML" if target.url is None else sim._transport.display(target.url)
        sim._record(line.call, "redirect", f"REST API: to {where}", Url=target.url or "")
        if line.member is not None:
            sim._remove_member(line.member, "redirected through the REST API")
        line.interrupt(Redirected(target))
        return line.call

    def queues(self) -> list[QueueView]:
        return [self._view(queue) for queue in self._sim._queues.values()]

    def queue(self, sid: str) -> QueueView:
        return self._view(self._queue(sid))

    def create_queue(self, name: str, max_size: int | None) -> QueueView:
        sim = self._sim
        if name in sim._queues:
            raise RestError(400, 20001, f"A queue named {name} already exists")
        queue = sim._queue_named(name)
        queue.max_size = max_size or DEFAULT_MAX_QUEUE_SIZE
        return self._view(queue)

    def update_queue(self, sid: str, name: str | None, max_size: int | None) -> QueueView:
        queues = self._sim._queues
        queue = self._queue(sid)
        if name is not None and name != queue.name:
            if name in queues:
                raise RestError(400, 20001, f"A queue named {name} already exists")
            queues[name] = queues.pop(queue.name)
            queue.name = name
        if max_size is not None:
            queue.max_size = max_size
        queue.updated_at = self._sim.now
        return self._view(queue)

    def delete_queue(self, sid: str) -> None:
        queue = self._queue(sid)
        if queue.members:
            raise RestError(400, 20001, "Only an empty queue can be removed")
        del self._sim._queues[queue.name]

    def members(self, queue_sid: str) -> list[MemberView]:
        return [self._member_view(member) for member in self._queue(queue_sid).members]

    def member(self, queue_sid: str, which: str) -> MemberView:
        return self._member_view(self._find_member(self._queue(queue_sid), which))

    def dequeue(self, queue_sid: str, which: str, target: RedirectTarget) -> MemberView:
        """Members update: the member leaves the queue for ``target``; its action gets ``redirected``."""
        sim = self._sim
        queue = self._queue(queue_sid)
        member = self._find_member(queue, which)
        view = self._member_view(member)
        where = "inline TwiML" if target.url is None else sim._transport.display(target.url)
        sim._record(
            member.line.call, "redirect", f"REST API (queue member): to {where}", Url=target.url or ""
        )
        sim._remove_member(member, "dequeued through the REST API")
        member.line.interrupt(Redirected(target))
        return view

    def _line(self, sid: str) -> Line:
        if sid not in self._sim._lines:
            raise RestError(404, 20404)
        return self._sim._lines[sid]

    def _queue(self, sid: str) -> Queue:
        for queue in self._sim._queues.values():
            if queue.sid == sid:
                return queue
        raise RestError(404, 20404)

    def _find_member(self, queue: Queue, which: str) -> Member:
        if which == "Front":
            if not queue.members:
                raise RestError(404, 20404)
            return queue.members[0]
        for member in queue.members:
            if member.line.call.sid == which:
                return member
        # Only the first dequeue of a member succeeds; later ones get 400 (twilio-semantics §7).
        if which in queue.former_members:
            raise RestError(400, 21220, f"Call {which} is not in queue {queue.sid}")
        raise RestError(404, 20404)

    def _view(self, queue: Queue) -> QueueView:
        now = self._sim.now
        return QueueView(
            sid=queue.sid,
            friendly_name=queue.name,
            current_size=len(queue.members),
            average_wait_time=queue.average_wait(now),
            max_size=queue.max_size,
            date_created=queue.created_at,
            date_updated=queue.updated_at,
        )

    def _member_view(self, member: Member) -> MemberView:
        queue = member.queue
        return MemberView(
            call_sid=member.line.call.sid,
            queue_sid=queue.sid,
            date_enqueued=member.enqueued_at,
            position=queue.members.index(member) + 1 if member in queue.members else 0,
            wait_time=member.queue_time(self._sim.now),
        )


def _collect_digits(keys: str, num_digits: int | None, finish_on_key: str) -> tuple[str, bool]:
    """The Digits Twilio submits for ``keys``, and whether input ended (finishOnKey or numDigits)."""
    digits = ""
    for key in keys:
        if finish_on_key and key == finish_on_key:
            return digits, True
        digits += key
        if num_digits is not None and len(digits) >= num_digits:
            return digits, True
    return digits, False


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment.astimezone(UTC)


def _number(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:.3f}".rstrip("0")


def _seconds(seconds: float) -> str:
    return f"{int(seconds)} s" if float(seconds).is_integer() else f"{seconds:.1f} s"


def _times(loop: int) -> str:
    return f" ({loop} times)" if loop > 1 else ""
