"""Where a waiting caller stands: the place in the queue and an estimate of the wait.

An option per helpdesk (``queue.announce_position``, ``queue.announce_wait``): before the wait
message of playbook 1.2.2 the caller hears "U bent de derde in de rij." and, with the estimate,
"De verwachte wachttijd is ongeveer 4 minuten." The place is Twilio's ``QueuePosition`` (a
waitUrl parameter); without it nothing is said. The estimate is made here from plain values that
the web layer reads (and keeps a while) from the call log.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from config.models import QueueSettings

RECENT_WAITS_S = 30 * 60
"""Seconds: the answered waits of this last stretch are the "recent" ones."""

MIN_RECENT_ANSWERED = 3
"""Fewer answered calls than this in ``RECENT_WAITS_S`` is no recent data: one caller's wait says
little about the queue."""

RECENT_TALKS_S = 2 * 60 * 60
"""Seconds: the talk times of the calls answered in this last stretch give the mean handle time."""

DEFAULT_HANDLE_S = 300
"""Seconds: the mean handle time when no talk time is known yet (a vaccination question: an
appointment to confirm, move or refuse, in about five minutes)."""


@dataclass(frozen=True)
class WaitHistory:
    """What the call log says about a helpdesk's recent calls.

    ``answered``: callers answered in the last ``RECENT_WAITS_S`` seconds whose wait is known,
    ``mean_wait_s`` their mean wait (``None`` when there are none); ``mean_talk_s``: the mean talk
    time of the calls answered in the last ``RECENT_TALKS_S`` seconds (``None`` when none is known).
    """

    answered: int
    mean_wait_s: float | None
    mean_talk_s: float | None


NO_HISTORY = WaitHistory(answered=0, mean_wait_s=None, mean_talk_s=None)


@dataclass(frozen=True)
class Standing:
    """What the caller hears before the wait message: the place, and the estimate in whole
    minutes (``None``: not said)."""

    position: int
    wait_minutes: int | None = None


def estimate_wait_minutes(
    position: int, queue_time: int, agents_logged_in: int, history: WaitHistory
) -> int | None:
    """The wait still ahead of a caller at ``position`` who has waited ``queue_time`` seconds, in
    whole minutes rounded up; ``None`` when nothing can be promised.

    - No agent logged in: ``None`` (nobody takes calls, so no time can be given).
    - At least ``MIN_RECENT_ANSWERED`` recent answered waits: their mean, less what the caller
      has waited already (as Asterisk's queue announces its hold time).
    - Otherwise, or once the caller has waited longer than that mean (the recent waits then say
      nothing more about this caller): every agent frees up once per mean handle time, so the
      callers up to and including this one need ``position * handle time / agents``. The handle
      time is the recent mean talk time, else ``DEFAULT_HANDLE_S``.

    Never under a minute: anything shorter is said as "ongeveer 1 minuut".
    """
    if agents_logged_in <= 0 or position < 1:
        return None
    seconds: float = 0
    if history.answered >= MIN_RECENT_ANSWERED and history.mean_wait_s is not None:
        seconds = history.mean_wait_s - queue_time
    if seconds <= 0:
        handle = history.mean_talk_s if history.mean_talk_s is not None and history.mean_talk_s > 0 else None
        seconds = position * (handle if handle is not None else DEFAULT_HANDLE_S) / agents_logged_in
    return max(1, math.ceil(seconds / 60))


def decide_standing(
    queue: QueueSettings,
    position: int | None,
    queue_time: int,
    agents_logged_in: int,
    history: WaitHistory | None,
) -> Standing | None:
    """What to say before the wait message, per the helpdesk's ``queue`` settings.

    ``position`` is Twilio's ``QueuePosition`` (from 1); ``None`` or out of range: nothing is said.
    ``history`` is ``None`` when the line or the call log could not be read: the place is said, the
    estimate is not (it would rest on a guess).
    """
    if not queue.announce_position or position is None or position < 1:
        return None
    if not queue.announce_wait or history is None:
        return Standing(position=position)
    return Standing(
        position=position,
        wait_minutes=estimate_wait_minutes(position, queue_time, agents_logged_in, history),
    )
