"""What REST requests do to calls, queues and recordings (twilio-semantics §7).

The HTTP side is :mod:`simulator.rest` (and :mod:`simulator.media` for recordings' audio).
"""

from __future__ import annotations

from datetime import datetime

from simulator.queues import DEFAULT_MAX_QUEUE_SIZE, Queues
from simulator.recording import Recorder, Recording
from simulator.records import RecordingView, RestRequest, SimCall
from simulator.rest import MemberView, QueueView, RedirectTarget, RestError, Throttled
from simulator.state import Line, Member, Queue, Redirected
from simulator.voice import VoicePlatform


class RestOperations:
    """The :class:`simulator.rest.Backend` of one REST client.

    ``throttle`` is shared by every client of the simulator: the ``Retry-After`` values (or
    ``None``) of the requests still to be answered HTTP 429, in order.
    """

    def __init__(
        self,
        platform: VoicePlatform,
        queues: Queues,
        recorder: Recorder,
        *,
        auth_token: str,
        throttle: list[int | None],
    ) -> None:
        self._platform = platform
        self._queues = queues
        self._recorder = recorder
        self._throttle = throttle
        self.account_sid = platform.account_sid
        self.auth_token = auth_token

    def now(self) -> datetime:
        return self._platform.now

    def throttle(self) -> Throttled | None:
        """Whether this request is answered 429 (see :meth:`TwilioSimulator.throttle_rest`)."""
        pending = self._throttle
        return Throttled(pending.pop(0)) if pending else None

    def record(self, request: RestRequest, call_sid: str) -> None:
        platform = self._platform
        platform.rest_requests.append(request)
        resource = request.path.removeprefix(f"/2010-04-01/Accounts/{self.account_sid}/")
        detail = f"{request.method} {resource} → {request.status_code}"
        platform.record(platform.calls.get(call_sid), "rest", detail, **request.data)

    def call(self, sid: str) -> SimCall:
        return self._line(sid).call

    def update_call(self, sid: str, target: RedirectTarget | None, status: str | None) -> SimCall:
        """Calls update (twilio-semantics §7): Status ends the call, Url/Twiml moves it."""
        platform = self._platform
        line = self._line(sid)
        live = line.task is not None and line.call.ended_at is None and not line.hanging_up
        if status is not None:
            if status not in ("completed", "canceled"):
                raise RestError(400, 20001, f"Status must be completed or canceled, not {status}")
            # `canceled` only affects a call that is not answered yet (twilio-semantics §7).
            if status == "completed" or not line.answered:
                platform.hang_up(line, f"{status} through the REST API")
            return line.call
        if target is None:
            return line.call
        if not live:
            raise RestError(400, 21220, "Call is not in-progress. Cannot redirect.")
        where = "inline TwiML" if target.url is None else platform.transport.display(target.url)
        platform.record(line.call, "redirect", f"REST API: to {where}", Url=target.url or "")
        if line.member is not None:
            self._queues.remove_member(line.member, "redirected through the REST API")
        line.interrupt(Redirected(target))
        return line.call

    def queues(self) -> list[QueueView]:
        return [self._view(queue) for queue in self._queues.by_name.values()]

    def queue(self, sid: str) -> QueueView:
        return self._view(self._queue(sid))

    def create_queue(self, name: str, max_size: int | None) -> QueueView:
        if name in self._queues.by_name:
            raise RestError(400, 20001, f"A queue named {name} already exists")
        queue = self._queues.named(name)
        queue.max_size = max_size or DEFAULT_MAX_QUEUE_SIZE
        return self._view(queue)

    def update_queue(self, sid: str, name: str | None, max_size: int | None) -> QueueView:
        queues = self._queues.by_name
        queue = self._queue(sid)
        if name is not None and name != queue.name:
            if name in queues:
                raise RestError(400, 20001, f"A queue named {name} already exists")
            queues[name] = queues.pop(queue.name)
            queue.name = name
        if max_size is not None:
            queue.max_size = max_size
        queue.updated_at = self._platform.now
        return self._view(queue)

    def delete_queue(self, sid: str) -> None:
        queue = self._queue(sid)
        if queue.members:
            raise RestError(400, 20001, "Only an empty queue can be removed")
        del self._queues.by_name[queue.name]

    def members(self, queue_sid: str) -> list[MemberView]:
        return [self._member_view(member) for member in self._queue(queue_sid).members]

    def member(self, queue_sid: str, which: str) -> MemberView:
        return self._member_view(self._find_member(self._queue(queue_sid), which))

    def dequeue(self, queue_sid: str, which: str, target: RedirectTarget) -> MemberView:
        """Members update: the member leaves the queue for ``target``; its action gets ``redirected``."""
        platform = self._platform
        queue = self._queue(queue_sid)
        member = self._find_member(queue, which)
        view = self._member_view(member)
        where = "inline TwiML" if target.url is None else platform.transport.display(target.url)
        platform.record(
            member.line.call, "redirect", f"REST API (queue member): to {where}", Url=target.url or ""
        )
        self._queues.remove_member(member, "dequeued through the REST API")
        member.line.interrupt(Redirected(target))
        return view

    def recording(self, sid: str, *, include_deleted: bool) -> RecordingView:
        """A recording; a deleted one only with ``IncludeSoftDeleted`` (Twilio keeps its metadata 40 days)."""
        recording = self._recording(sid)
        if recording.status == "deleted" and not include_deleted:
            raise RestError(404, 20404)
        return recording.view()

    def delete_recording(self, sid: str) -> RecordingView:
        """Delete a recording's file and resource (HTTP 204); afterwards both answer 404.

        Twilio does not document deleting a recording before it is available; the simulator
        refuses it (HTTP 400), so that an application never relies on either outcome.
        """
        recording = self._recording(sid)
        if recording.status == "deleted":
            raise RestError(404, 20404)
        if recording.status in ("in-progress", "processing"):
            raise RestError(400, 20001, f"Recording {sid} is {recording.status} and cannot be deleted yet")
        self._recorder.delete(recording)
        return recording.view()

    def recording_audio(self, sid: str, extension: str) -> tuple[RecordingView, bytes]:
        """The file of a completed recording; 404 before it is available, when absent or deleted."""
        recording = self._recording(sid)
        if recording.status != "completed":
            raise RestError(404, 20404)
        return recording.view(), self._recorder.audio(sid, "mp3" if extension == "mp3" else "wav")

    def _recording(self, sid: str) -> Recording:
        if sid not in self._recorder.recordings:
            raise RestError(404, 20404)
        return self._recorder.recordings[sid]

    def _line(self, sid: str) -> Line:
        if sid not in self._platform.lines:
            raise RestError(404, 20404)
        return self._platform.lines[sid]

    def _queue(self, sid: str) -> Queue:
        for queue in self._queues.by_name.values():
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
        now = self._platform.now
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
            wait_time=member.queue_time(self._platform.now),
        )
