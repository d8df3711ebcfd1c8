"""The simulated Twilio Programmable Voice platform, as a webhook application sees it.

Every call is a process on the kernel's fake clock (see :mod:`simulator.kernel`) that executes the
application's TwiML verb by verb (:mod:`simulator.verbs`). Queues and bridges between a caller and
an agent (:mod:`simulator.queues`), ``<Dial>`` (:mod:`simulator.dial`) and the legs it dials
(:mod:`simulator.legs`), ``<Record>`` and its recordings (:mod:`simulator.recording`), and the
REST operations (:mod:`simulator.operations`, :mod:`simulator.media`) act on shared
state (:mod:`simulator.state`, :mod:`simulator.voice`). This module wires them together and runs
each call from its first webhook to its end. The behaviour follows the project's Twilio reference
(twilio-semantics §§1–8, 13); where Twilio's documentation is silent the choice made here is
stated next to the code.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Literal

import httpx
from twilio.http import HttpClient

from simulator import twiml
from simulator.dial import Dialer
from simulator.kernel import Flow, Kernel, Task
from simulator.media import TwilioApiTransport
from simulator.operations import RestOperations
from simulator.queues import DEFAULT_MAX_QUEUE_SIZE, Queues
from simulator.recording import EmptyRecording, Recorder
from simulator.records import (
    E164,
    KEYS,
    DestinationBehaviour,
    DialledLeg,
    RecordingView,
    RestRequest,
    Said,
    SimCall,
    SimEvent,
    WebhookRequest,
    script_problem,
)
from simulator.rest import RedirectTarget, SimulatedTwilioHttpClient
from simulator.state import MAIN, ApplicationError, Document, EndCall, HungUp, Line, Redirected
from simulator.trace import dialled_legs
from simulator.transport import AppClient, AppTransport
from simulator.verbs import Verbs
from simulator.voice import VoicePlatform

STATUS_EVENTS = ("initiated", "ringing", "answered", "completed")

# What a healthy application never causes: an application error ends the call; a waitUrl or
# <Queue url> document Twilio cannot run ends the caller's wait (QueueResult=error); a <Dial>
# with a caller ID Twilio refuses (error 13214) fails; a status callback answered with an error.
ERROR_KINDS = ("application-error", "wait-url-error", "queue-url-error", "dial-error", "callback-error")
_CALL_SID = re.compile(r"^CA[0-9a-f]{32}$")


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

    ``account_numbers``: the account's own Twilio numbers, which a ``<Dial callerId>`` may show
    (besides the calling and called numbers, the numbers inbound calls were made to, and
    ``verified_caller_ids``). ``url_hangup_status``: the ``DialCallStatus`` a ``<Dial action>``
    gets when the ``<Number url>`` document hung up on the called party before the bridge, which
    Twilio does not document: ``completed`` (answered; ``DialBridged=false``) or ``no-answer``.
    Test both.

    ``<Record>`` (:mod:`simulator.recording`): ``empty_recording`` is whether an empty recording
    requests the action (``requested``) or goes on with the next verb (``skipped``), which
    Twilio's pages say differently; test both. A recording is available
    ``recording_processing_seconds`` after it ended, never before the action request.
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
        account_numbers: Sequence[str] = (),
        url_hangup_status: Literal["completed", "no-answer"] = "completed",
        empty_recording: EmptyRecording = "skipped",
        recording_processing_seconds: float = 0.0,
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
        if url_hangup_status not in ("completed", "no-answer"):
            raise ValueError('url_hangup_status is "completed" or "no-answer"')
        if empty_recording not in ("skipped", "requested") or recording_processing_seconds < 0:
            raise ValueError('empty_recording is "skipped" or "requested"; recording_processing_seconds ≥ 0')
        not_numbers = [
            number for number in (*account_numbers, *verified_caller_ids) if not E164.match(number)
        ]
        if not_numbers:
            raise ValueError(f"account_numbers and verified_caller_ids are E.164 numbers, not {not_numbers}")
        self.account_sid = account_sid
        self.auth_token = auth_token
        transport = AppTransport(client, public_base_url=public_base_url, auth_token=auth_token)
        self._kernel = Kernel(_utc(start, "start"))
        self._platform = VoicePlatform(
            self._kernel,
            transport,
            account_sid=account_sid,
            random=random.Random(seed),  # noqa: S311 - reproducible runs, not security
            webhook_latency=webhook_latency,
            status_callback_url=transport.on_app(status_callback_path),
            status_events=frozenset(status_events),
            status_callback_source=status_callback_source,
            duplicate_status_callbacks=duplicate_status_callbacks,
            reorder_status_callbacks=reorder_status_callbacks,
        )
        self._queues = Queues(
            self._platform,
            redirect_control=redirect_control,
            queue_dial_details=queue_dial_details,
            star_while_waiting=star_while_waiting,
        )
        self._dialer = Dialer(
            self._platform,
            self._queues,
            verified_caller_ids=frozenset(verified_caller_ids),
            account_numbers=frozenset(account_numbers),
            star_while_waiting=star_while_waiting,
            url_hangup_status=url_hangup_status,
            place_call=self.place_call,
        )
        self._recorder = Recorder(
            self._platform,
            chars_per_second=chars_per_second,
            empty_recording=empty_recording,
            processing_seconds=recording_processing_seconds,
        )
        self._verbs = Verbs(
            self._platform,
            self._queues,
            self._dialer,
            self._recorder,
            chars_per_second=chars_per_second,
            first_play_delay=first_play_delay,
            wait_redirect_queue_params=wait_redirect_queue_params,
        )
        self._rest_throttle: list[int | None] = []

    # ------------------------------------------------------------------ public API

    @property
    def now(self) -> datetime:
        return self._kernel.now

    def clock(self) -> datetime:
        """The simulated time; hand ``sim.clock`` to the application as its clock."""
        return self._kernel.now

    @property
    def calls(self) -> Mapping[str, SimCall]:
        """Every call: the inbound calls placed, and the legs their ``<Dial>`` called (``parent_sid``)."""
        return MappingProxyType(self._platform.calls)

    @property
    def events(self) -> list[SimEvent]:
        """Everything that happened, in order; each call also keeps its own (``SimCall.events``)."""
        return self._platform.events

    @property
    def webhooks(self) -> list[WebhookRequest]:
        """The signed requests sent to the application: TwiML fetches and status callbacks."""
        return self._platform.webhooks

    @property
    def rest_requests(self) -> list[RestRequest]:
        """The application's requests to the simulated REST API, answered or refused."""
        return self._platform.rest_requests

    @property
    def errors(self) -> list[SimEvent]:
        """Application errors and failed status callbacks: what a healthy application never causes."""
        return [event for event in self.events if event.kind in ERROR_KINDS]

    def rest_http_client(self) -> HttpClient:
        """An HTTP client for ``twilio.rest.Client(..., http_client=...)`` that talks to this simulator."""
        return SimulatedTwilioHttpClient(self._rest_operations())

    def httpx_transport(self) -> httpx.BaseTransport:
        """A transport for ``httpx.Client(transport=...)`` that answers as api.twilio.com, audio included."""
        return TwilioApiTransport(self._rest_operations())

    def recordings(self) -> list[RecordingView]:
        """Every recording a ``<Record>`` made, in the order they started."""
        return [recording.view() for recording in self._recorder.recordings.values()]

    def recording_audio(self, sid: str, extension: Literal["wav", "mp3"] = "wav") -> bytes:
        """The file of a completed recording, as its media URL serves it; ``KeyError`` for any other."""
        return self._recorder.audio(sid, extension)

    def _rest_operations(self) -> RestOperations:
        return RestOperations(
            self._platform,
            self._queues,
            self._recorder,
            auth_token=self.auth_token,
            throttle=self._rest_throttle,
        )

    def dialled_legs(self, call_sid: str | None = None) -> list[DialledLeg]:
        """The numbers dialled so far (by ``call_sid`` only, if given), in order, summed up from the trace."""
        return dialled_legs(self._platform.events, self._platform.calls, self._platform.webhooks, call_sid)

    def set_destination(self, number: str, behaviour: DestinationBehaviour) -> None:
        """How ``number`` behaves when a ``<Dial>`` calls it (default: ``DestinationBehaviour()``).

        A person who calls back later is scripted with the behaviour's ``call_back``, or simply
        with :meth:`place_call` ``(from_=number, at=...)`` at the moment of one's choosing.
        """
        if not E164.match(number):
            raise ValueError(f"set_destination: {number!r} is not an E.164 number")
        self._dialer.destinations[number] = behaviour

    def create_queue(self, name: str, max_size: int = DEFAULT_MAX_QUEUE_SIZE) -> None:
        """A queue made beforehand, in Twilio's Console or through the REST API.

        ``<Dial><Queue>`` only reaches a queue that exists; ``<Enqueue>`` creates its own.
        """
        self._queues.named(name).max_size = max_size

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
        digits: Sequence[tuple[float, str | Said]] = (),
        dial_keys: Sequence[tuple[float, str]] = (),
        call_sid: str | None = None,
    ) -> SimCall:
        """Schedule an inbound call to ``path`` (default: now).

        ``hang_up_after`` is when the caller hangs up, in seconds since the call started;
        ``talk_seconds`` how long the caller talks once connected to an agent. Each ``<Gather>``
        takes the next ``digits`` entry ``(seconds after the Gather started, keys)``; keys that
        come after the Gather gave up, or an empty string, make it time out. Each ``<Record>``
        takes the next entry too: words (``Said``, ``Speech``) or keys (:mod:`simulator.recording`).
        Each ``<Dial>`` takes the next ``dial_keys`` entry ``(seconds after the Dial started,
        keys)``: the keys pressed while it dials or talks, of which only ``*`` does anything (with
        ``hangupOnStar``).
        """
        when = self.now if at is None else _utc(at, "at")
        if when < self.now:
            raise ValueError(f"cannot place a call in the past ({when.isoformat()} < {self.now.isoformat()})")
        if call_sid is None:
            call_sid = self._platform.new_call_sid()
        elif not _CALL_SID.match(call_sid) or call_sid in self._platform.calls:
            raise ValueError(f"call_sid {call_sid!r} is not a new CA + 32 lowercase hex digits")
        problem = script_problem(digits)
        if problem is not None:
            raise ValueError(problem)
        if any(offset < 0 or not set(keys) <= KEYS for offset, keys in dial_keys):
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
        self._platform.calls[call_sid] = call
        self._platform.lines[call_sid] = line
        self._kernel.at(when, lambda: self._start(line))
        if hang_up_after is not None:
            self._kernel.at(
                when + timedelta(seconds=hang_up_after), lambda: self._platform.hang_up(line, "hangs up")
            )
        return call

    def run(self, until: datetime | None = None, max_events: int = 1_000_000) -> None:
        """Advance the clock through the scheduled events, up to and including ``until``."""
        end = None if until is None else _utc(until, "until")
        if end is not None and end < self.now:
            raise ValueError(f"cannot run back to {end.isoformat()}; it is {self.now.isoformat()}")
        self._kernel.run(end, max_events)

    def hang_up(self, call_sid: str, at: datetime | None = None) -> None:
        """Let the party on ``call_sid`` hang up at ``at`` (default: now)."""
        line = self._platform.lines[call_sid]
        self._kernel.at(
            self.now if at is None else _utc(at, "at"), lambda: self._platform.hang_up(line, "hangs up")
        )

    # ------------------------------------------------------------------ call lifecycle

    def _start(self, line: Line) -> None:
        if line.call.ended_at is not None:  # hung up before it started
            return
        line.call.status = "ringing"
        line.task = Task(self._kernel, self._call_flow(line))
        line.task.start()

    def _call_flow(self, line: Line) -> Flow[None]:
        platform = self._platform
        call = line.call
        platform.record(call, "call-start", f"{call.from_} → {call.to}", From=call.from_, To=call.to)
        platform.status_event(line, "initiated")
        platform.status_event(line, "ringing")
        target = RedirectTarget(url=platform.transport.on_app(call.path), method="POST", twiml=None)
        status = "completed"
        try:
            while True:
                try:
                    document = yield from platform.load(line, target, MAIN)
                    if not line.answered:
                        self._answer(line, document)
                    yield from self._verbs.run_document(line, document, MAIN)
                    break
                except Redirected as redirect:
                    target = redirect.target
        except EndCall as end:
            status = end.status
        except HungUp:
            status = "completed" if line.answered else "canceled"
        except ApplicationError as error:
            platform.record(call, "application-error", str(error))
            status = "completed" if line.answered else "failed"
        platform.finish(line, status)

    def _answer(self, line: Line, document: Document) -> None:
        # <Reject> as the first verb is the one way not to answer (twilio-semantics §4).
        if document.verbs and isinstance(document.verbs[0], twiml.Reject):
            return
        line.call.answered_at = self.now
        line.call.status = "in-progress"
        self._platform.status_event(line, "answered")


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment.astimezone(UTC)
