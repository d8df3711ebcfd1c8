"""``<Dial>``: a number through :mod:`simulator.legs`, or a queue through :mod:`simulator.queues`.

The numbers dialled out behave as :meth:`simulator.TwilioSimulator.set_destination` says; the
``<Dial>`` action, the ``dial_keys`` of the call's script (``hangupOnStar``) and Twilio's checks on
the caller ID are the same for both targets (twilio-semantics §3).
"""

from __future__ import annotations

from typing import Literal, assert_never

from simulator import twiml
from simulator.kernel import Flow, Wait
from simulator.legs import Legs, PlaceCall
from simulator.queues import Queues
from simulator.records import E164, DestinationBehaviour, SimCall, whole_seconds
from simulator.state import (
    MAIN,
    Document,
    HungUp,
    Leg,
    Line,
    Redirected,
    RunDocument,
    StarKey,
    dial_result_detail,
)
from simulator.voice import VoicePlatform


class Dialer:
    """Runs ``<Dial>``; the options are :class:`simulator.TwilioSimulator`'s of those names.

    ``verified_caller_ids`` are the account's validated outgoing numbers and ``account_numbers``
    its own Twilio numbers: with the calling and called numbers of the call, and every number the
    simulation's inbound calls were made to, they are what a ``callerId`` may be.
    """

    def __init__(
        self,
        platform: VoicePlatform,
        queues: Queues,
        *,
        verified_caller_ids: frozenset[str],
        account_numbers: frozenset[str],
        star_while_waiting: Literal["ends-dial", "ignored"],
        url_hangup_status: Literal["completed", "no-answer"],
        place_call: PlaceCall,
    ) -> None:
        self._platform = platform
        self._queues = queues
        self._verified_caller_ids = verified_caller_ids
        self._account_numbers = account_numbers
        self._star_while_waiting = star_while_waiting
        self._url_hangup_status = url_hangup_status
        self._legs = Legs(platform, place_call=place_call)
        self.destinations: dict[str, DestinationBehaviour] = {}

    def dial(
        self, line: Line, document: Document, verb: twiml.Dial, run_document: RunDocument
    ) -> Flow[Document | None]:
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
                    params = yield from self._dial_number(
                        line, document, verb, verb.target, action, star, run_document
                    )
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
        self,
        line: Line,
        document: Document,
        verb: twiml.Dial,
        target: twiml.DialNumber,
        action: str | None,
        star: StarKey,
        run_document: RunDocument,
    ) -> Flow[dict[str, str]]:
        """Call a number as ``set_destination`` says (default: a person answers after 5 s, talks 60 s).

        With ``hangupOnStar`` the caller's ``*`` hangs up on the called party once they are
        connected: ``DialCallStatus=completed``, ``DialBridged=true``. What ``*`` does before that
        (while it rings, during detection or the ``<Number url>`` document) is not documented; the
        queue dial's ``star_while_waiting`` reading applies: ``ends-dial`` ends the leg
        (``completed``, ``DialBridged=false``), ``ignored`` does nothing.
        """
        platform = self._platform
        call = line.call
        behaviour = self.destinations.get(target.number, DestinationBehaviour())
        caller_id = verb.caller_id or call.from_
        leg = self._legs.create(
            line, target, behaviour, caller_id=caller_id, timeout=verb.timeout, document_url=document.url
        )
        detection = target.machine_detection
        platform.record(
            call,
            "dial",
            f"{target.number} (callerId {caller_id}, timeout {verb.timeout} s)",
            Number=target.number,
            CallerId=caller_id,
            DialCallSid=leg.sid,
            Timeout=str(verb.timeout),
            MachineDetection="" if detection is None else detection.mode,
            Url="" if target.url is None else target.url,
        )
        refused = self._refused(call, verb.caller_id, target.number)
        if refused is not None:
            platform.record(call, "dial-error", refused)
            self._legs.fail(leg)
            return self._dial_number_result(line, leg)
        self._legs.start(leg, run_document)
        ended_by_star = False
        try:
            while not leg.has_ended():
                if star.pressed:
                    star.pressed = False
                    ended_by_star = self._star(line, leg) or ended_by_star
                yield Wait(None, wakeable=True)
        except HungUp:
            self._legs.hang_up(leg, "the caller hung up")
            platform.fetch_ignored(line, action, verb.method, self._dial_number_result(line, leg))
            raise
        except Redirected:
            self._legs.hang_up(leg, "the caller's call was redirected")
            self._dial_number_result(line, leg)
            raise
        return self._dial_number_result(line, leg, ended_by_star=ended_by_star)

    def _star(self, line: Line, leg: Leg) -> bool:
        """The caller's ``*`` during a number dial; True when it ends the dial before the bridge."""
        record = self._platform.record
        if leg.bridged_at is not None:
            record(line.call, "star", "* hangs up on the called party")
            self._legs.hang_up(leg, "the caller pressed * (hangupOnStar)")
            return False
        if self._star_while_waiting == "ends-dial":
            record(line.call, "star", "* ends the dial before the called party is connected")
            self._legs.hang_up(leg, "the caller pressed * (hangupOnStar) before the bridge")
            return True
        record(line.call, "star", "* before the called party is connected does nothing")
        return False

    def _refused(self, call: SimCall, caller_id: str | None, number: str) -> str | None:
        """Why Twilio does not place the leg, or ``None`` when it goes out."""
        if not E164.match(number):
            # Twilio's 13223/13224: a number to dial is in E.164 (+, country code, at most 15 digits).
            return f"13223: «{number}» is not an E.164 number"
        return self._caller_id_refused(call, caller_id)

    def _caller_id_refused(self, call: SimCall, caller_id: str | None) -> str | None:
        """Why the leg fails for its caller ID (Twilio error 13214), or ``None`` when it goes out.

        ``callerId`` "must be the calling number, called number, or a validated outgoing number"
        (the numbers of the account: ``account_numbers``, every number an inbound call was made
        to, and ``verified_caller_ids``). Without it Twilio passes the caller's own ID on, and an
        invalid one (``anonymous``, ``Restricted``, empty) "may cause some destination providers to
        reject the call, and Twilio will mark it as failed": simulated strictly, it always fails.
        """
        if caller_id is None:
            if E164.match(call.from_):
                return None
            return f"13214: the caller's own ID «{call.from_}» is passed on without callerId and refused"
        if E164.match(caller_id) and (
            caller_id in (call.from_, call.to) or caller_id in self._account_caller_ids()
        ):
            return None
        return f"13214: callerId «{caller_id}» is not the calling, called or a validated number"

    def _account_caller_ids(self) -> set[str]:
        called = {other.to for other in self._platform.calls.values() if other.direction == "inbound"}
        return called | self._account_numbers | self._verified_caller_ids

    def _dial_number_result(self, line: Line, leg: Leg, *, ended_by_star: bool = False) -> dict[str, str]:
        """The ``<Dial action>`` parameters of a number dial, recorded as ``dial-result``.

        What Twilio sends when the ``<Number url>`` document ended the leg before the bridge is
        not documented: ``url_hangup_status`` picks ``completed`` (answered, not bridged) or
        ``no-answer``. A leg still going when the caller hangs up or is redirected is ``canceled``
        while it rings and ``completed`` once answered.
        """
        if leg.bridged_at is not None or ended_by_star:
            status = "completed"
        elif leg.screened_out:
            status = self._url_hangup_status
        elif leg.answered_at is not None:
            status = "completed"
        else:
            status = leg.status or "canceled"
        params = {
            "DialCallStatus": status,
            "DialCallSid": leg.sid,
            "DialBridged": str(leg.bridged_at is not None).lower(),
        }
        if leg.answered_at is not None and status == "completed":
            ended = leg.ended_at or self._platform.now
            params["DialCallDuration"] = str(whole_seconds(ended - leg.answered_at))
        self._platform.record(line.call, "dial-result", dial_result_detail(params), **params)
        return params
