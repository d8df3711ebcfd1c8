"""Learning from a synthetic 10-week history with a known truth (issue 22, done-when 1): the
contact rate, the lag profile, the hourly profile and the queue's figures come back, and a forecast
made each morning from the days before it has a day-level WAPE of at most 15 % over the last four
weeks. SQLite only: the SQL itself is checked on both databases in test_planning_forecast_history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from config import HelpdeskConfig, load_config
from database import make_engine, make_sessionmaker, upgrade
from planning.backtest import Backtest, backtest
from planning.history import History, read_history
from planning.learning import BATCH_REACH_DAYS, LOOKBACK_DAYS, Basis, Response, learn
from tests.ivr.conftest import CONFIG
from tests.planning.synthetic import (
    CONTACT_RATE,
    LAG_PROFILE,
    MEAN_PATIENCE_S,
    MEAN_TALK_S,
    SATURDAY_HOURS,
    WEEKDAY_HOURS,
    Truth,
    generate,
)

DESK = "voorkempen"
# Ten weeks from Monday 7 September 2026; holidays on Sunday 1 and Wednesday 11 November.
FIRST = dt.date(2026, 9, 7)
WEEKS = 10


@dataclass(frozen=True)
class Learned:
    config: HelpdeskConfig
    truth: Truth
    history: History
    response: Response
    backtest: Backtest


@pytest.fixture(scope="module")
def learned(tmp_path_factory: pytest.TempPathFactory) -> Learned:
    url = f"sqlite:///{tmp_path_factory.mktemp('synthetic') / 'history.sqlite3'}"
    upgrade(url)
    config = load_config(CONFIG)
    desk = config.helpdesk(DESK)
    assert desk is not None
    schedule = config.schedule(desk)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            truth = generate(session, config, DESK, FIRST, WEEKS)
        after = truth.last + dt.timedelta(days=1)
        scored_from = truth.last - dt.timedelta(weeks=4) + dt.timedelta(days=1)
        with make_sessionmaker(engine)() as session:
            window = read_history(
                session, DESK, after - dt.timedelta(days=LOOKBACK_DAYS), truth.last, FIRST, after
            )
            reach = scored_from - dt.timedelta(days=LOOKBACK_DAYS)
            everything = read_history(
                session, DESK, reach, truth.last, reach - dt.timedelta(days=BATCH_REACH_DAYS), truth.last
            )
    finally:
        engine.dispose()
    lag_prior = config.staffing.lag_profile
    return Learned(
        config=config,
        truth=truth,
        history=window,
        response=learn(window, schedule, lag_prior),
        backtest=backtest(everything, schedule, lag_prior, scored_from, truth.last),
    )


def test_the_history_is_long_enough_to_learn_from(learned: Learned) -> None:
    # 70 days: 10 Sundays closed, Wednesday 11 November a holiday (1 November is a Sunday).
    assert (learned.response.basis, learned.response.history_days) == (Basis.LEARNED, 59)
    assert (learned.response.history_from, learned.response.history_to) == (FIRST, learned.truth.last)
    assert sum(tally.offered for tally in learned.history.days.values()) == learned.truth.calls


def test_the_contact_rate_is_learned_within_ten_percent(learned: Learned) -> None:
    assert learned.response.contact_rate == pytest.approx(CONTACT_RATE, rel=0.10)


@pytest.mark.parametrize("lag", range(7), ids=[f"+{lag}" for lag in range(7)])
def test_each_lag_share_is_learned_within_five_points(learned: Learned, lag: int) -> None:
    assert learned.response.lag_profile[lag] == pytest.approx(LAG_PROFILE[lag], abs=0.05)


@pytest.mark.parametrize(
    ("weekday", "truth"),
    [(0, WEEKDAY_HOURS), (3, WEEKDAY_HOURS), (5, SATURDAY_HOURS)],
    ids=["monday", "thursday", "saturday"],
)
def test_the_hourly_profile_is_learned(learned: Learned, weekday: int, truth: dict[int, float]) -> None:
    profile = learned.response.hourly_profile[weekday]
    assert [round(share, 2) for share in profile] == pytest.approx(
        [truth.get(hour, 0.0) for hour in range(24)], abs=0.03
    )


def test_the_sunday_without_calls_keeps_the_flat_profile_of_its_hours(learned: Learned) -> None:
    assert learned.response.hourly_profile[6] == (0.0,) * 24


def test_talk_time_and_patience_are_learned(learned: Learned) -> None:
    assert learned.response.talk_s == pytest.approx(MEAN_TALK_S, rel=0.05)
    assert learned.response.patience_s == pytest.approx(MEAN_PATIENCE_S, rel=0.10)


def test_the_day_level_backtest_of_the_last_four_weeks_is_within_fifteen_percent(learned: Learned) -> None:
    scored = learned.backtest
    # Four weeks of six open days, less the holiday of 11 November.
    assert len(scored.days) == 23
    assert {day.basis for day in scored.days} == {Basis.LEARNED}
    assert scored.wape is not None
    assert scored.wape <= 0.15


def test_the_backtest_forecasts_each_day_from_the_days_before_it(learned: Learned) -> None:
    first = learned.backtest.days[0]
    assert first.history_days == 59 - 23
    assert first.actual == learned.history.days[first.day].offered
