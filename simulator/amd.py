"""Answering-machine detection on a dialled leg: what ``AnsweredBy`` says, and after how long.

Twilio's AMD page and ``<Number>`` page describe the mechanism the model follows. Detection listens
from the moment the called party answers. Speech longer than ``machineDetectionSpeechThreshold``
is a machine, shorter speech followed by ``machineDetectionSpeechEndThreshold`` of silence is a
person; ``machineDetectionSilenceTimeout`` of silence at the start gives ``unknown``, and so does
reaching ``machineDetectionTimeout`` without a decision. ``Enable`` answers as soon as it knows
(``human``, ``machine_start``, ``fax``, ``unknown``); ``DetectMessageEnd`` answers a person at
once but a machine only when its greeting has ended (``machine_end_beep``,
``machine_end_silence``, ``machine_end_other``). When a fax tone is recognised is not documented:
here, when the answerer's first sound has lasted its ``greeting`` seconds. The model hears what
the destination is scripted to sound like, so a person with a long greeting is taken for a
machine and a machine with a short one for a person, as with Twilio.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import assert_never

from simulator.records import Answerer
from simulator.twiml import MachineDetection


@dataclass(frozen=True)
class Detection:
    """The ``AnsweredBy`` value, ``seconds`` after the answer."""

    answered_by: str
    seconds: float


def detect(settings: MachineDetection, answerer: Answerer, greeting: float, greeting_end: str) -> Detection:
    """What AMD with ``settings`` decides on ``answerer``, whose first sound lasts ``greeting`` s.

    ``greeting_end`` (``beep``, ``silence`` or ``other``) is how a machine's greeting ends; a
    person simply stops talking (silence).
    """
    threshold = settings.speech_threshold / 1000
    end_silence = settings.speech_end_threshold / 1000
    match answerer:
        case "undetectable":
            decided = Detection("unknown", settings.silence_timeout / 1000)
        case "fax":
            decided = Detection("fax", greeting)
        case "person" | "machine":
            ending = greeting_end if answerer == "machine" else "silence"
            if greeting <= threshold:
                decided = Detection("human", greeting + end_silence)
            elif settings.mode == "Enable":
                decided = Detection("machine_start", threshold)
            elif ending == "beep":
                decided = Detection("machine_end_beep", greeting)
            else:
                decided = Detection(f"machine_end_{ending}", greeting + end_silence)
        case _:
            assert_never(answerer)
    if decided.seconds > settings.timeout:
        return Detection("unknown", float(settings.timeout))
    return decided
