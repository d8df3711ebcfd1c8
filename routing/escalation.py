"""The escalation numbers' decisions (playbook 1.2.3.3), and what a ``<Record>`` action says.

The central back-up helpdesk cannot answer urgent, local questions; when the local line is not
reachable its contact centre passes them on. Each centre may have escalation numbers: only the
contact centre's own outgoing numbers (``central.escalation_callers``) may leave a question there,
with the citizen's name and number, after the beep; the question is stored as ``urgent``. Anyone
else, a withheld number included, hears that the number is not in use: the number is never a way
around the helpdesk's queue.

The same ``<Record>`` serves the agent's escalated question (``routing.agent_line``): Twilio
requests its action once the recording ends, with the recording's URL and length, but not at all
for an empty recording (the document then goes on after the ``<Record>``, to a ``<Redirect>``
to the same action, which then comes without a recording).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

RECORD_MAX_SECONDS = 120
"""The longest question (``<Record maxLength>``): two minutes, as the prompts say."""

RECORD_SILENCE_SECONDS = 10
"""Seconds of silence that end a recording (``<Record timeout>``; Twilio's default of 5 cuts off
someone looking up a citizen's number)."""


@dataclass(frozen=True)
class Recording:
    """A ``<Record>`` action request as Twilio reports it.

    ``sid``: the recording (``RecordingSid``, or the last segment of ``RecordingUrl``; ``None``
    when neither came, as on the ``<Redirect>`` after an empty recording); ``duration``: its
    length in seconds (``RecordingDuration``; ``None`` when not sent).
    """

    sid: str | None
    duration: int | None


def recorded(recording: Recording) -> bool:
    """Whether the ``<Record>`` kept something: a recording was named or timed, and not as 0 s."""
    if recording.duration == 0:
        return False
    return recording.sid is not None or recording.duration is not None


@dataclass(frozen=True)
class RecordUrgent:
    """An allowed caller on an escalation number: the prompt, then the question recorded.

    ``token`` (a random id the web layer makes) ties the recording's two requests to one
    escalation; ``caller``: the contact centre's number the question came from.
    """

    helpdesk_id: str
    token: str
    caller: str


@dataclass(frozen=True)
class NotInUse:
    """Anyone else on an escalation number: "not in use", then hang up."""


@dataclass(frozen=True)
class UrgentRecorded:
    """The contact centre's ``<Record>`` ended: thanks (``saved``) or nothing recorded; hang up."""

    helpdesk_id: str
    saved: bool


CallInDecision = RecordUrgent | NotInUse
EscalationLineDecision = RecordUrgent | NotInUse | UrgentRecorded


def decide_escalation_call(
    helpdesk_id: str, callers: Collection[str], caller: str, token: str
) -> CallInDecision:
    """A call to an escalation number of ``helpdesk_id``: ``caller`` (Twilio's ``From``) must be
    one of ``callers`` (``central.escalation_callers``), exactly as written in E.164; a withheld
    or unknown number never is."""
    if caller and caller in callers:
        return RecordUrgent(helpdesk_id=helpdesk_id, token=token, caller=caller)
    return NotInUse()


def decide_urgent_recorded(helpdesk_id: str, recording: Recording) -> UrgentRecorded:
    """After the contact centre's ``<Record>``: thanks when something was recorded."""
    return UrgentRecorded(helpdesk_id=helpdesk_id, saved=recorded(recording))
