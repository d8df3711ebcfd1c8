"""The week's staffing plan and the advice on planned batches (playbook 1.2.1, 1.4.1):
``GET /api/staffing-plan`` and ``GET /api/invitations/advice`` for supervisors and ops."""

from __future__ import annotations

import datetime as dt
import io
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import require_role
from api.errors import REFUSED
from api.forecast import forecast_problem, targets_of
from config import HelpdeskConfig
from planning import Basis, RotaInfeasibleError, ShiftRules, write_half_hours_csv, write_shifts_csv
from planning.advice import AdviceReason, BatchAdvice
from planning.erlang import AgentsOutOfReachError
from planning.staffing_plan import (
    Inputs,
    StaffingPlan,
    WeekError,
    advice_for,
    parse_week,
    plan_week,
    week_name,
)
from service.runtime import Runtime, runtime

router = APIRouter(prefix="/api", tags=["planning"])
Rt = Annotated[Runtime[Any], Depends(runtime)]
readers = [Depends(require_role("supervisor", "ops"))]

CSV_TYPE: Final = "text/csv; charset=utf-8"


class FlagOut(BaseModel):
    reason: AdviceReason = Field(
        description="peak_on_closed_day, peak_before_closed_day or more_agents_than_ever"
    )
    detail: str = Field(description="what is wrong, with the dates and numbers")
    playbook: str = Field(description="the playbook's reason (1.4.1, 1.2.1)")


class BatchAdviceOut(BaseModel):
    date: dt.date = Field(description="the planned day of sending")
    invitations: int = Field(description="the batch's size")
    peak_lag: int = Field(description="the lag (0 … 6) with the largest share of the lag profile in use")
    peak_day: dt.date = Field(
        description="the day of sending plus peak_lag calendar days: where the calls would peak were the "
        "helpdesk open every day"
    )
    peak_open_day: dt.date | None = Field(
        description="the open day +peak_lag, where the forecast puts the peak"
    )
    agents_needed: int = Field(
        description="the most agents at once the batch's own calls need (its +0 … +6, forecast alone)"
    )
    ok: bool = Field(description="no flag")
    flags: list[FlagOut] = Field(description="why to reconsider the batch; empty: fine")

    @classmethod
    def of(cls, advice: BatchAdvice) -> BatchAdviceOut:
        return cls(
            date=advice.date,
            invitations=advice.invitations,
            peak_lag=advice.peak_lag,
            peak_day=advice.peak_day,
            peak_open_day=advice.peak_open_day,
            agents_needed=advice.agents_needed,
            ok=advice.ok,
            flags=[FlagOut(reason=f.reason, detail=f.detail, playbook=f.playbook) for f in advice.flags],
        )


class HalfHourOut(BaseModel):
    day: dt.date
    time: str = Field(description="local start, HH:MM")
    needed: int = Field(description="agents needed (the hour's forecast, at least min_agents)")
    planned: int = Field(description="agents on shift and not at lunch")
    at_lunch: int


class ShiftOut(BaseModel):
    day: dt.date
    start: str = Field(description="local time, HH:MM")
    end: str = Field(description="local time, HH:MM (excluded)")
    lunch_start: str | None = Field(description="null: a shift too short for a lunch")
    lunch_end: str | None


class TotalsOut(BaseModel):
    agent_hours: float = Field(description="the shifts' hours summed (lunches included)")
    lower_bound: float = Field(description="the agent-hours of the LP relaxation: no rota does with fewer")
    gap: float = Field(description="(agent_hours - lower_bound) / lower_bound")
    shifts: int = Field(description="the number of shifts")


class StaffingPlanOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    helpdesk: str
    week: str
    from_: dt.date = Field(alias="from")
    to: dt.date
    timezone: str
    basis: Basis = Field(description="the forecast's: learned from the history, or the playbook's prior")
    history_days: int = Field(description="open days of history the forecast rests on")
    history_from: dt.date | None
    history_to: dt.date | None
    max_agents: int | None = Field(
        description="the helpdesk's enabled agent accounts: the most agents on shift at once (null: no "
        "account yet, no limit)"
    )
    totals: TotalsOut
    half_hours: list[HalfHourOut]
    shifts: list[ShiftOut]
    advice: list[BatchAdviceOut] = Field(description="the planned batches whose +0 … +6 reach the week")


class UncoveredOut(BaseModel):
    day: dt.date
    time: str
    needed: int
    coverable: int = Field(description="the most agents the half hour can be given")
    reason: str = Field(description="closed, above_max_agents or not_coverable")


class InfeasibleOut(BaseModel):
    message: str
    half_hours: list[UncoveredOut]


class Infeasible(BaseModel):
    """No rota covers the week's need: every half hour that cannot be covered."""

    detail: InfeasibleOut


class AdviceOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    helpdesk: str
    from_: dt.date = Field(alias="from")
    to: dt.date
    batches: list[BatchAdviceOut] = Field(description="each planned batch (dated after today) of the period")


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def plan_out(config: HelpdeskConfig, helpdesk: str, plan: StaffingPlan) -> StaffingPlanOut:
    response, rota = plan.response, plan.rota
    return StaffingPlanOut(
        helpdesk=helpdesk,
        week=week_name(plan.monday),
        from_=plan.monday,
        to=plan.monday + dt.timedelta(days=6),
        timezone=config.timezone,
        basis=response.basis,
        history_days=response.history_days,
        history_from=response.history_from,
        history_to=response.history_to,
        max_agents=plan.max_agents,
        totals=TotalsOut(
            agent_hours=round(rota.agent_hours, 2),
            lower_bound=round(rota.lower_bound, 2),
            gap=round(rota.gap, 4),
            shifts=len(rota.shifts),
        ),
        half_hours=[
            HalfHourOut(
                day=item.day,
                time=_clock(item.start),
                needed=item.needed,
                planned=item.planned,
                at_lunch=item.at_lunch,
            )
            for item in rota.half_hours
        ],
        shifts=[
            ShiftOut(
                day=shift.day,
                start=_clock(shift.start),
                end=_clock(shift.end),
                lunch_start=None if shift.lunch_start is None else _clock(shift.lunch_start),
                lunch_end=None if shift.lunch_end is None else _clock(shift.lunch_end),
            )
            for shift in rota.shifts
        ],
        advice=[BatchAdviceOut.of(item) for item in plan.advice],
    )


def infeasible_out(exc: RotaInfeasibleError) -> InfeasibleOut:
    return InfeasibleOut(
        message=str(exc),
        half_hours=[
            UncoveredOut(
                day=item.day,
                time=_clock(item.start),
                needed=item.needed,
                coverable=item.coverable,
                reason=item.reason.value,
            )
            for item in exc.half_hours
        ],
    )


def inputs_of(rt: Runtime[Any], helpdesk: str) -> Inputs:
    config = rt.config
    desk = config.helpdesk(helpdesk)
    if desk is None:
        known = ", ".join(item.id for item in config.helpdesks)
        raise HTTPException(
            status_code=422, detail=f"unknown helpdesk {helpdesk!r}; the helpdesks are {known}"
        )
    return Inputs(
        helpdesk_id=desk.id,
        schedule=config.schedule(desk),
        lag_prior=config.staffing.lag_profile,
        targets=targets_of(config, desk),
        today=rt.clock().astimezone(config.zone).date(),
    )


@router.get(
    "/staffing-plan",
    summary="A week's rota: shifts with staggered lunches covering the forecast's need per half hour",
    description="The need per half hour comes from the hourly forecast (at least min_agents while open); "
    "the rota has the fewest agent-hours with the configured shift lengths and lunch rule, at most the "
    "helpdesk's enabled agents on shift at once. A need that cannot be covered answers 409 naming every "
    "such half hour. CSV: `format=csv` with `table=half_hours` (default) or `table=shifts`.",
    dependencies=readers,
    response_model=StaffingPlanOut,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "JSON, or CSV"},
        409: {"model": Infeasible, "description": "the need cannot be covered"},
        **REFUSED,
    },
)
def get_staffing_plan(
    rt: Rt,
    helpdesk: Annotated[str, Query(description="helpdesk id", max_length=40)],
    week: Annotated[str, Query(description="ISO week, YYYY-Www (2026-W50)", max_length=10)],
    format_: Annotated[Literal["json", "csv"], Query(alias="format", description="json or csv")] = "json",
    table: Annotated[
        Literal["half_hours", "shifts"], Query(description="CSV only: which table")
    ] = "half_hours",
) -> StaffingPlanOut | Response:
    inputs = inputs_of(rt, helpdesk)
    try:
        monday = parse_week(week)
    except WeekError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    problem = forecast_problem(rt.config, helpdesk, monday, monday + dt.timedelta(days=6))
    if problem is not None:
        raise HTTPException(status_code=422, detail=problem)
    rules = ShiftRules.from_staffing(rt.config.staffing)
    try:
        with rt.session() as session:
            plan = plan_week(session, inputs, monday, rules)
    except AgentsOutOfReachError as exc:
        raise HTTPException(status_code=422, detail=f"the forecast is out of reach: {exc}") from None
    except RotaInfeasibleError as exc:
        raise HTTPException(status_code=409, detail=infeasible_out(exc).model_dump(mode="json")) from None
    if format_ == "json":
        return plan_out(rt.config, helpdesk, plan)
    out = io.StringIO()
    (write_half_hours_csv if table == "half_hours" else write_shifts_csv)(plan.rota, out)
    name = f"staffing-plan-{helpdesk}-{week_name(monday)}-{table}.csv"
    return Response(
        content=out.getvalue(),
        media_type=CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/invitations/advice",
    summary="Advice on the planned invitation batches of a period (playbook 1.4.1)",
    description="Each batch dated after today within the period: its peak day by the lag profile, flagged "
    "when that falls on a day the helpdesk is closed or the day before one, or when the forecast needs more "
    "agents at once than the helpdesk has ever had logged in.",
    dependencies=readers,
    responses=REFUSED,
)
def get_advice(
    rt: Rt,
    helpdesk: Annotated[str, Query(description="helpdesk id", max_length=40)],
    first: Annotated[dt.date, Query(alias="from", description="first date of sending, YYYY-MM-DD")],
    last: Annotated[dt.date, Query(alias="to", description="last date of sending (included), YYYY-MM-DD")],
) -> AdviceOut:
    inputs = inputs_of(rt, helpdesk)
    problem = forecast_problem(rt.config, helpdesk, first, last)
    if problem is not None:
        raise HTTPException(status_code=422, detail=problem)
    try:
        with rt.session() as session:
            advice = advice_for(session, inputs, first, last)
    except AgentsOutOfReachError as exc:
        raise HTTPException(status_code=422, detail=f"the forecast is out of reach: {exc}") from None
    return AdviceOut(helpdesk=helpdesk, from_=first, to=last, batches=[BatchAdviceOut.of(a) for a in advice])
