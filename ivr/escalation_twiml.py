"""The escalations' TwiML: an escalation number's documents (playbook 1.2.3.3, decisions of
``routing.escalation``) and the ``<Record>`` of a question, central's urgent one there as an
agent's escalated one after a conversation (playbook 1.3.2.2, :mod:`ivr.agent_twiml`).

Rendered with the :class:`~ivr.twiml.Renderer` of the config the call keeps (``v=`` in its URLs).
"""

from __future__ import annotations

from typing import assert_never

from twilio.twiml.voice_response import VoiceResponse

from config import Helpdesk
from ivr.twiml import Renderer, end_call
from messages import MessageKey
from routing import EscalationLineDecision, NotInUse, RecordUrgent, UrgentRecorded
from routing.escalation import RECORD_MAX_SECONDS, RECORD_SILENCE_SECONDS


def render_escalation_line(renderer: Renderer, desk: Helpdesk, decision: EscalationLineDecision) -> str:
    """One document of an escalation number (playbook 1.2.3.3); its URLs carry ``v=``."""
    response = VoiceResponse()
    match decision:
        case RecordUrgent(token=token, caller=caller):
            query = {"token": token, "caller": caller}
            renderer.speak(response, renderer.prompt(desk, "escalation_prompt"))
            action = renderer.url(
                "/twilio/escalation/recorded", helpdesk=desk.id, **query, v=renderer.version
            )
            record_question(renderer, response, desk, action, "central", query)
        case NotInUse():
            end_call(response, renderer.playable(renderer.prompt(desk, "escalation_not_in_use")))
        case UrgentRecorded(saved=saved):
            told: MessageKey = "escalation_thanks" if saved else "escalation_nothing"
            end_call(response, renderer.playable(renderer.prompt(desk, told)))
        case _:
            assert_never(decision)
    return str(response)


def record_question(
    renderer: Renderer,
    response: VoiceResponse,
    desk: Helpdesk,
    action: str,
    source: str,
    query: dict[str, str],
) -> None:
    """The question after the beep, ended by ``#``, silence or its length; then ``action``.

    Twilio requests the action once the recording ends, but not for an empty recording: the
    document then goes on to the ``<Redirect>``, which requests the action without a
    recording. The recording status callback (``completed`` or ``absent``; ``in-progress`` is
    not asked for) carries the same query, so whichever request comes first stores the
    question.
    """
    callback = renderer.url(
        "/twilio/recording-status", helpdesk=desk.id, source=source, **query, v=renderer.version
    )
    response.record(
        action=action,
        method="POST",
        timeout=RECORD_SILENCE_SECONDS,
        finish_on_key="#",
        max_length=RECORD_MAX_SECONDS,
        play_beep=True,
        recording_status_callback=callback,
        recording_status_callback_method="POST",
        recording_status_callback_event="completed absent",
    )
    response.redirect(action, method="POST")
