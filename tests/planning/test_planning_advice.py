"""Advice on planned batches (pure): the peak day by the lag profile on a closed day or the day
before one, a batch needing more agents than ever logged in, and the batches left alone (the
example config's voorkempen: Monday to Friday 9-16, Saturday 9-12, closed on Sundays and public
holidays such as Wednesday 11 November 2026)."""

from __future__ import annotations

import datetime as dt

import pytest

from config import load_config
from config.models import DEFAULT_LAG_PROFILE
from planning.advice import PLAYBOOK_REASON, AdviceReason, BatchAdvice, Flag, advise, peak_lag
from schedules import Schedule
from tests.ivr.conftest import CONFIG

TODAY = dt.date(2026, 11, 6)
FINE, CLOSED, BEFORE, AGENTS = (
    (),
    (AdviceReason.PEAK_ON_CLOSED_DAY,),
    (AdviceReason.PEAK_BEFORE_CLOSED_DAY,),
    (AdviceReason.MORE_AGENTS_THAN_EVER,),
)


def _schedule() -> Schedule:
    config = load_config(CONFIG)
    desk = config.helpdesk("voorkempen")
    assert desk is not None
    return config.schedule(desk)


SCHEDULE = _schedule()


def _one(
    sent: dt.date, lag: tuple[float, ...] = DEFAULT_LAG_PROFILE, need: int = 3, seen: int | None = 8
) -> BatchAdvice:
    (advice,) = advise({sent: 5000}, SCHEDULE, lag, {sent: need}, seen, TODAY)
    return advice


@pytest.mark.parametrize(
    ("sent", "peak", "reasons"),
    [
        (dt.date(2026, 11, 17), dt.date(2026, 11, 18), FINE),
        (dt.date(2026, 11, 20), dt.date(2026, 11, 21), BEFORE),
        (dt.date(2026, 11, 21), dt.date(2026, 11, 22), CLOSED),
        (dt.date(2026, 11, 10), dt.date(2026, 11, 11), CLOSED),
        (dt.date(2026, 11, 9), dt.date(2026, 11, 10), BEFORE),
    ],
    ids=[
        "tuesday-peaks-wednesday-fine",
        "friday-peaks-saturday-before-closed-sunday",
        "saturday-peaks-closed-sunday",
        "tuesday-peaks-on-the-holiday",
        "monday-peaks-the-day-before-the-holiday",
    ],
)
def test_the_peak_day_by_the_prior_lag_profile(
    sent: dt.date, peak: dt.date, reasons: tuple[AdviceReason, ...]
) -> None:
    advice = _one(sent)
    assert (advice.peak_lag, advice.peak_day, tuple(flag.reason for flag in advice.flags), advice.ok) == (
        1,
        peak,
        reasons,
        not reasons,
    )


def test_a_closed_peak_day_names_the_day_and_the_playbook() -> None:
    advice = _one(dt.date(2026, 11, 21))
    assert advice.peak_open_day == dt.date(2026, 11, 23)
    assert advice.flags == (
        Flag(
            AdviceReason.PEAK_ON_CLOSED_DAY,
            "sent 2026-11-21, its calls peak on Sunday 2026-11-22 (+1), when the helpdesk is closed",
        ),
    )
    assert advice.flags[0].playbook == PLAYBOOK_REASON[AdviceReason.PEAK_ON_CLOSED_DAY]
    assert "1.4.1" in advice.flags[0].playbook


def test_a_later_peak_lag_moves_the_peak_day() -> None:
    lag = (0.05, 0.15, 0.40, 0.15, 0.10, 0.10, 0.05)
    # Thursday + 2 calendar days: Saturday, open, before the closed Sunday.
    advice = _one(dt.date(2026, 11, 19), lag)
    assert (peak_lag(lag), advice.peak_day, advice.peak_open_day, [f.reason for f in advice.flags]) == (
        2,
        dt.date(2026, 11, 21),
        dt.date(2026, 11, 21),
        list(BEFORE),
    )


@pytest.mark.parametrize(
    ("need", "seen", "reasons"),
    [(9, 8, AGENTS), (8, 8, FINE), (40, None, FINE)],
    ids=["more-than-ever", "as-many-as-ever", "never-answered-no-check"],
)
def test_more_agents_than_ever_logged_in(
    need: int, seen: int | None, reasons: tuple[AdviceReason, ...]
) -> None:
    advice = _one(dt.date(2026, 11, 17), need=need, seen=seen)
    assert (advice.agents_needed, tuple(flag.reason for flag in advice.flags)) == (need, reasons)


def test_the_agents_flag_says_how_many() -> None:
    (flag,) = _one(dt.date(2026, 11, 17), need=12, seen=5).flags
    assert flag.detail == (
        "its calls alone need 12 agents at once, more than the 5 the helpdesk has ever had logged in at once"
    )


def test_only_planned_batches_are_advised_in_date_order() -> None:
    batches = {
        dt.date(2026, 11, 20): 100,
        TODAY: 100,
        dt.date(2026, 11, 2): 100,
        dt.date(2026, 11, 17): 0,
        dt.date(2026, 11, 9): 10,
    }
    assert [advice.date for advice in advise(batches, SCHEDULE, DEFAULT_LAG_PROFILE, {}, 3, TODAY)] == [
        dt.date(2026, 11, 9),
        dt.date(2026, 11, 20),
    ]
