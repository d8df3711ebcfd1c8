"""A number dialled by ``<Dial>``: the called party's leg, from its rings to its end.

The leg is a call of its own (``Direction=outbound-dial``, ``ParentCallSid`` the dialling call)
that runs as its own process: it rings, is busy, fails or is answered as
:meth:`simulator.TwilioSimulator.set_destination` says. Once answered, answering-machine
detection runs if the ``<Number>`` asks for it (:mod:`simulator.amd`), then the ``<Number url>``
document runs on the called party's end (the caller hears nothing of it and keeps hearing the
ringing tone); when it runs out the two are connected, a ``<Hangup/>`` there ends the leg without
connecting them (Twilio's ``<Number>`` page). The dialling call's process (:mod:`simulator.dial`)
waits for the leg and ends it for a hang-up, a redirect or the caller's ``*``.

The leg's trace is its own: ``ring``, ``leg-answer``, ``amd``, the verbs of its documents (a
``leg-verb`` event for each, with the events the verbs record as on any call), ``leg-bridged``,
``leg-hangup`` and ``leg-end`` (``CallStatus``, ``Bridged``, ``TalkSeconds``). A leg sends no
status callbacks (a ``<Number statusCallback>`` is not simulated) and the simulated REST API does
not know it (404), so an application cannot come to rely on either unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from simulator import twiml
from simulator.amd import detect
from simulator.kernel import Flow, Task, Wait
from simulator.records import CallBack, DestinationBehaviour, SimCall, whole_seconds
from simulator.state import (
    CALLED,
    DIAL_BUFFER_SECONDS,
    ApplicationError,
    EndCall,
    HungUp,
    Leg,
    Line,
    RunDocument,
)
from simulator.voice import VoicePlatform

# Places the call of a called party who calls back (TwilioSimulator.place_call's keywords).
PlaceCall = Callable[..., SimCall]


class Legs:
    """Starts, runs and ends dialled legs; ``place_call`` schedules the calls back of their owners."""

    def __init__(self, platform: VoicePlatform, *, place_call: PlaceCall) -> None:
        self._platform = platform
        self._place_call = place_call
        self._called_back: set[str] = set()

    def create(
        self,
        caller: Line,
        target: twiml.DialNumber,
        behaviour: DestinationBehaviour,
        *,
        caller_id: str,
        timeout: int,
        document_url: str,
    ) -> Leg:
        """A new leg to ``target``, not yet started; its call is in the simulator's calls from now."""
        platform = self._platform
        call = SimCall(
            sid=platform.new_call_sid(),
            from_=caller_id,
            to=target.number,
            path=target.url or "",
            started_at=platform.now,
            hang_up_after=None,
            talk_seconds=behaviour.talk_seconds,
            digits=behaviour.digits,
            direction="outbound-dial",
            parent_sid=caller.call.sid,
        )
        platform.calls[call.sid] = call
        return Leg(
            caller=caller,
            line=Line(call),
            target=target,
            behaviour=behaviour,
            document_url=document_url,
            timeout=timeout,
            deadline=platform.now + timedelta(seconds=timeout + DIAL_BUFFER_SECONDS),
        )

    def start(self, leg: Leg, run_document: RunDocument) -> None:
        """Let the leg ring; it runs on its own until it ends or :meth:`hang_up` ends it."""
        leg.line.call.status = "initiated"
        leg.line.task = Task(self._platform.kernel, self._flow(leg, run_document))
        leg.line.task.start()

    def fail(self, leg: Leg) -> None:
        """The leg never goes out (Twilio refused the number or the caller ID)."""
        self._finish(leg, "failed")

    def hang_up(self, leg: Leg, reason: str) -> None:
        """The dialling side ends the leg (a hang-up, a redirect, ``*``): canceled, or completed."""
        line = leg.line
        if leg.has_ended() or line.hanging_up:
            return
        line.hanging_up = True
        self._platform.record(line.call, "leg-hangup", reason)
        line.interrupt(HungUp())

    # ------------------------------------------------------------------ the leg's process

    def _flow(self, leg: Leg, run_document: RunDocument) -> Flow[None]:
        platform = self._platform
        call = leg.line.call
        platform.record(
            call,
            "leg-start",
            f"{call.from_} → {call.to} for {leg.caller.call.sid} (timeout {leg.timeout} s)",
            From=call.from_,
            To=call.to,
            ParentCallSid=leg.caller.call.sid,
            Timeout=str(leg.timeout),
        )
        status = "completed"
        try:
            unanswered = yield from self._ring(leg)
            if unanswered is not None:
                status = unanswered
            else:
                self._answer(leg)
                yield from self._screen(leg, run_document)
                leg.bridged_at = platform.now
                caller = leg.caller.call
                platform.record(
                    call, "leg-bridged", f"talks with {caller.sid} ({caller.from_})", With=caller.sid
                )
                yield Wait(leg.behaviour.talk_seconds)
                platform.record(call, "leg-hangup", "the called party hangs up")
        except HungUp:
            status = "completed" if leg.answered_at is not None else "canceled"
        except EndCall:  # <Hangup/> in the <Number url> document
            leg.screened_out = True
        except ApplicationError as error:
            # Twilio cannot run the called party's document: the leg ends without a bridge.
            platform.record(call, "application-error", f"{error} (the called leg is hung up)")
            leg.screened_out = True
        self._finish(leg, status)

    def _ring(self, leg: Leg) -> Flow[str | None]:
        """Ring as the destination says; ``None`` when answered, else the leg's final status."""
        platform = self._platform
        call = leg.line.call
        behaviour = leg.behaviour
        started = platform.now
        call.status = "ringing"
        if behaviour.outcome in ("busy", "failed"):
            # No ring: the busy tone or the failure is known after ring_seconds.
            yield Wait(min(behaviour.ring_seconds, (leg.deadline - started).total_seconds()))
            return behaviour.outcome
        answers_at = started + timedelta(seconds=behaviour.ring_seconds)
        answers = behaviour.outcome == "answer" and answers_at <= leg.deadline
        end = answers_at if answers else leg.deadline
        timeout_at = started + timedelta(seconds=leg.timeout)
        rings = 0
        while platform.now < end:
            rings += 1
            offset = whole_seconds(platform.now - started)
            in_buffer = platform.now >= timeout_at
            detail = f"ring {rings} (+{offset} s" + (
                ", in Twilio's buffer after the timeout)" if in_buffer else ")"
            )
            platform.record(call, "ring", detail, Ring=str(rings), Buffer=str(in_buffer).lower())
            yield Wait(min(float(behaviour.ring_length), (end - platform.now).total_seconds()))
        return None if answers else "no-answer"

    def _answer(self, leg: Leg) -> None:
        platform = self._platform
        call = leg.line.call
        leg.answered_at = call.answered_at = platform.now
        call.status = "in-progress"
        platform.record(
            call, "leg-answer", f"answered ({leg.behaviour.answerer})", Answerer=leg.behaviour.answerer
        )
        platform.record(leg.caller.call, "dial-answer", f"{call.to} answers")

    def _screen(self, leg: Leg, run_document: RunDocument) -> Flow[None]:
        """Answering-machine detection, then the ``<Number url>`` document, before the bridge."""
        platform = self._platform
        call = leg.line.call
        target = leg.target
        extra: dict[str, str] = {}
        if target.machine_detection is not None:
            behaviour = leg.behaviour
            found = detect(
                target.machine_detection, behaviour.answerer, behaviour.greeting, behaviour.greeting_end
            )
            if found.seconds > 0:
                yield Wait(found.seconds)
            call.answered_by = found.answered_by
            milliseconds = round(found.seconds * 1000)
            platform.record(
                call,
                "amd",
                f"AnsweredBy={found.answered_by} after {found.seconds:g} s ({target.machine_detection.mode})",
                AnsweredBy=found.answered_by,
                MachineDetectionDuration=str(milliseconds),
            )
            # Only the <Number url> request carries AnsweredBy (Twilio's <Number> page).
            extra["AnsweredBy"] = found.answered_by
        if target.url is None:
            return
        url = platform.transport.absolute(target.url, relative_to=leg.document_url)
        document = yield from platform.fetch(leg.line, url, target.method, extra, CALLED)
        yield from run_document(leg.line, document, CALLED)

    def _finish(self, leg: Leg, status: str) -> None:
        platform = self._platform
        call = leg.line.call
        leg.ended_at = call.ended_at = platform.now
        leg.status = call.status = status
        bridged = leg.bridged_at is not None
        talked = whole_seconds(platform.now - leg.bridged_at) if leg.bridged_at is not None else 0
        detail = f"{status} after {call.duration} s" + (
            f", talked {talked} s" if bridged else ", not connected"
        )
        platform.record(
            call, "leg-end", detail, CallStatus=status, Bridged=str(bridged).lower(), TalkSeconds=str(talked)
        )
        self._call_back(leg)
        leg.caller.wake()

    def _call_back(self, leg: Leg) -> None:
        """A missed call (it reached the phone, but never connected them) is returned once."""
        call_back: CallBack | None = leg.behaviour.call_back
        number = leg.target.number
        if (
            call_back is None
            or number in self._called_back
            or leg.bridged_at is not None
            or leg.status == "failed"
        ):
            return
        self._called_back.add(number)
        platform = self._platform
        when = platform.now + timedelta(seconds=call_back.after)
        to = call_back.to or leg.line.call.from_
        platform.record(
            leg.line.call,
            "call-back",
            f"{number} will call {to} back at {when.isoformat()}",
            To=to,
            At=when.isoformat(),
        )
        self._place_call(
            from_=number,
            to=to,
            at=when,
            hang_up_after=call_back.hang_up_after,
            talk_seconds=call_back.talk_seconds,
            digits=call_back.digits,
        )
