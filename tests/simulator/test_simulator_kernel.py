"""The event kernel: ordering, waking and interrupting processes."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from simulator.kernel import Flow, Interrupt, Kernel, Task, Wait
from tests.simulator.conftest import START, at


class Low(Interrupt):
    precedence: ClassVar[int] = 1


class High(Interrupt):
    precedence: ClassVar[int] = 2


def sleeper(kernel: Kernel, log: list[tuple[float, str]], name: str, wait: Wait) -> Flow[None]:
    try:
        yield wait
        log.append(((kernel.now - START).total_seconds(), f"{name} resumed"))
    except Interrupt as interrupt:
        log.append(((kernel.now - START).total_seconds(), f"{name} {type(interrupt).__name__}"))


def test_actions_run_in_time_order_and_in_scheduling_order_within_an_instant() -> None:
    kernel = Kernel(START)
    log: list[str] = []
    kernel.at(at(5), lambda: log.append("b"))
    kernel.at(at(1), lambda: log.append("a"))
    kernel.at(at(5), lambda: log.append("c"))
    kernel.run(None, 100)

    assert (log, kernel.now) == (["a", "b", "c"], at(5))


def test_running_until_a_moment_stops_there_even_without_events() -> None:
    kernel = Kernel(START)
    kernel.at(at(10), lambda: None)
    kernel.run(at(4), 100)

    assert kernel.now == at(4)


def test_wake_ends_only_wakeable_waits() -> None:
    kernel = Kernel(START)
    log: list[tuple[float, str]] = []
    playing = Task(kernel, sleeper(kernel, log, "audio", Wait(10)))
    parked = Task(kernel, sleeper(kernel, log, "agent", Wait(30, wakeable=True)))
    playing.start()
    parked.start()
    kernel.at(at(3), playing.wake)
    kernel.at(at(3), parked.wake)
    kernel.run(None, 100)

    assert log == [(3, "agent resumed"), (10, "audio resumed")]


def test_the_strongest_interrupt_of_an_instant_wins_and_timeouts_are_dropped() -> None:
    kernel = Kernel(START)
    log: list[tuple[float, str]] = []
    task = Task(kernel, sleeper(kernel, log, "call", Wait(10)))
    task.start()
    kernel.at(at(4), lambda: task.interrupt(High()))
    kernel.at(at(4), lambda: task.interrupt(Low()))
    kernel.run(None, 100)

    assert log == [(4, "call High")]
    assert kernel.now == START + timedelta(seconds=10)  # the stale timeout still fires, harmlessly
