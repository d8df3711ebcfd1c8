"""``<Dial>``: a number, or a queue through :mod:`simulator.queues` (twilio-semantics §3).

The numbers dialled out behave as :meth:`simulator.TwilioSimulator.set_destination` says; the
``<Dial>`` action, the ``dial_keys`` of the call's script (``hangupOnStar``) and Twilio's checks on
the caller ID are the same for both targets.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import assert_never

from simulator import twiml
from simulator.kernel import Flow, Wait
from simulator.queues import Queues
from simulator.records import DestinationBehaviour, SimCall, whole_seconds
from simulator.state import (
    DIAL_BUFFER_SECONDS,
    MAIN,
    Document,
    HungUp,
    Line,
    Redirected,
    StarKey,
    dial_result_detail,
)
from simulator.voice import VoicePlatform

_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")


class Dialer:
    """Runs ``<Dial>``; ``verified_caller_ids`` are the account's validated outgoing numbers."""

    def __init__(
        self, platform: VoicePlatform, queues: Queues, *, verified_caller_ids: frozenset[str]
    ) -> None:
        self._platform = platform
        self._queues = queues
        # Validated outgoing numbers: a <Dial callerId> may also be one of these.
        self._verified_caller_ids = verified_caller_ids
        self.destinations: dict[str, DestinationBehaviour] = {}

    def dial(self, line: Line, document: Document, verb: twiml.Dial) -> Flow[Document | None]:
        """Dial a number or a queue; the action (if any) then takes over (twilio-semantics §3)."""
        platform = self._platform
        action = (
            None
            if verb.action is None
            else platform.transport.absolute(verb.action, relative_to=document.url)
        )
        star = self._star_key(line, verb)
        try:
            match verb.target:
                case twiml.DialQueue():
                    params = yield from self._queues.dial_queue(
                        line, document, verb, verb.target, action, star
                    )
                case twiml.DialNumber():
                    params = yield from self._dial_number(line, verb, verb.target, action)
                case _:
                    assert_never(verb.target)
        finally:
            star.active = False
        if action is None:
            return None
        return (yield from platform.fetch(line, action, verb.method, params, MAIN))

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
                self._platform.record(call, "star", "presses * during <Dial hangupOnStar>")
                star.pressed = True
                line.wake()

        self._platform.kernel.after(offset, press)
        return star

    def _dial_number(
        self, line: Line, verb: twiml.Dial, target: twiml.DialNumber, action: str | None
    ) -> Flow[dict[str, str]]:
        """Call a number as ``set_destination`` says (default: answer after 5 s, talk 60 s)."""
        platform = self._platform
        call = line.call
        behaviour = self.destinations.get(target.number, DestinationBehaviour())
        caller_id = verb.caller_id or call.from_
        window = verb.timeout + DIAL_BUFFER_SECONDS
        child_sid = platform.new_call_sid()
        platform.record(
            call,
            "dial",
            f"{target.number} (callerId {caller_id}, timeout {verb.timeout} s)",
            Number=target.number,
            CallerId=caller_id,
            DialCallSid=child_sid,
        )
        refused = self._caller_id_refused(call, verb.caller_id)
        if refused is not None:
            platform.record(call, "dial-error", refused)
            return self._dial_number_result(line, child_sid, "failed", None)
        answered_at: datetime | None = None
        try:
            if behaviour.outcome == "answer" and behaviour.ring_seconds <= window:
                yield Wait(behaviour.ring_seconds)
                answered_at = platform.now
                platform.record(call, "dial-answer", f"{target.number} answers")
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
            platform.fetch_ignored(
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
        ours = {other.to for other in self._platform.calls.values()} | self._verified_caller_ids
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
            params["DialCallDuration"] = str(whole_seconds(self._platform.now - answered_at))
        self._platform.record(line.call, "dial-result", dial_result_detail(params), **params)
        return params
