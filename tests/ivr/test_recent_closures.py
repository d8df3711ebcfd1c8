"""The closures each instance keeps for a second: read again after it, kept through a failed
read, forgotten at once where a change is made."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from routing import Closure
from service.closures import RecentClosures

POWER_CUT = {"voorkempen": Closure(reason="stroompanne")}


class Clock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Reads:
    def __init__(self, *answers: Mapping[str, Closure] | Exception) -> None:
        self.answers = list(answers)
        self.count = 0

    def __call__(self) -> Mapping[str, Closure]:
        self.count += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_a_read_is_kept_for_the_ttl_then_read_again() -> None:
    clock = Clock()
    recent = RecentClosures(ttl_s=1.0, clock=clock)
    load = Reads({}, POWER_CUT)
    assert recent.recent() is None
    assert recent.read(load) == {}
    assert recent.read(load) == {}
    assert recent.recent() == {}
    assert load.count == 1
    clock.now += 0.99
    assert recent.recent() == {}
    clock.now += 0.01
    assert recent.recent() is None
    assert recent.read(load) == POWER_CUT
    assert load.count == 2


def test_forget_makes_the_next_webhook_read() -> None:
    recent = RecentClosures(ttl_s=60)
    load = Reads({}, POWER_CUT)
    recent.read(load)
    recent.forget()
    assert recent.recent() is None
    assert recent.read(load) == POWER_CUT


def test_a_failed_read_keeps_the_closures_known_for_another_ttl(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    recent = RecentClosures(ttl_s=1.0, clock=clock)
    load = Reads(POWER_CUT, OSError("database down"), {})
    recent.read(load)
    clock.now += 1.0
    assert recent.read(load) == POWER_CUT  # a closure never lapses because of an outage
    assert "closures unreadable" in caplog.text
    assert recent.read(load) == POWER_CUT  # not asked again within the TTL
    assert load.count == 2
    clock.now += 1.0
    assert recent.read(load) == {}


def test_a_failed_first_read_knows_no_closure() -> None:
    recent = RecentClosures(ttl_s=60)
    assert recent.read(Reads(OSError("database down"))) == {}
