"""The forecast of a helpdesk's offered calls and the agents they need, from its invitation
batches (playbook 1.2.1, 1.4.1): ``GET /api/forecast`` for supervisors and ops."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from api.auth import require_role
from api.errors import REFUSED
from calllog import FIRST_REPORT_DATE, LAST_REPORT_DATE
from config import Helpdesk, HelpdeskConfig
from planning import Basis, Forecast, Step, Targets, forecast_helpdesk
from planning.erlang import AgentsOutOfReachError
from schedules.hours import DAY_KEYS
from service.runtime import Runtime, runtime

router = APIRouter(prefix="/api", tags=["planning"])
Rt = Annotated[Runtime[Any], Depends(runtime)]

# A quarter: a campaign's horizon, and an hourly answer of about 2,200 buckets.
MAX_FORECAST_DAYS: Final = 92


class ModelOut(BaseModel):
    """What the forecast rests on: the response to the invitations and the queue's figures."""

    contact_rate: float = Field(description="calls per invitation (playbook: about 1 in 20)")
    lag_profile: list[float] = Field(
        description="the share of a batch's calls on its open days +0 … +6; +0 is the day of sending, "
        "or the first open day after it when the helpdesk is closed that day"
    )
    hourly_profile: dict[str, list[float]] = Field(
        description="per weekday (mon … sun), the share of a day's calls in each hour from local "
        "midnight (0 … 23)"
    )
    talk_s: float = Field(description="mean talk time of the answered calls")
    wrap_up_s: int = Field(description="the agent line's wrap_up after each call")
    handle_s: float = Field(description="talk_s + wrap_up_s: the Erlang A model's handle time")
    patience_s: float | None = Field(
        description="mean patience of a waiting caller (Erlang A); null: nobody hung up in the queue, "
        "infinite patience (Erlang C)"
    )
    target_service_level: float = Field(description="staffing.target_service_level")
    service_level_s: int = Field(description="the helpdesk's queue.service_level_s")
    min_agents: int = Field(description="the helpdesk's queue.min_agents, the least while open")


class ForecastBucketOut(BaseModel):
    start: dt.datetime = Field(description="first instant of the day or hour, local time with its UTC offset")
    open: bool = Field(description="the helpdesk is open during (part of) the bucket")
    invitations: int | None = Field(description="per day: the invitations dated that day, sent or planned")
    offered: float = Field(description="expected offered calls")
    agents_needed: int = Field(
        description="agents to reach the target service level (per day: the busiest hour's); "
        "at least min_agents while open, 0 while closed"
    )


class ForecastOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    helpdesk: str
    from_: dt.date = Field(alias="from")
    to: dt.date
    step: Step
    timezone: str
    basis: Basis = Field(
        description="learned from the helpdesk's history, or the playbook's prior while it has fewer than 14 "
        "open days of history (or no invitations)"
    )
    history_days: int = Field(description="open days of history, from the first day with a call")
    history_from: dt.date | None = Field(description="first open day with a call in the history read")
    history_to: dt.date | None = Field(
        description="last day of the history read (the day before from, or yesterday)"
    )
    model: ModelOut
    buckets: list[ForecastBucketOut]


def targets_of(config: HelpdeskConfig, desk: Helpdesk) -> Targets:
    """What the helpdesk's staffing must reach, from the config."""
    return Targets(
        service_level=config.staffing.target_service_level,
        within_s=desk.queue.service_level_s,
        min_agents=desk.queue.min_agents,
        wrap_up_s=desk.agent_line.wrap_up,
    )


@dataclass(frozen=True, slots=True)
class ForecastRefused:
    """Why a forecast of a period cannot be made, in one line."""

    problem: str


def forecast_desk(
    config: HelpdeskConfig, helpdesk: str, first: dt.date, last: dt.date
) -> Helpdesk | ForecastRefused:
    """The helpdesk to forecast from ``first`` to ``last``, or why that forecast cannot be made."""
    desk = config.helpdesk(helpdesk)
    if desk is None:
        known = ", ".join(desk.id for desk in config.helpdesks)
        return ForecastRefused(f"unknown helpdesk {helpdesk!r}; the helpdesks are {known}")
    if first > last:
        return ForecastRefused(f"from ({first}) is after to ({last})")
    if first < FIRST_REPORT_DATE or last > LAST_REPORT_DATE:
        return ForecastRefused(f"dates must lie between {FIRST_REPORT_DATE} and {LAST_REPORT_DATE}")
    if (last - first).days + 1 > MAX_FORECAST_DAYS:
        return ForecastRefused(f"the period is longer than {MAX_FORECAST_DAYS} days")
    return desk


def forecast_problem(config: HelpdeskConfig, helpdesk: str, first: dt.date, last: dt.date) -> str | None:
    """Why a forecast of this period cannot be made, in one line; ``None`` when it can."""
    found = forecast_desk(config, helpdesk, first, last)
    return found.problem if isinstance(found, ForecastRefused) else None


def forecast_out(
    config: HelpdeskConfig, helpdesk: str, first: dt.date, last: dt.date, made: Forecast
) -> ForecastOut:
    response, targets = made.response, made.targets
    return ForecastOut(
        helpdesk=helpdesk,
        from_=first,
        to=last,
        step=made.step,
        timezone=config.timezone,
        basis=response.basis,
        history_days=response.history_days,
        history_from=response.history_from,
        history_to=response.history_to,
        model=ModelOut(
            contact_rate=round(response.contact_rate, 4),
            lag_profile=[round(share, 4) for share in response.lag_profile],
            hourly_profile={
                key: [round(share, 4) for share in profile]
                for key, profile in zip(DAY_KEYS, response.hourly_profile, strict=True)
            },
            talk_s=round(response.talk_s, 1),
            wrap_up_s=targets.wrap_up_s,
            handle_s=round(made.handle_s, 1),
            patience_s=round(response.patience_s, 1) if response.patience_s is not None else None,
            target_service_level=targets.service_level,
            service_level_s=targets.within_s,
            min_agents=targets.min_agents,
        ),
        buckets=[
            ForecastBucketOut(
                start=bucket.start,
                open=bucket.open,
                invitations=bucket.invitations,
                offered=round(bucket.offered, 1),
                agents_needed=bucket.agents_needed,
            )
            for bucket in made.buckets
        ],
    )


@router.get(
    "/forecast",
    summary="Expected offered calls and agents needed per day or hour, from the invitation batches",
    description="The contact rate, lag profile and hourly profile are learned from the helpdesk's call log "
    "and invitations before `from` (the playbook's prior until 14 open days of history); the agents needed "
    "come from an Erlang A queue with the measured talk time and patience. At most 92 days.",
    dependencies=[Depends(require_role("supervisor", "ops"))],
    responses=REFUSED,
)
def get_forecast(
    rt: Rt,
    helpdesk: Annotated[str, Query(description="helpdesk id", max_length=40)],
    first: Annotated[dt.date, Query(alias="from", description="first local date, YYYY-MM-DD")],
    last: Annotated[dt.date, Query(alias="to", description="last local date (included), YYYY-MM-DD")],
    step: Annotated[Step, Query(description="a bucket per day or per hour")] = Step.DAY,
) -> ForecastOut:
    config = rt.config
    desk = forecast_desk(config, helpdesk, first, last)
    if isinstance(desk, ForecastRefused):
        raise HTTPException(status_code=422, detail=desk.problem)
    today = rt.clock().astimezone(config.zone).date()
    try:
        with rt.session() as session:
            made = forecast_helpdesk(
                session,
                desk.id,
                config.schedule(desk),
                config.staffing.lag_profile,
                targets_of(config, desk),
                first,
                last,
                step,
                today,
            )
    except AgentsOutOfReachError as exc:
        raise HTTPException(status_code=422, detail=f"the forecast is out of reach: {exc}") from None
    return forecast_out(config, helpdesk, first, last, made)
