"""The TwiML interpreter: a document's verbs run one by one on the call's process (twilio-semantics §4).

What the caller hears (``<Say>``, ``<Play>``, ``<Pause>``), ``<Gather>`` and the verbs that hand
the call on (``<Redirect>``, ``<Hangup>``, ``<Reject>``, ``<Leave>``) run here; ``<Enqueue>``,
``<Dial>`` and ``<Record>`` are handed to :mod:`simulator.queues`, :mod:`simulator.dial` and
:mod:`simulator.recording`.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import assert_never

from simulator import twiml
from simulator.dial import Dialer
from simulator.kernel import Flow, Wait
from simulator.queues import Queues
from simulator.recording import Recorder
from simulator.records import Said
from simulator.state import (
    ApplicationError,
    Context,
    Dequeued,
    Document,
    EndCall,
    LeaveQueue,
    Line,
    Redirected,
)
from simulator.transport import OutsideApplicationError
from simulator.voice import VoicePlatform


class Verbs:
    """Runs the application's documents; the options are :class:`simulator.TwilioSimulator`'s."""

    def __init__(
        self,
        platform: VoicePlatform,
        queues: Queues,
        dialer: Dialer,
        recorder: Recorder,
        *,
        chars_per_second: float,
        first_play_delay: tuple[float, float],
        wait_redirect_queue_params: bool,
    ) -> None:
        self._platform = platform
        self._queues = queues
        self._dialer = dialer
        self._recorder = recorder
        self._chars_per_second = chars_per_second
        self._first_play_delay = first_play_delay
        self._wait_redirect_queue_params = wait_redirect_queue_params
        self._media_seconds: dict[str, float] = {}

    def run_document(self, line: Line, document: Document, context: Context) -> Flow[None]:
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
        platform = self._platform
        call = line.call
        if context.called_leg:
            self._mark(line, verb)
        match verb:
            case twiml.Say() | twiml.Play() | twiml.Pause():
                yield from self._prompt(line, document, verb)
                return None
            case twiml.Gather():
                return (yield from self._gather(line, document, verb, context))
            case twiml.Redirect():
                url = platform.transport.absolute(verb.url, relative_to=document.url)
                # Inside the waitUrl loop a redirect is part of waiting, shown with the waitUrl requests.
                kind = "redirect" if context.member is None else "wait-redirect"
                platform.record(call, kind, f"<Redirect> to {platform.transport.display(url)}", Url=url)
                return (
                    yield from platform.fetch(line, url, verb.method, self._context_params(context), context)
                )
            case twiml.Hangup():
                platform.record(call, "hangup", "<Hangup/>")
                raise EndCall("completed")
            case twiml.Reject():
                platform.record(call, "hangup", f'<Reject reason="{verb.reason}">')
                raise EndCall(
                    "completed" if line.answered else "busy" if verb.reason == "busy" else "no-answer"
                )
            case twiml.Leave():
                raise LeaveQueue()
            case twiml.Enqueue():
                return (yield from self._queues.enqueue(line, document, verb, self.run_document))
            case twiml.Dial():
                return (yield from self._dialer.dial(line, document, verb, self.run_document))
            case twiml.Record():
                return (yield from self._recorder.record(line, document, verb, context))
        assert_never(verb)

    def _mark(self, line: Line, verb: twiml.Verb) -> None:
        """Record that ``verb`` runs on a called party's leg (the leg's trace of what ran there)."""
        name = type(verb).__name__
        self._platform.record(line.call, "leg-verb", f"<{name}>", Verb=name)

    def _context_params(self, context: Context) -> dict[str, str]:
        if context.member is None or context.member.left_at is not None:
            return {}
        return context.member.wait_params(self._platform.now) if self._wait_redirect_queue_params else {}

    # ------------------------------------------------------------------ what the caller hears

    def _prompt(
        self,
        line: Line,
        document: Document,
        prompt: twiml.Prompt,
        stop_after: float | None = None,
        cut_by: str = "a key press",
    ) -> Flow[None]:
        """Play a Say/Play/Pause; ``stop_after`` is when a key press (or speech) cuts it (inside <Gather>)."""
        platform = self._platform
        if isinstance(prompt, twiml.Play):
            yield from self._download(line, platform.transport.absolute(prompt.url, relative_to=document.url))
        kind, detail, data, seconds = self._describe_prompt(document, prompt)
        platform.record(line.call, kind, detail, **data)
        play_for = seconds if stop_after is None else min(seconds, stop_after)
        started = platform.now
        if play_for > 0:
            try:
                yield Wait(play_for)
            except (Dequeued, Redirected):
                elapsed = (platform.now - started).total_seconds()
                platform.record(line.call, "cut", f"stopped after {_seconds(elapsed)} of {_seconds(seconds)}")
                raise
        if play_for < seconds:
            platform.record(
                line.call, "cut", f"stopped by {cut_by} after {_seconds(play_for)} of {_seconds(seconds)}"
            )

    def _describe_prompt(
        self, document: Document, prompt: twiml.Prompt
    ) -> tuple[str, str, dict[str, str], float]:
        """Event kind, timeline text, event data and total seconds of a prompt."""
        transport = self._platform.transport
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
                url = transport.absolute(prompt.url, relative_to=document.url)
                length = self._media_length(url)
                data = {"url": url, "seconds": _number(length), "loop": str(prompt.loop)}
                detail = f"{transport.display(url)} ({_seconds(length)}){_times(prompt.loop)}"
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
        platform = self._platform
        low, high = self._first_play_delay
        delay = platform.random.uniform(low, high) if high > 0 else 0.0
        self._media_length(url)  # fetched (and cached) now: a file that fails, fails before the wait
        if delay > 0:
            shown = platform.transport.display(url)
            detail = f"Twilio fetches {shown} before its first play ({_seconds(delay)})"
            platform.record(line.call, "download", detail, url=url, seconds=_number(delay))
            yield Wait(delay)

    def _media_length(self, url: str) -> float:
        # Twilio caches media (twilio-semantics §4), so each URL is downloaded once.
        if url not in self._media_seconds:
            try:
                self._media_seconds[url] = self._platform.transport.media_seconds(url)
            except (ValueError, OutsideApplicationError) as error:
                raise ApplicationError(f"<Play>: {error}") from None
        return self._media_seconds[url]

    # ------------------------------------------------------------------ <Gather>

    def _gather(
        self, line: Line, document: Document, verb: twiml.Gather, context: Context
    ) -> Flow[Document | None]:
        """DTMF or speech input from the call's script (twilio-semantics §4).

        The prompts stop at the first key or word. Without input within ``timeout`` seconds after
        the prompts, Twilio continues with the next verb and does not request the action; the same
        happens when the first key is ``finishOnKey``. Words said at a ``<Gather>`` without speech
        input are not recognised (no input); keys at one without DTMF input are ignored likewise.
        Recognised speech is posted ``timeout`` seconds after the caller stops (Twilio's
        ``speechTimeout`` defaults to ``timeout``) as ``SpeechResult`` and ``Confidence``.
        """
        platform = self._platform
        call = line.call
        entry: str | Said = ""
        press_at: datetime | None = None
        if line.keys_used < len(call.digits):
            offset, entry = call.digits[line.keys_used]
            line.keys_used += 1
            usable = (verb.speech if isinstance(entry, Said) else verb.dtmf) and bool(entry)
            if usable:
                press_at = platform.now + timedelta(seconds=offset)
        limits = f"timeout {verb.timeout} s" + (f", numDigits {verb.num_digits}" if verb.num_digits else "")
        heard = "keys or words" if verb.speech and verb.dtmf else "words" if verb.speech else "keys"
        if verb.speech:
            limits += f", {verb.language}"
        platform.record(call, "gather", f"waits for {heard} ({limits})")
        for prompt in verb.prompts:
            if press_at is not None and press_at <= platform.now:
                break
            stop_after = None if press_at is None else (press_at - platform.now).total_seconds()
            cut_by = "the caller's words" if isinstance(entry, Said) else "a key press"
            if context.called_leg:
                self._mark(line, prompt)
            yield from self._prompt(line, document, prompt, stop_after, cut_by)
        if press_at is None or press_at > platform.now + timedelta(seconds=verb.timeout):
            yield Wait(verb.timeout)
            if isinstance(entry, Said) and entry.text:
                platform.record(call, "says", entry.text)
            platform.record(call, "gather", f"no {heard} within {verb.timeout} s")
            return None
        yield Wait((press_at - platform.now).total_seconds())
        if isinstance(entry, Said):
            platform.record(call, "says", entry.text, SpeechResult=entry.text)
            # Twilio's speechTimeout defaults to the timeout: the result is posted after that silence.
            yield Wait(verb.timeout)
            params = {
                "SpeechResult": entry.text,
                "Confidence": f"{entry.confidence:.8f}".rstrip("0").rstrip("."),
            }
        else:
            digits, complete = _collect_digits(entry, verb.num_digits, verb.finish_on_key)
            if not complete:
                # Without numDigits or finishOnKey Twilio submits `timeout` seconds after the last key.
                yield Wait(verb.timeout)
            platform.record(call, "digits", entry, Digits=digits)
            if not digits:
                return None
            params = {"Digits": digits}
        action = (
            document.url
            if verb.action is None
            else platform.transport.absolute(verb.action, relative_to=document.url)
        )
        params = self._context_params(context) | params
        return (yield from platform.fetch(line, action, verb.method, params, context))


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


def _number(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:.3f}".rstrip("0")


def _seconds(seconds: float) -> str:
    return f"{int(seconds)} s" if float(seconds).is_integer() else f"{seconds:.1f} s"


def _times(loop: int) -> str:
    return f" ({loop} times)" if loop > 1 else ""
