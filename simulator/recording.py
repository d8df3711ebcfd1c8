"""``<Record>``: the caller speaks after the beep; Twilio keeps the recording and reports on it.

The behaviour follows Twilio's ``<Record>`` page ("the page") and its support article on
recording status callbacks ("the article"):

* The recording starts after the beep (``playBeep``; its length is not documented, so it takes
  no simulated time). It ends after ``timeout`` seconds of silence (0: never), on a
  ``finishOnKey`` key, after ``maxLength`` seconds, or when the caller hangs up.
* What the caller does is the next entry of the call's script (``place_call``'s ``digits``; a
  ``<Gather>`` or a ``<Record>`` takes one each): a :class:`~simulator.records.Said` is words
  from its offset, lasting ``len(text) / chars_per_second`` seconds; a
  :class:`~simulator.records.Speech` adds keys pressed ``pause`` seconds after the words; a
  string is keys pressed at its offset; no entry, or an empty one, is silence. Words still
  being said when the recording ends are kept up to the cut.
* The action (default: the current document's URL) gets ``RecordingUrl``,
  ``RecordingDuration`` and ``Digits`` ("the key (if any) pressed to end the recording, or
  hangup if the caller hung up"): without such a key or hang-up no ``Digits`` is sent. The page
  lists no ``RecordingSid`` there: the SID is the last segment of ``RecordingUrl``, or comes
  with the status callback. ``RecordingDuration`` is the untrimmed length, as the page sends
  one to the status callback "to get a final accurate recording duration after any trimming".
* When the caller hangs up, the action is still requested, with ``Digits=hangup``; its answer
  is not run, the call being over. A REST redirect ends the recording without the action.
* ``trim-silence`` (the default) keeps the words only. A recording with nothing left is empty:
  ``absent``, error 16101 (the article: "too short to be processed"). What the action gets
  then is read two ways (``empty_recording``): Twilio's older ``<Record>`` page says that for
  an empty recording it "will not make a request to the action URL", the document going on
  with the next verb (``skipped``, the default); the current page no longer states that
  exception and says that silent recordings are kept (``requested``: the action is requested
  as for any recording). Test both. With ``do-not-trim`` a silent recording is kept: a
  ``completed`` file of silence.
* The page warns that "the recording file may not yet be accessible when the action callback
  is sent": a recording is available ``processing_seconds`` after it ended, and always after
  the action request; until then it is ``processing`` and its media answer 404.
* ``recordingStatusCallback`` gets each ``recordingStatusCallbackEvent``: ``in-progress`` when
  the recording starts, ``completed`` or ``absent`` when it is available, with the page's
  parameters only (``AccountSid``, ``CallSid``, ``RecordingSid``, ``RecordingUrl``,
  ``RecordingStatus``, ``RecordingDuration``, ``RecordingChannels`` = 1, ``RecordingSource`` =
  ``RecordVerb``); ``absent`` adds the article's ``ErrorCode``; ``in-progress`` has no duration
  yet and sends none. It is signed like every webhook; an answer other than 2xx is a
  ``callback-error``.
* A ``<Record>`` in the Twiml of a REST update needs an absolute ``action`` (the page's
  warnings; error 11100).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from simulator import audio, twiml
from simulator.kernel import Flow, Wait
from simulator.records import RecordingView, Said, Speech, WebhookRequest
from simulator.state import ApplicationError, Context, Document, HungUp, Line, Redirected
from simulator.transport import OutsideApplicationError
from simulator.voice import VoicePlatform

EmptyRecording = Literal["skipped", "requested"]
API_BASE_URL = "https://api.twilio.com"
SOURCE = "RecordVerb"
TOO_SHORT = 16101
# Statuses in which a recording's length is final.
_AVAILABLE = frozenset({"completed", "absent", "deleted"})


@dataclass(frozen=True)
class _Callback:
    url: str
    method: str
    events: frozenset[str]


@dataclass(eq=False)
class Recording:
    """A recording and what became of it; ``voiced`` is where the words fall in its file (seconds)."""

    sid: str
    call_sid: str
    started_at: datetime
    updated_at: datetime
    status: str = "in-progress"
    words: str = ""
    length: int = 0
    voiced: tuple[float, float] | None = None
    error_code: int | None = None
    callback: _Callback | None = None

    def view(self) -> RecordingView:
        return RecordingView(
            sid=self.sid,
            call_sid=self.call_sid,
            status=self.status,
            started_at=self.started_at,
            updated_at=self.updated_at,
            duration=self.length if self.status in _AVAILABLE else None,
            words=self.words,
            error_code=self.error_code,
        )


@dataclass(frozen=True)
class _Plan:
    """What the caller does during a recording, in seconds after it started, and how it ends."""

    end: float
    ended_by: str
    key: str
    speech: tuple[float, float] | None
    text: str


class Recorder:
    """Runs ``<Record>`` and keeps the recordings; the options are :class:`simulator.TwilioSimulator`'s."""

    def __init__(
        self,
        platform: VoicePlatform,
        *,
        chars_per_second: float,
        empty_recording: EmptyRecording,
        processing_seconds: float,
    ) -> None:
        self._platform = platform
        self._chars_per_second = chars_per_second
        self._empty_recording = empty_recording
        self._processing_seconds = processing_seconds
        self.recordings: dict[str, Recording] = {}
        self._numbers = itertools.count(1)

    def url(self, sid: str) -> str:
        """The ``RecordingUrl``: the recording's REST resource, without an extension."""
        return f"{API_BASE_URL}/2010-04-01/Accounts/{self._platform.account_sid}/Recordings/{sid}"

    def audio(self, sid: str, extension: Literal["wav", "mp3"]) -> bytes:
        """The file of a ``completed`` recording; ``KeyError`` for any other."""
        recording = self.recordings.get(sid)
        if recording is None or recording.status != "completed":
            raise KeyError(sid)
        if extension == "mp3":
            return audio.mp3(recording.length)
        return audio.wav(recording.length, recording.voiced, seed=f"{sid}\n{recording.words}")

    def delete(self, recording: Recording) -> None:
        recording.status = "deleted"
        recording.updated_at = self._platform.now

    def record(
        self, line: Line, document: Document, verb: twiml.Record, context: Context
    ) -> Flow[Document | None]:
        """Record the caller (see the module's docstring), then request the action."""
        platform = self._platform
        call = line.call
        action = self._action(document, verb)
        plan = self._plan(line, verb)
        trim = "" if verb.trim else ", do-not-trim"
        platform.record(
            call,
            "record",
            f"records (timeout {verb.timeout} s, maxLength {verb.max_length} s, "
            f"finishOnKey {verb.finish_on_key}{trim})",
        )
        if verb.play_beep:
            platform.record(call, "beep", "beep")
        recording = self._start(line, document, verb)
        started = platform.now

        def elapsed() -> float:
            return (platform.now - started).total_seconds()

        try:
            if plan.speech is not None and plan.speech[0] < plan.end:
                if plan.speech[0] > 0:
                    yield Wait(plan.speech[0])
                platform.record(call, "says", plan.text)
            if plan.end > elapsed():
                yield Wait(plan.end - elapsed())
        except HungUp:
            params = self._finish(line, recording, verb, plan, elapsed(), "hang-up", "hangup")
            if params is not None:
                platform.fetch_ignored(line, action, verb.method, params)
            raise
        except Redirected:
            self._finish(line, recording, verb, plan, elapsed(), "redirect", "")
            raise
        if plan.key:
            platform.record(call, "digits", plan.key, Digits=plan.key)
        params = self._finish(line, recording, verb, plan, plan.end, plan.ended_by, plan.key)
        if params is None:
            return None
        return (yield from platform.fetch(line, action, verb.method, params, context))

    # ------------------------------------------------------------------ the recording

    def _action(self, document: Document, verb: twiml.Record) -> str:
        if document.inline and (verb.action is None or not urlsplit(verb.action).scheme):
            raise ApplicationError(
                "11100: a <Record> in the Twiml of a REST update needs an absolute action URL"
            )
        if verb.action is None:
            return document.url
        return self._platform.transport.absolute(verb.action, relative_to=document.url)

    def _plan(self, line: Line, verb: twiml.Record) -> _Plan:
        """The call's next script entry, as it plays out in this recording."""
        call = line.call
        offset: float = 0.0
        entry: str | Said = ""
        if line.keys_used < len(call.digits):
            offset, entry = call.digits[line.keys_used]
            line.keys_used += 1
        speech: tuple[float, float] | None = None
        text = ""
        key = ""
        key_at = offset
        if isinstance(entry, Said):
            text = entry.text
            speech = (offset, offset + len(text) / self._chars_per_second)
            if isinstance(entry, Speech):
                key = next((pressed for pressed in entry.keys if pressed in verb.finish_on_key), "")
                key_at = speech[1] + entry.pause
        else:
            key = next((pressed for pressed in entry if pressed in verb.finish_on_key), "")
        # At the same instant a key ends the recording before the silence, the silence before maxLength.
        ends: list[tuple[float, int, str]] = [(float(verb.max_length), 2, "maxLength")]
        if verb.timeout:
            heard = speech is not None and speech[0] < verb.timeout
            last_sound = speech[1] if speech is not None and heard else 0.0
            ends.append((last_sound + verb.timeout, 1, "silence"))
        if key:
            ends.append((key_at, 0, f"key {key}"))
        end, _, ended_by = min(ends)
        return _Plan(
            end=end,
            ended_by=ended_by,
            key=key if ended_by.startswith("key") else "",
            speech=speech,
            text=text,
        )

    def _start(self, line: Line, document: Document, verb: twiml.Record) -> Recording:
        platform = self._platform
        sid = f"RE{next(self._numbers):032x}"
        recording = Recording(
            sid=sid, call_sid=line.call.sid, started_at=platform.now, updated_at=platform.now
        )
        self.recordings[sid] = recording
        callback = None
        if verb.status_callback is not None:
            url = platform.transport.absolute(verb.status_callback, relative_to=document.url)
            callback = _Callback(url=url, method=verb.status_callback_method, events=verb.status_events)
        recording.callback = callback
        self._status_callback(recording, "in-progress")
        return recording

    def _finish(
        self,
        line: Line,
        recording: Recording,
        verb: twiml.Record,
        plan: _Plan,
        at: float,
        ended_by: str,
        digits: str,
    ) -> dict[str, str] | None:
        """End the recording ``at`` seconds after it started; the action's parameters, or ``None``."""
        platform = self._platform
        untrimmed = _whole(at)
        if plan.speech is not None and plan.speech[0] < at:
            start, end = plan.speech
            stop = min(end, at)
            cut = math.floor((stop - start) * self._chars_per_second + 1e-6)
            recording.words = plan.text if stop >= end else plan.text[:cut]
            recording.voiced = (0.0, stop - start) if verb.trim else (start, stop)
        if verb.trim:
            voiced = recording.voiced
            recording.length = 0 if voiced is None else _whole(voiced[1])
        else:
            recording.length = untrimmed
        recording.status = "processing"
        recording.updated_at = platform.now
        empty = recording.length == 0
        kept = "nothing recorded" if empty else f"{recording.length} s kept"
        platform.record(
            line.call,
            "record-end",
            f"ends ({ended_by}) after {untrimmed} s, {kept}",
            RecordingSid=recording.sid,
            RecordingDuration=str(untrimmed),
            Words=recording.words,
        )
        platform.kernel.after(self._processing_seconds, lambda: self._available(recording))
        if empty and self._empty_recording == "skipped":
            return None
        params = {"RecordingUrl": self.url(recording.sid), "RecordingDuration": str(untrimmed)}
        if digits:
            params["Digits"] = digits
        return params

    def _available(self, recording: Recording) -> None:
        recording.status = "completed" if recording.length else "absent"
        recording.error_code = None if recording.length else TOO_SHORT
        recording.updated_at = self._platform.now
        self._status_callback(recording, recording.status)

    def _status_callback(self, recording: Recording, event: str) -> None:
        """Post ``event`` to the ``recordingStatusCallback``, if the ``<Record>`` asked for it."""
        callback = recording.callback
        if callback is None or event not in callback.events:
            return
        platform = self._platform
        call = platform.calls[recording.call_sid]
        params = {
            "AccountSid": platform.account_sid,
            "CallSid": recording.call_sid,
            "RecordingSid": recording.sid,
            "RecordingUrl": self.url(recording.sid),
            "RecordingStatus": event,
        }
        if event != "in-progress":
            params["RecordingDuration"] = str(recording.length)
        params |= {"RecordingChannels": "1", "RecordingSource": SOURCE}
        if recording.error_code is not None:
            params["ErrorCode"] = str(recording.error_code)
        try:
            reply = platform.transport.webhook(callback.method, callback.url, params)
        except OutsideApplicationError as error:
            platform.record(call, "callback-error", f"recordingStatusCallback {event}: {error}")
            return
        platform.webhooks.append(
            WebhookRequest(
                at=platform.now,
                call_sid=call.sid,
                url=reply.url,
                params=params,
                status_code=reply.status_code,
                body=reply.body,
                method=callback.method,
                signature=reply.signature,
            )
        )
        platform.record(call, "recording-status", f"{event} → {reply.status_code}", **params)
        if not 200 <= reply.status_code < 300:
            platform.record(
                call, "callback-error", f"recordingStatusCallback {event} answered HTTP {reply.status_code}"
            )


def _whole(seconds: float) -> int:
    """Whole seconds, rounded up: a word makes a recording of at least a second."""
    # A millisecond of slack absorbs the clock's microsecond rounding.
    return max(0, math.ceil(seconds - 0.001))
