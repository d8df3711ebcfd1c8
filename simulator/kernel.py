"""A small discrete-event kernel: a fake clock, a queue of timed actions, and processes.

A process is a generator that yields :class:`Wait` to let simulated time pass. Another party can
end a wait early in two ways: :meth:`Task.wake` resumes a ``wakeable`` wait (the process then
re-reads the shared state it waits on), :meth:`Task.interrupt` throws an :class:`Interrupt` into
any wait. Both are delivered through the queue at the current instant, never re-entrantly, so one
process never runs inside another. Actions at the same instant run in the order they were
scheduled, which makes every run reproducible.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar, TypeAlias, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Wait:
    """Let ``seconds`` pass (``None``: no time limit).

    Only a ``wakeable`` wait ends early on :meth:`Task.wake`; audio that plays is not woken, only
    interrupted.
    """

    seconds: float | None
    wakeable: bool = False


Flow: TypeAlias = Generator[Wait, None, T]


class Interrupt(Exception):  # noqa: N818 - a signal between processes, not an error
    """Thrown into a waiting process by another party.

    When several arrive at the same instant only the one with the highest ``precedence`` is
    delivered: a hang-up beats a redirect, which beats a dequeue.
    """

    precedence: ClassVar[int] = 0


class Kernel:
    def __init__(self, start: datetime) -> None:
        self.now = start
        self._queue: list[tuple[datetime, int, Callable[[], None]]] = []
        self._sequence = itertools.count()

    def at(self, when: datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (max(when, self.now), next(self._sequence), action))

    def after(self, seconds: float, action: Callable[[], None]) -> None:
        self.at(self.now + timedelta(seconds=seconds), action)

    def run(self, until: datetime | None, max_events: int) -> None:
        handled = 0
        while self._queue and (until is None or self._queue[0][0] <= until):
            when, _, action = heapq.heappop(self._queue)
            handled += 1
            if handled > max_events:
                raise RuntimeError(
                    f"more than {max_events} events by {when.isoformat()}: a call flow probably loops "
                    "forever (an agent that never hangs up?); pass `until` to stop the simulation"
                )
            self.now = when
            action()
        if until is not None and until > self.now:
            self.now = until


class Task:
    """A running process."""

    def __init__(self, kernel: Kernel, body: Flow[None]) -> None:
        self._kernel = kernel
        self._body = body
        self._token = 0
        self._wakeable = False
        self._running = False
        self._pending: Interrupt | None = None
        self._delivery_scheduled = False
        self.finished = False

    def start(self) -> None:
        self._step(None)

    def wake(self) -> None:
        if self.finished or self._running or not self._wakeable or self._pending is not None:
            return
        token = self._token
        self._kernel.after(0, lambda: self._resume(token))

    def interrupt(self, interrupt: Interrupt) -> None:
        if self.finished:
            return
        if self._pending is None or interrupt.precedence >= self._pending.precedence:
            self._pending = interrupt
        if not self._delivery_scheduled:
            self._delivery_scheduled = True
            self._kernel.after(0, self._deliver)

    def _resume(self, token: int) -> None:
        if token == self._token and not self.finished and self._pending is None:
            self._step(None)

    def _deliver(self) -> None:
        self._delivery_scheduled = False
        interrupt, self._pending = self._pending, None
        if interrupt is not None and not self.finished:
            self._step(interrupt)

    def _step(self, interrupt: Interrupt | None) -> None:
        self._running = True
        try:
            wait = self._body.send(None) if interrupt is None else self._body.throw(interrupt)
        except StopIteration:
            self.finished = True
            return
        finally:
            self._running = False
        # A new token per wait makes every wake-up or timeout scheduled for an earlier wait stale.
        self._token += 1
        self._wakeable = wait.wakeable
        if wait.seconds is not None:
            token = self._token
            self._kernel.after(wait.seconds, lambda: self._resume(token))
