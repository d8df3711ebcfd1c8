"""Dutch (nl-BE) prompts for citizens and agents, from the playbook section 1.2.2; pure Python."""

from messages.menu import FORWARD_LABEL, MENU_NOT_UNDERSTOOD, MenuLine, helpdesk_label, menu_text
from messages.overrides import MessageOverride, check_template
from messages.render import Audio, MessageContext, Prompt, Speech, estimated_seconds, render
from messages.spoken import (
    join_dutch,
    spoken_digits,
    spoken_minutes,
    spoken_outcome,
    spoken_phone_number,
    spoken_position,
)
from messages.texts import CALLER_PLACEHOLDERS, DEFAULT_TEXTS, MESSAGE_KEYS, PLACEHOLDERS, MessageKey

__all__ = [
    "CALLER_PLACEHOLDERS",
    "DEFAULT_TEXTS",
    "FORWARD_LABEL",
    "MENU_NOT_UNDERSTOOD",
    "MESSAGE_KEYS",
    "PLACEHOLDERS",
    "Audio",
    "MenuLine",
    "MessageContext",
    "MessageKey",
    "MessageOverride",
    "Prompt",
    "Speech",
    "check_template",
    "estimated_seconds",
    "helpdesk_label",
    "join_dutch",
    "menu_text",
    "render",
    "spoken_digits",
    "spoken_minutes",
    "spoken_outcome",
    "spoken_phone_number",
    "spoken_position",
]
