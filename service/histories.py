"""Each helpdesk's recent answered calls, read at most once a minute for the waitUrl requests."""

from __future__ import annotations

from datetime import datetime, timedelta

from routing import WaitHistory

HISTORY_TTL_S = 60
"""Seconds a helpdesk's wait history is kept: an estimate in whole minutes changes slowly, and
the waitUrl requests of all its callers then cost one read a minute per instance."""


class WaitHistories:
    """Wait histories (:class:`routing.WaitHistory`) read within the last ``ttl_s`` seconds.

    Ages are measured on the request clock, so a simulated clock ages them too; a clock that went
    back makes an entry stale. ``ttl_s`` 0 keeps nothing.
    """

    def __init__(self, ttl_s: float = HISTORY_TTL_S) -> None:
        self._ttl = timedelta(seconds=ttl_s)
        self._histories: dict[str, tuple[datetime, WaitHistory]] = {}

    def recent(self, helpdesk_id: str, now: datetime) -> WaitHistory | None:
        found = self._histories.get(helpdesk_id)
        if found is None or not found[0] <= now < found[0] + self._ttl:
            return None
        return found[1]

    def remember(self, helpdesk_id: str, now: datetime, history: WaitHistory) -> WaitHistory:
        if self._ttl > timedelta(0):
            # One assignment: atomic for readers on other threads.
            self._histories[helpdesk_id] = (now, history)
        return history
