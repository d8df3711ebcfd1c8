"""Decisions become TwiML here (house style 3 and 5: ``match`` + ``assert_never``): the citizen
line's documents (arrival, waitUrl, after the queue, after central, a shared number's menu), and
the :class:`Renderer` of one loaded config that every line renders with (its URLs, prompts and
voice). The agent line's documents are :mod:`ivr.agent_twiml`'s, an escalation number's
:mod:`ivr.escalation_twiml`'s; the apologies when a line cannot work are here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import assert_never
from urllib.parse import urlencode

from twilio.twiml.voice_response import Gather, VoiceResponse

from config import Helpdesk, HelpdeskConfig, Menu, Settings, Voice
from ivr.media import HoldMusic
from messages import (
    MENU_NOT_UNDERSTOOD,
    Audio,
    MessageContext,
    MessageKey,
    MessageOverride,
    Prompt,
    Speech,
    estimated_seconds,
    render,
)
from routing import (
    AskChoice,
    AskQueueTime,
    Chosen,
    EndCall,
    EnqueueCaller,
    ForwardToCentral,
    HoldInQueue,
    LeaveQueue,
    PlayBusy,
    PlayClosing,
    Standing,
    hints,
    menu_prompt_text,
)
from schedules import WeeklyHours, describe_hours_nl

CENTRAL_DIAL_TIMEOUT = 30
# Seconds a shared number's menu waits for a key or a word after its prompt.
MENU_TIMEOUT = 5
XML_TYPE = "text/xml"
# Documents kept per config version; the waitUrl ones differ by QueueTime (up to an hour).
MAX_KEPT_DOCUMENTS = 8192
# A phone number in E.164: "+", a country code not starting with 0, at most 15 digits in all.
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
# The citizen line's documents that end the caller's turn at a webhook: arrival, after the queue,
# after central (each webhook takes the ones its decision can be).
CitizenDocument = ForwardToCentral | PlayClosing | PlayBusy | EnqueueCaller | EndCall


@functools.lru_cache(maxsize=64)
def _opening_hours(weekly: WeeklyHours) -> str:
    return describe_hours_nl(weekly)


def prompt_for(
    config: HelpdeskConfig, desk: Helpdesk, key: MessageKey, standing: Standing | None = None
) -> Prompt:
    """The prompt ``key`` of a helpdesk: its override or the playbook's default, filled in
    (``standing``: the caller's place and estimated wait, for ``queue_position`` and ``expected_wait``)."""
    voice = config.voice_for(desk)
    return render(
        key, message_context(config, desk, standing), desk.messages.get(key), voice.language, voice.voice
    )


def closing_prompt(config: HelpdeskConfig, desk: Helpdesk, decision: PlayClosing) -> Prompt:
    """The closing message, or the message of a closure set by ops (a text with the closing
    message's placeholders) that replaces it."""
    if decision.message is None:
        return prompt_for(config, desk, "closing")
    voice = config.voice_for(desk)
    override = MessageOverride(text=decision.message)
    return render("closing", message_context(config, desk), override, voice.language, voice.voice)


def message_context(
    config: HelpdeskConfig, desk: Helpdesk, standing: Standing | None = None
) -> MessageContext:
    """The placeholders of a helpdesk's prompts; a document fills in its own ones with ``replace``."""
    keys = desk.agent_line
    return MessageContext(
        helpdesk_name=desk.name,
        municipalities=desk.municipalities,
        website=config.website,
        opening_hours=_opening_hours(WeeklyHours.from_days(desk.hours)),
        central_number=config.central.number,
        break_key=keys.break_key,
        resume_key=keys.resume_key,
        outbound_key=keys.outbound_key,
        escalate_key=keys.escalate_key,
        position=None if standing is None else standing.position,
        wait_minutes=None if standing is None else standing.wait_minutes,
    )


@dataclass(frozen=True)
class Renderer:
    """Renders decisions for one loaded config; URLs are absolute on ``PUBLIC_BASE_URL``."""

    config: HelpdeskConfig
    public_base_url: str
    hold_music: HoldMusic
    # Short hash of the config, carried in the URLs of a call's later webhooks (``v=``) so that
    # a reload in the middle of a call does not change the rules it was started under.
    version: str
    # Documents that are the same for every caller (the welcome and queue, a waitUrl document),
    # by helpdesk (or menu) and decision: most webhooks answer one of a few dozen documents.
    _documents: dict[tuple[str, object], str] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def _kept(self, owner: str, decision: object, build: Callable[[], str]) -> str:
        """The document of ``decision`` at ``owner`` (a helpdesk's or a menu's id), built once."""
        key = (owner, decision)
        document = self._documents.get(key)
        if document is None:
            if len(self._documents) >= MAX_KEPT_DOCUMENTS:
                self._documents.clear()
            document = self._documents[key] = build()
        return document

    def url(self, path: str, **query: str) -> str:
        return f"{self.public_base_url}{path}" + (f"?{urlencode(query)}" if query else "")

    def prompt(self, desk: Helpdesk, key: MessageKey) -> Prompt:
        return prompt_for(self.config, desk, key)

    def speak(self, verb: VoiceResponse | Gather, prompt: Prompt) -> None:
        """``prompt`` said or played in ``verb`` (an audio path made a URL)."""
        _say(verb, self.playable(prompt))

    def playable(self, prompt: Prompt) -> Prompt:
        """``prompt`` with a configured audio path made a URL Twilio can fetch."""
        return Audio(url=self.media_url(prompt.url)) if isinstance(prompt, Audio) else prompt

    def media_url(self, url: str) -> str:
        if url.startswith(("http://", "https://")):
            return url
        path = f"/media/audio/{url.lstrip('/')}"
        audio = self.hold_music.audio.get(url)
        # The content hash makes an edited file a new URL for Twilio's media cache.
        return self.url(path, v=audio.version) if audio is not None else self.url(path)

    def _prompt_seconds(self, prompt: Prompt) -> int:
        if isinstance(prompt, Audio):
            return self.hold_music.audio_seconds(prompt.url)
        return estimated_seconds(prompt)

    def arrival(
        self,
        desk: Helpdesk,
        decision: ForwardToCentral | PlayClosing | PlayBusy | EnqueueCaller,
        caller: str,
        to: str,
    ) -> str:
        """``caller`` and ``to``: the request's ``From`` and ``To`` (the caller ID toward central)."""
        return self._citizen(desk, decision, caller, to)

    def _citizen(self, desk: Helpdesk, decision: CitizenDocument, caller: str, to: str) -> str:
        """A document of the citizen line that ends the caller's turn here (arrival, after the
        queue, after central): kept per decision, but for a forward, which has the caller's number."""
        if isinstance(decision, ForwardToCentral):
            return self._citizen_document(desk, decision, caller, to)
        return self._kept(desk.id, decision, lambda: self._citizen_document(desk, decision, caller, to))

    def _citizen_document(self, desk: Helpdesk, decision: CitizenDocument, caller: str, to: str) -> str:
        response = VoiceResponse()
        match decision:
            case ForwardToCentral():
                self._forward(response, desk, decision, caller, to)
            case PlayClosing():
                end_call(response, self.playable(closing_prompt(self.config, desk, decision)))
            case PlayBusy():
                end_call(response, self.playable(self.prompt(desk, "busy")))
            case EndCall():
                end_call(response)
            case EnqueueCaller(queue_name=queue_name, returning=returning):
                # A caller returning a call of ours hears why they are put first, not the welcome.
                self.speak(response, self.prompt(desk, "returning_call" if returning else "welcome"))
                response.enqueue(
                    queue_name,
                    action=self.url("/twilio/queue-exit", helpdesk=desk.id, v=self.version),
                    method="POST",
                    wait_url=self.url("/twilio/wait", helpdesk=desk.id, v=self.version),
                    wait_url_method="POST",
                    # Undocumented on Twilio's page but sent by its own library; the REST API sets
                    # the same limit on the queue (ivr.twilio_rest.ensure_queue), so either works.
                    max_queue_size=desk.queue.max_size,
                )
            case _:
                assert_never(decision)
        return str(response)

    def wait(self, desk: Helpdesk, decision: HoldInQueue | LeaveQueue | AskQueueTime) -> str:
        """One waitUrl document, lasting exactly until ``decision.until`` in QueueTime."""
        return self._kept(desk.id, decision, lambda: self._wait(desk, decision))

    def _wait(self, desk: Helpdesk, decision: HoldInQueue | LeaveQueue | AskQueueTime) -> str:
        response = VoiceResponse()
        match decision:
            case LeaveQueue():
                response.leave()
            case AskQueueTime():
                response.pause(length=1)
            case HoldInQueue(
                announce=announce, queue_time=queue_time, until=until, pause=pause, standing=standing
            ):
                if pause > 0:
                    # Silence up to the boundary: no download can delay a <Pause>.
                    response.pause(length=pause)
                remaining = until - queue_time - pause
                if announce is not None and standing is not None:
                    said = self._standing(desk, standing)
                    _say(response, said)
                    remaining -= estimated_seconds(said)
                if announce is not None:
                    prompt = self.prompt(desk, announce)
                    self.speak(response, prompt)
                    remaining -= self._prompt_seconds(prompt)
                self._hold(response, desk, queue_time=until - remaining, seconds=max(remaining, 1))
                response.redirect(self._next_wait_url(desk, decision), method="POST")
            case _:
                assert_never(decision)
        return str(response)

    def _standing(self, desk: Helpdesk, standing: Standing) -> Speech:
        """The caller's place, and the estimated wait when there is one, as one ``<Say>``."""
        keys: tuple[MessageKey, ...] = ("queue_position",)
        if standing.wait_minutes is not None:
            keys += ("expected_wait",)
        prompts = [prompt_for(self.config, desk, key, standing) for key in keys]
        # Both are texts (an audio override is refused for them when the config loads).
        texts = [prompt.text for prompt in prompts if isinstance(prompt, Speech)]
        voice = self.config.voice_for(desk)
        return Speech(text=" ".join(texts), language=voice.language, voice=voice.voice)

    def _next_wait_url(self, desk: Helpdesk, decision: HoldInQueue) -> str:
        """The waitUrl again, carrying the last announced boundary (``none`` before the first)."""
        announced = "none" if decision.announced is None else str(decision.announced)
        return self.url("/twilio/wait", helpdesk=desk.id, v=self.version, announced=announced)

    def _hold(self, response: VoiceResponse, desk: Helpdesk, *, queue_time: int, seconds: int) -> None:
        if desk.hold_music is None:
            response.pause(length=seconds)
            return
        track = self.hold_music.tracks.get(desk.id)
        version = track.version if track is not None else ""
        start = self.hold_music.offset(desk.id, queue_time)
        path = f"/media/hold/{desk.id}.wav"
        response.play(self.url(path, v=version, start=str(start), seconds=str(seconds)))

    def after_queue(
        self, desk: Helpdesk, decision: ForwardToCentral | PlayClosing | EndCall, caller: str, to: str
    ) -> str:
        return self._citizen(desk, decision, caller, to)

    def after_central(self, desk: Helpdesk, decision: PlayClosing | EndCall) -> str:
        return self._citizen(desk, decision, "", "")

    def _forward(
        self, response: VoiceResponse, desk: Helpdesk, decision: ForwardToCentral, caller: str, to: str
    ) -> None:
        dial = response.dial(
            action=self.url(
                "/twilio/central-result", helpdesk=desk.id, reason=decision.reason, v=self.version
            ),
            method="POST",
            timeout=CENTRAL_DIAL_TIMEOUT,
            caller_id=caller_id(caller, to),
        )
        dial.number(decision.number)

    def unknown_number(self, decision: ForwardToCentral | PlayClosing, caller: str, to: str) -> str:
        """A call to a number no helpdesk claims: the fail-safe without local details."""
        response = VoiceResponse()
        match decision:
            case ForwardToCentral():
                response.dial(decision.number, timeout=CENTRAL_DIAL_TIMEOUT, caller_id=caller_id(caller, to))
            case PlayClosing():
                voice = self.config.voice
                context = MessageContext(
                    helpdesk_name="",
                    municipalities=(),
                    website=self.config.website,
                    opening_hours="",
                    central_number=self.config.central.number,
                )
                end_call(
                    response, self.playable(render("closing", context, None, voice.language, voice.voice))
                )
            case _:
                assert_never(decision)
        return str(response)

    def menu(self, menu: Menu, decision: AskChoice) -> str:
        """The prompt of a shared number's menu in a ``<Gather>``; without input, the same action.

        Twilio requests the action only when a key was pressed or speech recognised; otherwise
        it continues after the ``<Gather>``, and the ``<Redirect>`` counts as no input.
        """
        return self._kept(menu.id, decision, lambda: self._choice_menu(menu, decision))

    def _choice_menu(self, menu: Menu, decision: AskChoice) -> str:
        voice = self.config.voice
        action = self.menu_url(menu, decision.attempt)
        words = hints(menu)
        response = VoiceResponse()
        if words:
            gather = response.gather(
                input="dtmf speech",
                language=voice.language,
                hints=", ".join(words),
                num_digits=1,
                timeout=MENU_TIMEOUT,
                action=action,
                method="POST",
            )
        else:
            gather = response.gather(num_digits=1, timeout=MENU_TIMEOUT, action=action, method="POST")
        if decision.attempt > 0:
            gather.say(MENU_NOT_UNDERSTOOD, language=voice.language, voice=voice.voice)
        gather.say(menu_prompt_text(self.config, menu), language=voice.language, voice=voice.voice)
        response.redirect(action, method="POST")
        return str(response)

    def menu_url(self, menu: Menu, attempt: int) -> str:
        return self.url("/twilio/menu", menu=menu.number, attempt=str(attempt), v=self.version)

    def menu_forward(self, decision: Chosen, caller: str, to: str) -> str:
        """A menu's choice that forwards the call to another number, with the caller's own number."""
        number = decision.choice.forward
        if number is None:
            raise ValueError(f"choice {decision.choice.key} leads to a helpdesk, not to a number")
        response = VoiceResponse()
        dial = response.dial(timeout=CENTRAL_DIAL_TIMEOUT, caller_id=caller_id(caller, to))
        dial.number(number)
        return str(response)

    @staticmethod
    def hang_up() -> str:
        return _HANG_UP

    @staticmethod
    def leave() -> str:
        return _LEAVE

    @staticmethod
    def empty() -> str:
        return _EMPTY


def build_renderer(settings: Settings, config: HelpdeskConfig, version: str) -> Renderer:
    """Everything built from a config; media paths are relative to the config file."""
    return Renderer(
        config=config,
        public_base_url=settings.public_base_url,
        hold_music=HoldMusic.load(config, settings.ivr_config.parent),
        version=version,
    )


def last_resort(voice: Voice | None = None) -> str:
    """Answered when even the fail-safe cannot be rendered: a short apology, then hang up.

    Spoken with ``voice`` (the config's), else the config's default voice: a ``<Say>`` without
    one uses the account's text-to-speech setting, and a voice that does not fit the language
    fails the ``<Say>``.
    """
    return _apology(
        "Onze excuses, de helpdesk is op dit ogenblik niet bereikbaar. Probeer het later opnieuw.", voice
    )


# The agent line's apology when it cannot work; the README's agent line fallback bin says the same.
AGENT_LINE_UNAVAILABLE = "De medewerkerslijn is op dit ogenblik niet bereikbaar. Probeer het later opnieuw."


def agent_line_unavailable(voice: Voice | None = None) -> str:
    """The agent line's fail-safe: a short apology in ``voice`` (else the default), then hang up."""
    return _apology(AGENT_LINE_UNAVAILABLE, voice)


# An escalation number's apology when it cannot work; the README's escalation number fallback bin
# says the same.
ESCALATION_LINE_UNAVAILABLE = (
    "De lijn voor dringende vragen is op dit ogenblik niet bereikbaar. Probeer het later opnieuw."
)


def escalation_line_unavailable(voice: Voice | None = None) -> str:
    """An escalation number's fail-safe: a short apology in ``voice`` (else the default), then
    hang up (never a forward to central, who is the caller)."""
    return _apology(ESCALATION_LINE_UNAVAILABLE, voice)


def _apology(text: str, voice: Voice | None) -> str:
    voice = voice or Voice()
    response = VoiceResponse()
    end_call(response, Speech(text=text, language=voice.language, voice=voice.voice))
    return str(response)


def _say(verb: VoiceResponse | Gather, prompt: Prompt) -> None:
    """``prompt`` as ``<Say>``, or as ``<Play>`` of its URL (made absolute by the renderer)."""
    match prompt:
        case Speech(text=text, language=language, voice=voice):
            verb.say(text, language=language, voice=voice)
        case Audio(url=url):
            verb.play(url)
        case _:
            assert_never(prompt)


def end_call(response: VoiceResponse, prompt: Prompt | None = None) -> None:
    """The end of a call, the one way every document ends one: ``prompt`` (if any), ``<Hangup/>``."""
    if prompt is not None:
        _say(response, prompt)
    response.hangup()


def _document(build: Callable[[VoiceResponse], object]) -> str:
    response = VoiceResponse()
    build(response)
    return str(response)


_LEAVE = _document(lambda response: response.leave())
_EMPTY = _document(lambda response: None)
_HANG_UP = _document(end_call)


def caller_id(caller: str, to: str) -> str | None:
    """The caller ID of a forward toward central: the citizen's own number (PRODUCT.md), when it is one.

    Only an E.164 number is. A withheld caller (``anonymous``, ``Restricted``, empty), a SIP or
    client address, or anything else Twilio's ``From`` carried (control characters cannot even be
    written in XML) is not a valid caller ID: without ``callerId`` Twilio passes it on and the
    leg may fail (Twilio error 13214, "callerId must be the calling number, called number, or a
    validated outgoing number"). Such a forward shows the dialled helpdesk number (``to``, one of
    ours) instead; ``None`` (Twilio's default) only when neither is a number.
    """
    if _E164.fullmatch(caller):
        return caller
    return to if _E164.fullmatch(to) else None
