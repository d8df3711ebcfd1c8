"""A helpdesk closed at once by operations (an incident at the centre), as a plain value.

Playbook 1.5.2 speaks of last-minute problems at a vaccination centre. Planned closed days are
config exceptions; a closure is what ops set *now* (API or ``ivr close``), stored in the database
and handed to the decisions by the web layer, so that the decisions stay pure.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from messages import MessageOverride, check_template


@dataclass(frozen=True)
class Closure:
    """The helpdesk is closed until ``until`` (aware), or until it is reopened (``None``).

    ``message``, when given, replaces the closing message while the closure applies (a text
    template with the closing message's placeholders).
    """

    reason: str
    until: datetime | None = None
    message: str | None = None

    def applies(self, now: datetime) -> bool:
        """Whether the closure holds at ``now``: an expired one stops applying on its own."""
        return self.until is None or now < self.until


def applying(closure: Closure | None, now: datetime) -> Closure | None:
    """``closure`` if it holds at ``now``, else ``None``."""
    return closure if closure is not None and closure.applies(now) else None


REASON_MAX = 200
MESSAGE_MAX = 1000
_CLOCK_TIME = re.compile(r"(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})")


def parse_until(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """The end of a closure: ``HH:MM`` today, or a local date and time (``2026-12-15T14:00`` or
    ``2026-12-15 14:00``) in the config's ``zone``; it must lie after ``now``.

    ``ValueError`` with a readable reason otherwise. A time with its own UTC offset is taken as
    given.
    """
    value = text.strip()
    clock = _CLOCK_TIME.fullmatch(value)
    try:
        if clock is not None:
            at = time(int(clock["hour"]), int(clock["minute"]))
            until = datetime.combine(now.astimezone(zone).date(), at, tzinfo=zone)
        else:
            until = datetime.fromisoformat(value)
            if until.tzinfo is None:
                until = until.replace(tzinfo=zone)
    except ValueError:
        raise ValueError(f'"{text}" is not a local time like "14:00" or "2026-12-15T14:00"') from None
    if until <= now:
        shown = until.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        raise ValueError(f'"{text}" ({shown}) is not in the future')
    return until


def closure_problems(reason: str, message: str | None) -> list[str]:
    """What is wrong with a closure's ``reason`` and ``message``; empty when it may be stored.

    The message replaces the closing message, so it is checked as an override of it (known
    placeholders only, never the central number: playbook 1.2.3.1).
    """
    problems: list[str] = []
    if not reason.strip():
        problems.append("reason: give the reason of the closure")
    elif len(reason) > REASON_MAX:
        problems.append(f"reason: at most {REASON_MAX} characters")
    elif _has_control_characters(reason):
        problems.append("reason: control characters (such as line breaks) are not allowed")
    if message is not None:
        if not message.strip():
            problems.append("message: the text is empty")
        elif len(message) > MESSAGE_MAX:
            problems.append(f"message: at most {MESSAGE_MAX} characters")
        elif _has_control_characters(message):
            problems.append("message: control characters (such as line breaks) are not allowed")
        else:
            problems += [
                f"message: {problem}" for problem in check_template("closing", MessageOverride(text=message))
            ]
    return problems


def _has_control_characters(text: str) -> bool:
    # Neither spoken nor storable everywhere (PostgreSQL refuses NUL in text).
    return any(unicodedata.category(char) == "Cc" for char in text)
