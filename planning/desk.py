"""A helpdesk's forecast and backtest, read from the database: the history before the period (up
to ``LOOKBACK_DAYS`` before it, never the current day, which is not over), and the batches sent
and planned up to its end."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from planning.backtest import Backtest, backtest
from planning.forecast import Forecast, Step, Targets, forecast
from planning.history import read_history
from planning.learning import BATCH_REACH_DAYS, LOOKBACK_DAYS, learn
from schedules import Schedule

_DAY = dt.timedelta(days=1)


def forecast_helpdesk(
    session: Session,
    helpdesk_id: str,
    schedule: Schedule,
    lag_prior: tuple[float, ...],
    targets: Targets,
    first: dt.date,
    last: dt.date,
    step: Step,
    today: dt.date,
) -> Forecast:
    """The forecast of ``first`` to ``last``, learned from the days before ``first`` and ``today``.

    A period in the past is forecast as it would have been the day before it began.
    """
    history_last = min(first, today) - _DAY
    history_first = history_last - dt.timedelta(days=LOOKBACK_DAYS - 1)
    batches_from = history_first - dt.timedelta(days=BATCH_REACH_DAYS)
    history = read_history(session, helpdesk_id, history_first, history_last, batches_from, last)
    response = learn(history, schedule, lag_prior)
    return forecast(response, schedule, history.invitations, targets, first, last, step)


def backtest_helpdesk(
    session: Session,
    helpdesk_id: str,
    schedule: Schedule,
    lag_prior: tuple[float, ...],
    first: dt.date,
    last: dt.date,
) -> Backtest:
    """Each open day of ``first`` to ``last`` forecast from the days before it, against its calls."""
    history_first = first - dt.timedelta(days=LOOKBACK_DAYS)
    batches_from = history_first - dt.timedelta(days=BATCH_REACH_DAYS)
    history = read_history(session, helpdesk_id, history_first, last, batches_from, last)
    return backtest(history, schedule, lag_prior, first, last)
