"""Planning a helpdesk from its invitations (playbook 1.2.1, 1.4.1): the response to a batch
learned from the history, the forecast of offered calls, the agents an Erlang A queue needs, and a
week's rota of shifts with staggered lunch breaks."""

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
    "DayNeed",
    "HalfHour",
    "Rota",
    "RotaError",
    "RotaInfeasibleError",
    "Shift",
    "ShiftRules",
    "ShortReason",
    "UncoveredHalfHour",
    "plan_rota",
    "write_half_hours_csv",
    "write_shifts_csv",
]
