"""The closures set by operations, as every instance reads them: from the database, at most a
second old.

Ops close a helpdesk through one instance (or ``ivr close``); the other instances behind the load
balancer must apply it within 2 s. Each instance keeps what it read for ``ttl_s`` (1 s) and then
reads the small ``helpdesk_closures`` table again, so a change is applied everywhere within about
a second, at the cost of one tiny read per second per instance at most.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping

from routing import Closure

log = logging.getLogger("ivr.closures")
CLOSURE_TTL_S = 1.0

Read = Callable[[], Mapping[str, Closure]]


class RecentClosures:
    """The stored closures by helpdesk, read within the last ``ttl_s``.

    Expired closures are kept with the others: whether one applies is decided against the time of
    each call (:meth:`routing.Closure.applies`). When the database cannot be read, the last closures
    read stay in use (for another ``ttl_s`` before the next try): a closure never lapses because of
    an outage, and a failing database is not asked on every webhook.
    """

    def __init__(self, ttl_s: float = CLOSURE_TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._known: tuple[float, Mapping[str, Closure]] | None = None
        self._reading = threading.Lock()
        # Bumped by forget(): a read that started before it is not kept.
        self._generation = 0

    def recent(self) -> Mapping[str, Closure] | None:
        """The closures if read within ``ttl_s``, else ``None`` (then :meth:`read`)."""
        known = self._known
        if known is None or self._clock() >= known[0]:
            return None
        return known[1]

    def read(self, load: Read) -> Mapping[str, Closure]:
        """The closures: recent ones, else ``load()`` (one reader at a time; blocking)."""
        with self._reading:
            recent = self.recent()
            if recent is not None:
                return recent
            generation = self._generation
            try:
                loaded = dict(load())
            except Exception:
                log.warning("closures unreadable: the last ones read stay in use", exc_info=True)
                loaded = dict(self._known[1]) if self._known is not None else {}
            if generation == self._generation:
                self._known = (self._clock() + self._ttl_s, loaded)
            return loaded

    def forget(self) -> None:
        """A closure changed here: the next webhook reads them again."""
        self._generation += 1
        self._known = None
