"""What every part of the simulated Programmable Voice shares: the clock, the calls and their record.

Fetching TwiML from the application (signed webhooks, twilio-semantics §1), status callbacks
(§5, §13) and the end of a call live here because the call flow, the verbs, the queues and the
REST operations all need them.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from datetime import datetime
from email.utils import format_datetime
from random import Random
from typing import Literal

from simulator import twiml
from simulator.kernel import Flow, Kernel, Wait
from simulator.records import RestRequest, SimCall, SimEvent, WebhookRequest
from simulator.rest import RedirectTarget
from simulator.state import MAIN, ApplicationError, Context, Document, DocumentError, HungUp, Line
from simulator.transport import XML_CONTENT_TYPES, AppTransport, OutsideApplicationError, Reply
from simulator.twiml_values import TwimlError

# A TwiML loop that never lets time pass (a document redirecting to itself) would hang the
# simulation; Twilio would keep fetching. Stop it as an application error instead.
MAX_FETCHES_PER_INSTANT = 100
_CALL_STATUS_OF_EVENT = {"initiated": "initiated", "ringing": "ringing", "answered": "in-progress"}


class VoicePlatform:
    """The clock, the calls, the record of what happened, and the requests to the application.

    The status callback options are :class:`simulator.TwilioSimulator`'s; ``random`` is the run's
    one seeded generator, shared with the verbs so that a seed reproduces the whole run.
    """

    def __init__(
        self,
        kernel: Kernel,
        transport: AppTransport,
        *,
        account_sid: str,
        random: Random,
        webhook_latency: float,
        status_callback_url: str,
        status_events: frozenset[str],
        status_callback_source: Literal["call-progress-events", "number"],
        duplicate_status_callbacks: float,
        reorder_status_callbacks: bool,
    ) -> None:
        self.kernel = kernel
        self.transport = transport
        self.account_sid = account_sid
        self.random = random
        self._webhook_latency = webhook_latency
        self._status_callback_url = status_callback_url
        self._status_events = status_events
        self._status_callback_source = status_callback_source
        self._duplicate_status_callbacks = duplicate_status_callbacks
        self._reorder_status_callbacks = reorder_status_callbacks
        self.calls: dict[str, SimCall] = {}
        self.lines: dict[str, Line] = {}
        self._call_numbers = itertools.count(1)
        self.events: list[SimEvent] = []
        self.webhooks: list[WebhookRequest] = []
        self.rest_requests: list[RestRequest] = []

    @property
    def now(self) -> datetime:
        return self.kernel.now

    def record(self, call: SimCall | None, kind: str, detail: str, /, **data: str) -> None:
        event = SimEvent(
            at=self.now, call_sid="" if call is None else call.sid, kind=kind, detail=detail, data=data
        )
        self.events.append(event)
        if call is not None:
            call.events.append(event)

    def new_call_sid(self) -> str:
        while True:
            sid = f"CA{next(self._call_numbers):032x}"
            if sid not in self.calls:
                return sid

    # ------------------------------------------------------------------ the end of a call

    def hang_up(self, line: Line, reason: str) -> None:
        call = line.call
        if call.ended_at is not None or line.hanging_up:
            return
        line.hanging_up = True
        self.record(call, "hangup", reason)
        if line.task is None:  # not started yet
            self.finish(line, "canceled")
            return
        call.status = "completed" if line.answered else "canceled"
        line.task.interrupt(HungUp())

    def finish(self, line: Line, status: str) -> None:
        call = line.call
        call.status = status
        call.ended_at = self.now
        call.queue = None
        self.record(call, "call-end", f"{status} after {call.duration} s", CallStatus=status)
        self.status_event(line, "completed")
        if self._reorder_status_callbacks:
            held, line.held_callbacks = line.held_callbacks, []
            self.random.shuffle(held)
            for params in held:
                self._deliver_status_callback(line, params)

    # ------------------------------------------------------------------ webhooks

    def load(self, line: Line, target: RedirectTarget, context: Context) -> Flow[Document]:
        if target.url is None:
            source = "the Twiml of a REST update"
            document = self._document(target.twiml or "", self.transport.on_app("/"), context, source)
            return replace(document, inline=True)
        return (yield from self.fetch(line, target.url, target.method, {}, context))

    def fetch(
        self, line: Line, url: str, method: str, extra: dict[str, str], context: Context
    ) -> Flow[Document]:
        """Request TwiML: signed, with the standard parameters plus ``extra``; invalid → application error."""
        reply = self._send(line, url, method, extra)
        if self._webhook_latency:
            yield Wait(self._webhook_latency)
        return self._parse(reply, url, context)

    def fetch_ignored(self, line: Line, url: str | None, method: str, extra: dict[str, str]) -> None:
        """Request TwiML whose answer cannot take effect (the call is gone, or another document rules)."""
        if url is None:
            return
        try:
            self._parse(self._send(line, url, method, extra), url, MAIN)
        except ApplicationError as error:
            self.record(line.call, "application-error", f"{error} (the response was not used)")

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
            reply = self.transport.webhook(method, url, params)
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
        self.record(call, "webhook", f"{method} {self.transport.display(url)} → {reply.status_code}", Url=url)
        return reply

    def _parse(self, reply: Reply, url: str, context: Context) -> Document:
        request = f"{reply.method} {self.transport.display(url)}"
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
        except TwimlError as error:
            raise DocumentError(f"{source}: {error}") from None
        return Document(url=url, verbs=verbs)

    def _standard_params(self, line: Line) -> dict[str, str]:
        # A leg dialled by <Dial> is an `outbound-dial` call and names the call that created it.
        call = line.call
        params = {
            "CallSid": call.sid,
            "AccountSid": self.account_sid,
            "From": call.from_,
            "To": call.to,
            "CallStatus": call.status,
            "ApiVersion": "2010-04-01",
            "Direction": call.direction,
        }
        if call.parent_sid is not None:
            params["ParentCallSid"] = call.parent_sid
        return params

    # ------------------------------------------------------------------ status callbacks

    def status_event(self, line: Line, event: str) -> None:
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
        if self._duplicate_status_callbacks and self.random.random() < self._duplicate_status_callbacks:
            self._post_status_callback(line, params, duplicate=True)

    def _post_status_callback(self, line: Line, params: dict[str, str], *, duplicate: bool) -> None:
        call = line.call
        reply = self.transport.webhook("POST", self._status_callback_url, params)
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
        self.record(call, "status-callback", f"{label} → {reply.status_code}", **params)
        if reply.status_code not in (200, 204):
            self.record(call, "callback-error", f"status callback {label} answered HTTP {reply.status_code}")
