"""How well the forecast of offered calls would have done: each day forecast from the history
before it alone (the same window and learning as a forecast made that morning), against the calls
that came.

Only open days are scored, as the forecast expects no calls on a closed day. The error is the
WAPE, the weighted absolute percentage error: the sum of |actual - forecast| over the days
divided by the sum of the actual calls; per day, |actual - forecast| / actual.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from planning.forecast import expected_calls
from planning.history import History
from planning.learning import LOOKBACK_DAYS, Basis, learn
from schedules import Schedule


@dataclass(frozen=True)
class BacktestDay:
    """One open day: the offered calls, the forecast made the day before, and what it rested on."""

    day: dt.date
    actual: int
    forecast: float
    basis: Basis
    history_days: int

    @property
    def wape(self) -> float | None:
        """|actual - forecast| / actual; ``None`` on a day without calls."""
        return abs(self.actual - self.forecast) / self.actual if self.actual else None


@dataclass(frozen=True)
class Backtest:
    days: tuple[BacktestDay, ...]

    @property
    def wape(self) -> float | None:
        """Over every scored day; ``None`` when no call came on any of them."""
        actual = sum(day.actual for day in self.days)
        return sum(abs(day.actual - day.forecast) for day in self.days) / actual if actual else None


def backtest(
    history: History, schedule: Schedule, lag_prior: tuple[float, ...], first: dt.date, last: dt.date
) -> Backtest:
    """Score the open days ``first`` to ``last``; ``history`` must hold the calls from
    ``LOOKBACK_DAYS`` before ``first`` up to ``last`` and the batches that caused them."""
    scored: list[BacktestDay] = []
    for offset in range((last - first).days + 1):
        day = first + dt.timedelta(days=offset)
        if not schedule.plan(day).ranges:
            continue
        before = day - dt.timedelta(days=1)
        response = learn(history.window(day - dt.timedelta(days=LOOKBACK_DAYS), before), schedule, lag_prior)
        forecast = expected_calls(response, schedule, history.invitations, [day])[day]
        tally = history.tally(day)
        scored.append(
            BacktestDay(
                day=day,
                actual=tally.offered if tally is not None else 0,
                forecast=forecast,
                basis=response.basis,
                history_days=response.history_days,
            )
        )
    return Backtest(tuple(scored))
