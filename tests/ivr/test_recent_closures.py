"""The closures each instance keeps for a second: read again after it, kept through a failed
read, forgotten at once where a change is made."""

from __future__ import annotations

import time
from collections.abc import Mapping

import pytest

from routing import Closure
from service.closures import RecentClosures

POWER_CUT = {"voorkempen": Closure(reason="stroompanne")}


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
    recent = RecentClosures(ttl_s=0.2)
    load = Reads({}, POWER_CUT)
    assert recent.recent() is None
    assert recent.read(load) == {}
    assert recent.read(load) == {}
    assert recent.recent() == {}
    assert load.count == 1
    time.sleep(0.25)
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
    recent = RecentClosures(ttl_s=0.1)
    load = Reads(POWER_CUT, OSError("database down"), {})
    recent.read(load)
    time.sleep(0.15)
    assert recent.read(load) == POWER_CUT  # a closure never lapses because of an outage
    assert "closures unreadable" in caplog.text
    assert recent.read(load) == POWER_CUT  # not asked again within the TTL
    assert load.count == 2
    time.sleep(0.15)
    assert recent.read(load) == {}


def test_a_failed_first_read_knows_no_closure() -> None:
    recent = RecentClosures(ttl_s=60)
    assert recent.read(Reads(OSError("database down"))) == {}
