"""Queues and the bridges between a caller and an agent (twilio-semantics §§2–3).

A caller's ``<Enqueue>`` waits here (the waitUrl loop) until an agent's ``<Dial><Queue>`` takes it;
the two calls then talk over a :class:`~simulator.state.Bridge` until either side ends it. The
queues themselves (by name) are owned here, for the verbs and for the REST API alike.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Literal

from simulator import twiml
from simulator.kernel import Flow, Wait
from simulator.records import whole_seconds
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
    RunDocument,
    StarKey,
    dial_result_detail,
)
from simulator.voice import VoicePlatform

DEFAULT_MAX_QUEUE_SIZE = 1000


class Queues:
    """The account's queues, the callers waiting in them and the agents taking them out.

    ``redirect_control``, ``queue_dial_details`` and ``star_while_waiting`` are
    :class:`simulator.TwilioSimulator`'s options of those names.
    """

    def __init__(
        self,
        platform: VoicePlatform,
        *,
        redirect_control: Literal["url", "action"],
        queue_dial_details: bool,
        star_while_waiting: Literal["ends-dial", "ignored"],
    ) -> None:
        self._platform = platform
        self._redirect_control = redirect_control
        self._queue_dial_details = queue_dial_details
        self._star_while_waiting = star_while_waiting
        self.by_name: dict[str, Queue] = {}
        self._numbers = itertools.count(1)

    @property
    def _now(self) -> datetime:
        return self._platform.now

    def named(self, name: str) -> Queue:
        """The queue called ``name``, created (with the default size) if there is none yet."""
        if name not in self.by_name:
            self.by_name[name] = Queue(
                sid=f"QU{next(self._numbers):032x}",
                name=name,
                max_size=DEFAULT_MAX_QUEUE_SIZE,
                created_at=self._now,
                updated_at=self._now,
            )
        return self.by_name[name]

    # ------------------------------------------------------------------ <Enqueue> (the caller's side)

    def enqueue(
        self, line: Line, document: Document, verb: twiml.Enqueue, run_document: RunDocument
    ) -> Flow[Document | None]:
        """Wait in a queue until dequeued, <Leave>, a REST redirect or a hang-up (twilio-semantics §2).

        The action is requested when the call leaves the queue (after the conversation when an agent
        took it) with ``QueueResult``; without an action the call continues after ``<Enqueue>``.
        An agent whose call ends between taking the caller and being connected leaves the caller
        with ``system-error`` (Twilio's "problem connecting" result; the exact value is not documented).
        """
        platform = self._platform
        call = line.call
        queue = self.named(verb.name)
        action = (
            None
            if verb.action is None
            else platform.transport.absolute(verb.action, relative_to=document.url)
        )
        limit = verb.max_queue_size or queue.max_size
        if len(queue.members) >= limit:
            platform.record(
                call, "queue-full", f"«{queue.name}» is full ({limit} callers)", QueueSid=queue.sid
            )
            return (yield from self._queue_result(line, action, verb.method, "queue-full", None))
        member = Member(
            line=line, queue=queue, verb=verb, document=document, limit=limit, enqueued_at=self._now
        )
        queue.members.append(member)
        queue.former_members.add(call.sid)
        line.member = member
        call.queue = queue.name
        position = str(len(queue.members))
        platform.record(
            call,
            "enqueue",
            f"enters «{queue.name}» at position {position}",
            QueueSid=queue.sid,
            QueuePosition=position,
        )
        for agent in queue.waiting_agents:
            agent.wake()
        try:
            bridge = yield from self._hold(line, member, run_document)
            connected = yield from self._connect_caller(line, member, bridge, run_document)
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
                platform.fetch_ignored(line, redirect.target.url, redirect.target.method, {})
            return following
        line.member = None  # out of the queue since the agent took it, or since <Leave>
        return (yield from self._queue_result(line, action, verb.method, result, member))

    def _hold(self, line: Line, member: Member, run_document: RunDocument) -> Flow[Bridge]:
        """The waitUrl loop; returns when an agent takes the caller, raises for any other exit."""
        platform = self._platform
        call = line.call
        verb = member.verb
        try:
            if not verb.wait_url:
                hears = "Twilio's default hold music" if verb.wait_url is None else "nothing (empty waitUrl)"
                platform.record(call, "wait-url", hears)
                while True:
                    yield Wait(None)
            url = platform.transport.absolute(verb.wait_url, relative_to=member.document.url)
            context = Context("a waitUrl document", twiml.WAIT_VERBS, member)
            while True:
                cycle_started = self._now
                params = member.wait_params(self._now)
                detail = " ".join(
                    f"{name}={params[name]}" for name in ("QueueTime", "QueuePosition", "CurrentQueueSize")
                )
                platform.record(call, "wait-url", detail, **params)
                try:
                    document = yield from platform.fetch(line, url, verb.wait_url_method, params, context)
                    yield from run_document(line, document, context)
                except DocumentError as error:
                    # Twilio: QueueResult "error" is a "TwiML error in <Enqueue> itself or in TwiML
                    # from waitUrl"; the caller leaves the queue and the action is requested.
                    platform.record(call, "wait-url-error", str(error))
                    raise QueueError() from None
                if self._now == cycle_started:
                    raise ApplicationError(
                        f"the waitUrl document {platform.transport.display(url)} plays nothing; "
                        "Twilio would re-request it without pause"
                    )
        except Dequeued as dequeued:
            return dequeued.bridge

    def _connect_caller(
        self, line: Line, member: Member, bridge: Bridge, run_document: RunDocument
    ) -> Flow[bool]:
        """Play the agent's <Queue url> document to the caller, then talk until the bridge ends.

        Returns False when the agent was gone before the two were connected.
        """
        platform = self._platform
        call, agent = line.call, bridge.agent.call
        if bridge.url is not None:
            params = {
                "QueueSid": member.queue.sid,
                "QueueTime": str(member.queue_time(self._now)),
                "DequeingCallSid": agent.sid,
            }
            try:
                document = yield from platform.fetch(line, bridge.url, bridge.method, params, ANNOUNCE)
                yield from run_document(line, document, ANNOUNCE)
            except DocumentError as error:
                # The caller's wait ends as for a failing waitUrl document (QueueResult=error); the
                # agent's <Dial> ends without a bridge. Twilio does not document its DialCallStatus
                # for this case: "failed" ("could not be completed") is the one that fits.
                platform.record(call, "queue-url-error", str(error))
                bridge.failed = True
                raise QueueError() from None
        if bridge.has_ended():
            return False
        bridge.connected_at = self._now
        platform.record(call, "bridged", f"talks with {agent.sid} ({agent.from_})", With=agent.sid)
        platform.record(agent, "bridged", f"talks with {call.sid} ({call.from_})", With=call.sid)
        platform.kernel.after(call.talk_seconds, lambda: self.end_bridge(bridge))
        while not bridge.has_ended():
            yield Wait(None, wakeable=True)
        return True

    def _queue_result(
        self, line: Line, action: str | None, method: str, result: str, member: Member | None
    ) -> Flow[Document | None]:
        params = self._queue_result_params(line, result, member)
        if action is None:
            return None
        return (yield from self._platform.fetch(line, action, method, params, MAIN))

    def _ignored_queue_result(
        self, line: Line, action: str | None, method: str, result: str, member: Member | None
    ) -> None:
        params = self._queue_result_params(line, result, member)
        if action is not None:
            self._platform.fetch_ignored(line, action, method, params)

    def _queue_result_params(self, line: Line, result: str, member: Member | None) -> dict[str, str]:
        # QueueSid and QueueTime only "if the call was actually enqueued" (twilio-semantics §2).
        params = {"QueueResult": result}
        if member is not None:
            params |= {"QueueSid": member.queue.sid, "QueueTime": str(member.queue_time(self._now))}
        detail = " ".join(f"{name}={value}" for name, value in params.items() if name != "QueueSid")
        self._platform.record(line.call, "queue-result", detail, **params)
        return params

    def remove_member(self, member: Member, reason: str) -> None:
        """Take ``member`` out of its queue (once); its process learns why by other means."""
        if member.left_at is not None:
            return
        member.left_at = self._now
        member.queue.members.remove(member)
        call = member.line.call
        call.queue = None
        queue_time = str(member.queue_time(self._now))
        detail = f"leaves «{member.queue.name}» after {queue_time} s: {reason}"
        self._platform.record(call, "leave", detail, QueueSid=member.queue.sid, QueueTime=queue_time)

    def _leave_queue(self, member: Member, reason: str) -> None:
        """Whatever ended the wait: out of the queue, and an unfinished bridge is ended."""
        self.remove_member(member, reason)
        member.line.member = None
        if member.bridge is not None:
            self.end_bridge(member.bridge)

    def end_bridge(self, bridge: Bridge) -> None:
        if bridge.has_ended():
            return
        bridge.ended_at = self._now
        if bridge.connected_at is not None:
            talked = whole_seconds(self._now - bridge.connected_at)
            for line in (bridge.caller, bridge.agent):
                self._platform.record(line.call, "bridge-end", f"conversation ended after {talked} s")
        bridge.caller.wake()
        bridge.agent.wake()

    # ------------------------------------------------------------------ <Dial><Queue> (the agent's side)

    def dial_queue(
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
        platform = self._platform
        queue = self.by_name.get(target.name)
        if queue is None:
            platform.record(line.call, "dial", f"queue «{target.name}» does not exist", Queue=target.name)
            return self._queue_dial_sent(line, {"DialCallStatus": "failed"}, {"DialBridged": "false"})
        deadline = self._now + timedelta(seconds=verb.timeout + DIAL_BUFFER_SECONDS)
        platform.record(
            line.call, "dial", f"queue «{queue.name}» (timeout {verb.timeout} s)", Queue=queue.name
        )
        bridge: Bridge | None = None
        ended_by_star = False
        try:
            while bridge is None and (queue.members or self._now < deadline):
                if queue.members:
                    bridge = self._take_front(queue, line, target, document)
                    break
                if star.pressed:
                    star.pressed = False
                    if self._star_while_waiting == "ends-dial":
                        platform.record(line.call, "star", "* ends the dial on the empty queue")
                        ended_by_star = True
                        break
                    platform.record(line.call, "star", "* on the empty queue does nothing")
                queue.waiting_agents.append(line)
                try:
                    yield Wait((deadline - self._now).total_seconds(), wakeable=True)
                finally:
                    queue.waiting_agents.remove(line)
            while bridge is not None and not bridge.has_ended():
                if star.pressed:
                    platform.record(line.call, "star", "* hangs up on the caller")
                    self.end_bridge(bridge)
                    break
                yield Wait(None, wakeable=True)
        except HungUp:
            if bridge is not None:
                self.end_bridge(bridge)
            params = self._dial_queue_result(line, queue, bridge, gave_up=True)
            platform.fetch_ignored(line, action, verb.method, params)
            raise
        except Redirected:
            if bridge is not None:
                self.end_bridge(bridge)
            self._dial_queue_result(line, queue, bridge, gave_up=True)
            raise
        if ended_by_star:
            params = {"QueueSid": queue.sid, "DialCallStatus": "completed"}
            return self._queue_dial_sent(line, params, {"DialBridged": "false"})
        return self._dial_queue_result(line, queue, bridge)

    def _take_front(self, queue: Queue, agent: Line, target: twiml.DialQueue, document: Document) -> Bridge:
        member = queue.members[0]
        url = (
            None
            if target.url is None
            else self._platform.transport.absolute(target.url, relative_to=document.url)
        )
        bridge = Bridge(caller=member.line, agent=agent, member=member, url=url, method=target.method)
        member.bridge = bridge
        caller = member.line.call
        self.remove_member(member, f"taken by {agent.call.sid}")
        queue_time = str(member.queue_time(self._now))
        self._platform.record(
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
            params["QueueTime"] = str(bridge.member.queue_time(self._now))
            details["DialCallSid"] = bridge.caller.call.sid
            if bridge.connected_at is None:
                params["DialCallStatus"] = "failed" if bridge.failed else "canceled"
                details["DialBridged"] = "false"
            else:
                talked = whole_seconds((bridge.ended_at or self._now) - bridge.connected_at)
                params["DialCallStatus"] = "completed"
                details |= {"DialCallDuration": str(talked), "DialBridged": "true"}
        return self._queue_dial_sent(line, params, details)

    def _queue_dial_sent(self, line: Line, params: dict[str, str], details: dict[str, str]) -> dict[str, str]:
        """Records a queue dial's result with ``details`` and sends them only with ``queue_dial_details``."""
        self._platform.record(
            line.call, "dial-result", dial_result_detail(params | details), **params, **details
        )
        return params | details if self._queue_dial_details else params
