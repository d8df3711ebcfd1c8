"""A week's rota: shifts with staggered lunch breaks that cover each half hour's need.

The playbook (1.2.1) asks for "a strict planning of the agents, with lunch breaks at different
times" and at least two agents whenever the helpdesk is open. The forecast says how many agents
each half hour needs; this module turns that into shifts with as few agent-hours as possible,
solved as an integer program by HiGHS through ``scipy.optimize.milp``.

The model, per day (days are independent, so each is solved on its own):

- A *shift type* is a start on a half hour, a length from ``shift_hours`` and, for a shift of at
  least ``lunch_from_hours``, the half hour its lunch starts. The whole shift lies within one open
  span of the day. The lunch (``lunch_minutes`` rounded up to whole half hours) lies in the middle
  half of the shift, so never in the first or last two hours of an 8-hour shift; each placement is
  its own shift type. Should the middle half be shorter than the lunch, the lunch is centred.
- One integer variable per shift type: how many agents work it.
- Cover: in every open half hour, the agents on shift and not at lunch are at least the need.
- Cap (optional, ``max_agents``): in every half hour at most that many agents are on shift,
  counting those at lunch, who are rostered all the same and back at their desk within the hour.
- Objective: the agent-hours, the shift lengths summed (a lunch is part of its shift).

**Lunches are staggered by the cover constraint itself.** An agent at lunch does not count
towards the cover, so two agents can only lunch in the same half hour when the others on shift
still meet the need then; where the need is as high as the team on shift minus one, the solver
has to give every lunch its own half hour. Where the need leaves room (a lunch-hour dip), lunches
may share a half hour: nothing is gained by forbidding it.

**Open spans.** Each of the day's opening ranges is widened to whole half hours (an agent is
there when the helpdesk opens at 09:15); ranges that then touch or overlap form one span. Shifts
never cross the gap between two spans (09:00-12:00 and 13:00-17:00 are two spans): an agent is
not rostered for the hour the helpdesk is closed, so the two parts are staffed as two days would
be. A span shorter than the shortest shift (a Saturday morning 09:00-12:00 with shifts of 4 and 8
hours, or each half of 09:00-12:30 and 13:30-17:00) is worked as one shift of the span's length:
leaving it unplanned would leave the callers of those hours without an agent.

**Bounds.** The same model with the integrality dropped (its LP relaxation) gives a lower bound on
the agent-hours; the rota reports both and the relative gap between them.

**Infeasible input** never ends in a crash: a need while closed or above ``max_agents`` is named
by a first check; a need the shifts and the cap cannot meet together (lunches while every
available agent is needed) is named by solving for the smallest total shortfall.
:class:`RotaInfeasibleError` lists every such half hour of the week.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Final, TextIO

import numpy as np
from scipy.optimize import LinearConstraint, milp

from schedules.hours import MINUTES_PER_DAY, TimeRange

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from config.models import Staffing

SLOT: Final = 30
"""Minutes in one planning slot: the rota is planned per half hour."""

_HIGHS_OPTIMAL: Final = 0
_HIGHS_INFEASIBLE: Final = 2


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True)
class ShiftRules:
    """The shifts a rota may use: the lengths in hours, the lunch rule and the agents available.

    ``max_agents``: the most agents on shift at once (None: no limit).
    """

    shift_hours: tuple[int, ...]
    lunch_minutes: int
    lunch_from_hours: int
    max_agents: int | None = None

    def __post_init__(self) -> None:
        if not self.shift_hours or any(hours <= 0 for hours in self.shift_hours):
            raise ValueError(f"shift_hours needs at least one positive length, got {self.shift_hours}")
        if self.lunch_minutes < 0 or self.lunch_slots >= 2 * self.lunch_from_hours:
            raise ValueError(
                f"lunch_minutes must be at least 0 and leave a shift of lunch_from_hours a half hour "
                f"of work, got {self.lunch_minutes}"
            )
        if self.max_agents is not None and self.max_agents < 0:
            raise ValueError(f"max_agents must be at least 0, got {self.max_agents}")

    @classmethod
    def from_staffing(cls, staffing: Staffing, max_agents: int | None = None) -> ShiftRules:
        """The rules of the configuration's ``staffing`` section."""
        return cls(
            shift_hours=staffing.shift_hours,
            lunch_minutes=staffing.lunch_minutes,
            lunch_from_hours=staffing.lunch_from_hours,
            max_agents=max_agents,
        )

    @property
    def lunch_slots(self) -> int:
        return math.ceil(self.lunch_minutes / SLOT)


@dataclass(frozen=True)
class DayNeed:
    """One day to plan: its opening ranges and the agents each half hour needs.

    ``need`` maps the start of a half hour (minutes since local midnight, a multiple of 30) to
    the agents needed then; a half hour it leaves out needs nobody.
    """

    day: date
    open: tuple[TimeRange, ...]
    need: Mapping[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for minute, agents in self.need.items():
            if minute % SLOT or not 0 <= minute < MINUTES_PER_DAY:
                raise ValueError(f"{self.day}: a half hour starts at a multiple of 30 minutes, got {minute}")
            if agents < 0:
                raise ValueError(f"{self.day} {_clock(minute)}: a need is at least 0, got {agents}")


@dataclass(frozen=True)
class HalfHour:
    """One open half hour of the plan: the agents needed, working (on shift, not at lunch) and
    at lunch."""

    day: date
    start: int
    needed: int
    planned: int
    at_lunch: int


@dataclass(frozen=True, order=True)
class Shift:
    """One agent's shift; times are minutes since local midnight, the end excluded."""

    day: date
    start: int
    end: int
    lunch_start: int | None
    lunch_end: int | None

    @property
    def hours(self) -> float:
        return (self.end - self.start) / 60


@dataclass(frozen=True)
class Rota:
    """The week's plan: the open half hours in order, the shifts in order, and the totals.

    ``lower_bound``: the agent-hours of the LP relaxation, which no rota can beat; ``gap``: how
    far ``agent_hours`` lies above it, relative to it (0 when nothing is needed).
    """

    half_hours: tuple[HalfHour, ...]
    shifts: tuple[Shift, ...]
    agent_hours: float
    lower_bound: float
    gap: float


class ShortReason(StrEnum):
    """Why a half hour's need cannot be covered."""

    CLOSED = "closed"
    ABOVE_MAX_AGENTS = "above_max_agents"
    NOT_COVERABLE = "not_coverable"


@dataclass(frozen=True, order=True)
class UncoveredHalfHour:
    """A half hour whose need no rota meets; ``coverable``: the most agents it can be given."""

    day: date
    start: int
    needed: int
    coverable: int
    reason: ShortReason

    def describe(self) -> str:
        when = f"{self.day.isoformat()} {_clock(self.start)} needs {self.needed}"
        match self.reason:
            case ShortReason.CLOSED:
                return f"{when}, but the helpdesk is closed then"
            case ShortReason.ABOVE_MAX_AGENTS:
                return f"{when}, but at most {self.coverable} agents are available"
            case ShortReason.NOT_COVERABLE:
                return f"{when}, but the shifts and lunches can give it at most {self.coverable}"


class RotaError(Exception):
    """No rota could be made."""


class RotaInfeasibleError(RotaError):
    """Some half hours' need cannot be covered; ``half_hours`` names every one, in order."""

    def __init__(self, half_hours: Iterable[UncoveredHalfHour]) -> None:
        self.half_hours = tuple(sorted(half_hours))
        super().__init__(
            "no rota covers every half hour: " + "; ".join(short.describe() for short in self.half_hours)
        )


@dataclass(frozen=True)
class _ShiftType:
    """In half hours since midnight: the first slot, the slots on shift, the first lunch slot."""

    start: int
    length: int
    lunch: int | None

    def on_shift(self, slot: int) -> bool:
        return self.start <= slot < self.start + self.length

    def working(self, slot: int, lunch_slots: int) -> bool:
        at_lunch = self.lunch is not None and self.lunch <= slot < self.lunch + lunch_slots
        return self.on_shift(slot) and not at_lunch


def _spans(ranges: Iterable[TimeRange]) -> list[tuple[int, int]]:
    """The open spans as slot ranges [first, end): each range widened to whole half hours,
    ranges that then touch or overlap joined."""
    spans: list[tuple[int, int]] = []
    for first, end in sorted((r.start // SLOT, -(-r.end // SLOT)) for r in ranges):
        if spans and first <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((first, end))
    return spans


def _shift_types(spans: Sequence[tuple[int, int]], rules: ShiftRules) -> list[_ShiftType]:
    lunch = rules.lunch_slots
    shortest = 2 * min(rules.shift_hours)
    types: list[_ShiftType] = []
    for first, end in spans:
        lengths = [2 * hours for hours in rules.shift_hours] if end - first >= shortest else [end - first]
        for length in lengths:
            for start in range(first, end - length + 1):
                if lunch == 0 or length < 2 * rules.lunch_from_hours:
                    types.append(_ShiftType(start, length, None))
                    continue
                margin = length // 4
                placements = range(start + margin, start + length - margin - lunch + 1)
                if not placements:
                    middle = start + (length - lunch) // 2
                    placements = range(middle, middle + 1)
                types.extend(_ShiftType(start, length, at) for at in placements)
    return types


@dataclass(frozen=True)
class _DayPlan:
    counts: tuple[int, ...]
    lower_bound: float


class _DayModel:
    """The integer program of one day: rows are the open slots, columns the shift types."""

    def __init__(self, day: DayNeed, rules: ShiftRules) -> None:
        self.day = day
        self.rules = rules
        self.spans = _spans(day.open)
        self.slots = [slot for first, end in self.spans for slot in range(first, end)]
        self.types = _shift_types(self.spans, rules)
        self.need = np.array([day.need.get(slot * SLOT, 0) for slot in self.slots], dtype=float)
        lunch = rules.lunch_slots
        self.working = np.array(
            [[kind.working(slot, lunch) for kind in self.types] for slot in self.slots], dtype=float
        ).reshape(len(self.slots), len(self.types))
        self.on_shift = np.array(
            [[kind.on_shift(slot) for kind in self.types] for slot in self.slots], dtype=float
        ).reshape(len(self.slots), len(self.types))
        self.hours = np.array([kind.length * SLOT / 60 for kind in self.types], dtype=float)

    def first_check(self) -> list[UncoveredHalfHour]:
        """The half hours no shift can reach or whose need is above the agents available."""
        open_slots = set(self.slots)
        reachable = [bool(row.any()) for row in self.working]
        cap = self.rules.max_agents
        short: list[UncoveredHalfHour] = []
        for minute, needed in sorted(self.day.need.items()):
            slot = minute // SLOT
            if needed == 0:
                continue
            if slot not in open_slots:
                short.append(UncoveredHalfHour(self.day.day, minute, needed, 0, ShortReason.CLOSED))
            elif not reachable[self.slots.index(slot)]:
                short.append(UncoveredHalfHour(self.day.day, minute, needed, 0, ShortReason.NOT_COVERABLE))
            elif cap is not None and needed > cap:
                short.append(
                    UncoveredHalfHour(self.day.day, minute, needed, cap, ShortReason.ABOVE_MAX_AGENTS)
                )
        return short

    def _constraints(self, shortfall: bool) -> list[LinearConstraint]:
        working = self.working
        if shortfall:
            working = np.hstack([working, np.eye(len(self.slots))])
        constraints = [LinearConstraint(working, lb=self.need, ub=np.inf)]
        if self.rules.max_agents is not None:
            on_shift = self.on_shift
            if shortfall:
                on_shift = np.hstack([on_shift, np.zeros((len(self.slots), len(self.slots)))])
            constraints.append(LinearConstraint(on_shift, lb=0, ub=self.rules.max_agents))
        return constraints

    def solve(self) -> _DayPlan | list[UncoveredHalfHour]:
        """The cheapest counts per shift type and the LP bound, or the half hours left short."""
        if not self.need.any():
            return _DayPlan(counts=(0,) * len(self.types), lower_bound=0.0)
        constraints = self._constraints(shortfall=False)
        relaxed = milp(self.hours, integrality=np.zeros(len(self.types)), constraints=constraints)
        if relaxed.status == _HIGHS_INFEASIBLE:
            return self._shortfall()
        exact = milp(self.hours, integrality=np.ones(len(self.types)), constraints=constraints)
        if exact.status == _HIGHS_INFEASIBLE:
            return self._shortfall()
        if relaxed.status != _HIGHS_OPTIMAL or exact.status != _HIGHS_OPTIMAL:
            raise RotaError(f"{self.day.day}: the solver stopped: {exact.message}")
        counts = tuple(round(value) for value in exact.x)
        return _DayPlan(counts=counts, lower_bound=max(0.0, float(relaxed.fun)))

    def _shortfall(self) -> list[UncoveredHalfHour]:
        """The half hours left short by the rota with the smallest total shortfall."""
        extra = len(self.slots)
        cost = np.concatenate([np.zeros(len(self.types)), np.ones(extra)])
        result = milp(
            cost,
            integrality=np.ones(len(self.types) + extra),
            constraints=self._constraints(shortfall=True),
        )
        if result.status != _HIGHS_OPTIMAL:
            raise RotaError(f"{self.day.day}: the solver stopped: {result.message}")
        missing: NDArray[np.float64] = result.x[len(self.types) :]
        return [
            UncoveredHalfHour(
                self.day.day,
                slot * SLOT,
                int(self.need[row]),
                int(self.need[row]) - round(missing[row]),
                ShortReason.NOT_COVERABLE,
            )
            for row, slot in enumerate(self.slots)
            if missing[row] > 0.5
        ]

    def shifts(self, plan: _DayPlan) -> list[Shift]:
        lunch = self.rules.lunch_slots
        shifts: list[Shift] = []
        for kind, count in zip(self.types, plan.counts, strict=True):
            lunch_start = None if kind.lunch is None else kind.lunch * SLOT
            lunch_end = None if kind.lunch is None else (kind.lunch + lunch) * SLOT
            shift = Shift(
                self.day.day, kind.start * SLOT, (kind.start + kind.length) * SLOT, lunch_start, lunch_end
            )
            shifts.extend([shift] * count)
        return shifts

    def half_hours(self, plan: _DayPlan) -> list[HalfHour]:
        counts = np.array(plan.counts, dtype=float)
        working = self.working @ counts if self.types else np.zeros(len(self.slots))
        on_shift = self.on_shift @ counts if self.types else np.zeros(len(self.slots))
        return [
            HalfHour(
                self.day.day,
                slot * SLOT,
                int(self.need[row]),
                round(working[row]),
                round(on_shift[row] - working[row]),
            )
            for row, slot in enumerate(self.slots)
        ]


def plan_rota(days: Sequence[DayNeed], rules: ShiftRules) -> Rota:
    """The rota with the fewest agent-hours that covers every open half hour's need.

    Raises :class:`RotaInfeasibleError` naming every half hour of the week whose need cannot be met,
    and :class:`RotaError` should the solver stop without an answer.
    """
    if len({day.day for day in days}) < len(days):
        raise ValueError("each day once")
    models = [_DayModel(day, rules) for day in sorted(days, key=lambda day: day.day)]
    short = [half_hour for model in models for half_hour in model.first_check()]
    if short:
        raise RotaInfeasibleError(short)
    plans: list[tuple[_DayModel, _DayPlan]] = []
    for model in models:
        outcome = model.solve()
        if isinstance(outcome, _DayPlan):
            plans.append((model, outcome))
        else:
            short.extend(outcome)
    if short:
        raise RotaInfeasibleError(short)
    shifts = tuple(sorted(shift for model, plan in plans for shift in model.shifts(plan)))
    agent_hours = sum(shift.hours for shift in shifts)
    lower_bound = sum(plan.lower_bound for _, plan in plans)
    return Rota(
        half_hours=tuple(half_hour for model, plan in plans for half_hour in model.half_hours(plan)),
        shifts=shifts,
        agent_hours=agent_hours,
        lower_bound=lower_bound,
        gap=(agent_hours - lower_bound) / lower_bound if lower_bound > 0 else 0.0,
    )


def write_half_hours_csv(rota: Rota, out: TextIO) -> None:
    """The half hours as CSV with a header row, in the rota's order (day, then time)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "time", "needed", "planned", "at_lunch"])
    for half_hour in rota.half_hours:
        writer.writerow(
            [
                half_hour.day.isoformat(),
                _clock(half_hour.start),
                half_hour.needed,
                half_hour.planned,
                half_hour.at_lunch,
            ]
        )


def write_shifts_csv(rota: Rota, out: TextIO) -> None:
    """The shifts as CSV with a header row, in the rota's order; no lunch leaves its cells empty."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "start", "end", "lunch_start", "lunch_end"])
    for shift in rota.shifts:
        writer.writerow(
            [
                shift.day.isoformat(),
                _clock(shift.start),
                _clock(shift.end),
                "" if shift.lunch_start is None else _clock(shift.lunch_start),
                "" if shift.lunch_end is None else _clock(shift.lunch_end),
            ]
        )
