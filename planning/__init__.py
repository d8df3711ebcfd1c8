"""Planning a helpdesk from its invitations (playbook 1.2.1, 1.4.1): the response to a batch
learned from the history, the forecast of offered calls, the agents an Erlang A queue needs, and a
week's rota of shifts with staggered lunch breaks."""

from planning.backtest import Backtest, BacktestDay, backtest
from planning.desk import backtest_helpdesk, forecast_helpdesk
from planning.erlang import AGENT_CAP, AgentsOutOfReachError, QueueLoad, agents_needed, service_level
from planning.forecast import Bucket, Forecast, Hour, Step, Targets, day_hours, expected_calls, forecast
from planning.history import DayTally, History, read_history
from planning.learning import (
    DEFAULT_PATIENCE_S,
    DEFAULT_TALK_S,
    LOOKBACK_DAYS,
    MIN_HISTORY_DAYS,
    PRIOR_CONTACT_RATE,
    Basis,
    Response,
    learn,
    prior_response,
)
from planning.open_days import LAGS, OpenDays
from planning.rota import (
    DayNeed,
    HalfHour,
    Rota,
    RotaError,
    RotaInfeasibleError,
    Shift,
    ShiftRules,
    ShortReason,
    UncoveredHalfHour,
    plan_rota,
    write_half_hours_csv,
    write_shifts_csv,
)

__all__ = [
    "AGENT_CAP",
    "DEFAULT_PATIENCE_S",
    "DEFAULT_TALK_S",
    "LAGS",
    "LOOKBACK_DAYS",
    "MIN_HISTORY_DAYS",
    "PRIOR_CONTACT_RATE",
    "AgentsOutOfReachError",
    "Backtest",
    "BacktestDay",
    "Basis",
    "Bucket",
    "DayNeed",
    "DayTally",
    "Forecast",
    "HalfHour",
    "History",
    "Hour",
    "OpenDays",
    "QueueLoad",
    "Response",
    "Rota",
    "RotaError",
    "RotaInfeasibleError",
    "Shift",
    "ShiftRules",
    "ShortReason",
    "Step",
    "Targets",
    "UncoveredHalfHour",
    "agents_needed",
    "backtest",
    "backtest_helpdesk",
    "day_hours",
    "expected_calls",
    "forecast",
    "forecast_helpdesk",
    "learn",
    "plan_rota",
    "prior_response",
    "read_history",
    "service_level",
    "write_half_hours_csv",
    "write_shifts_csv",
]
