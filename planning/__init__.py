"""Planning a helpdesk from its invitations (playbook 1.2.1, 1.4.1): the response to a batch
learned from the history, the forecast of offered calls, the agents an Erlang A queue needs, and a
week's rota of shifts with staggered lunch breaks."""

from planning.erlang import AGENT_CAP, AgentsOutOfReachError, QueueLoad, agents_needed, service_level
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
    "AgentsOutOfReachError",
    "DayNeed",
    "HalfHour",
    "QueueLoad",
    "Rota",
    "RotaError",
    "RotaInfeasibleError",
    "Shift",
    "ShiftRules",
    "ShortReason",
    "UncoveredHalfHour",
    "agents_needed",
    "plan_rota",
    "service_level",
    "write_half_hours_csv",
    "write_shifts_csv",
]
