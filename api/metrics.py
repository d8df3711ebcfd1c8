"""``GET /metrics``: live line state in the Prometheus text format, for the monitoring scraper.

The values are read from the database at scrape time, so every instance behind the load
balancer reports the same numbers. Unauthenticated, like the usual exporters: it shows counts
per helpdesk, never a caller or an agent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from agents import agents_outbound
from calls import closures, line_state, returning_waiting
from complaints import overdue_counts
from routing import LineState
from service.runtime import Runtime
from staffing import StaffingReason, open_alerts, understaffed

log = logging.getLogger("ivr.metrics")
router = APIRouter(tags=["health"])
# The classic text format every Prometheus version reads (generate_latest writes exactly that).
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


class LineCollector(Collector):
    """Gauges per helpdesk, computed at each scrape from the config, the clock and the database."""

    def __init__(self, runtime: Runtime[Any]) -> None:
        self._runtime = runtime

    def describe(self) -> list[Metric]:
        # Registering must not touch the database; the names are fixed anyway.
        return []

    def collect(self) -> Iterator[Metric]:
        rt = self._runtime
        config = rt.config
        now = rt.clock()
        lines: dict[str, LineState] | None
        closed: set[str] = set()
        # Shown apart: agents calling citizens, and callers returning a call of ours they missed.
        outbound: dict[str, int] = {}
        returning: dict[str, int] = {}
        late: dict[str, int] = {}
        # The forecast's alerts are the staffing watch's (it reads the forecast once an hour).
        forecast_short: set[str] = set()
        try:
            with rt.session() as session:
                lines = {desk.id: line_state(session, desk.id) for desk in config.helpdesks}
                outbound = {desk.id: agents_outbound(session, desk.id) for desk in config.helpdesks}
                returning = {desk.id: returning_waiting(session, desk.id) for desk in config.helpdesks}
                closed = {key for key, state in closures(session).items() if state.closure.applies(now)}
                late = overdue_counts(session, now.astimezone(config.zone).date())
                forecast_short = {
                    key
                    for key, alert in open_alerts(session).items()
                    if alert.reason is StaffingReason.FORECAST
                }
        except SQLAlchemyError:
            log.warning("database unreachable: /metrics answers without line state", exc_info=True)
            lines = None

        opened = GaugeMetricFamily(
            "ivr_helpdesk_open", "1 while the helpdesk is open by its hours, else 0", labels=["helpdesk"]
        )
        agents = GaugeMetricFamily(
            "ivr_agents_logged_in", "Agents available to take callers (not on break)", labels=["helpdesk"]
        )
        calling = GaugeMetricFamily(
            "ivr_agents_outbound",
            "Agents calling citizens from the call lists (logged in, taking no callers)",
            labels=["helpdesk"],
        )
        waiting = GaugeMetricFamily("ivr_callers_waiting", "Callers in the queue", labels=["helpdesk"])
        returned = GaugeMetricFamily(
            "ivr_callers_returning",
            "Of the callers in the queue, those ringing back after a call of ours they missed (taken first)",
            labels=["helpdesk"],
        )
        closure = GaugeMetricFamily(
            "ivr_helpdesk_closed",
            "1 while ops have closed the helpdesk (POST /api/helpdesks/ID/closure, ivr close), else 0",
            labels=["helpdesk"],
        )
        alert = GaugeMetricFamily(
            "ivr_staffing_alert",
            "1 while the helpdesk is open with fewer agents logged in than queue.min_agents "
            "(reason min_agents) or, by the staffing watch, than the forecast needs this hour "
            "(reason forecast)",
            labels=["helpdesk", "reason"],
        )
        complaints = GaugeMetricFamily(
            "ivr_complaints_overdue",
            "Open complaints whose final answer is due within 7 days or late (45 calendar days after "
            "receipt)",
            labels=["helpdesk"],
        )
        for desk in config.helpdesks:
            open_now = config.schedule(desk).is_open(now)
            opened.add_metric([desk.id], int(open_now))
            if lines is not None:
                line = lines[desk.id]
                agents.add_metric([desk.id], line.agents_logged_in)
                calling.add_metric([desk.id], outbound[desk.id])
                closure.add_metric([desk.id], int(desk.id in closed))
                waiting.add_metric([desk.id], line.callers_waiting)
                returned.add_metric([desk.id], returning[desk.id])
                complaints.add_metric([desk.id], late.get(desk.id, 0))
                required = desk.queue.min_agents
                below_min = understaffed(open_now, line.agents_logged_in, required)
                alert.add_metric([desk.id, StaffingReason.MIN_AGENTS.value], int(below_min))
                # Below the floor is one alert, not two: the forecast's waits until the floor is met.
                below_forecast = desk.id in forecast_short and open_now and not below_min
                alert.add_metric([desk.id, StaffingReason.FORECAST.value], int(below_forecast))
        yield opened
        if lines is not None:
            yield from (agents, calling, waiting, returned, alert, closure, complaints)
        yield GaugeMetricFamily(
            "ivr_database_up", "1 when the database answered this scrape", value=int(lines is not None)
        )
        yield GaugeMetricFamily(
            "ivr_writes_pending",
            "Webhook writes this process handed to its group commit and not yet committed",
            value=rt.writer.pending() if rt.writer is not None else 0,
        )
        yield CounterMetricFamily(
            "ivr_writes_dead_lettered",
            "Writes this process kept as dead letters since it started: refused by the database for "
            "what they hold (see the write_dead_letters table, or the spool's dead-letter file)",
            value=rt.dead_lettered,
        )


def metrics_registry(runtime: Runtime[Any]) -> CollectorRegistry:
    """A registry of this app's own: apps in one process (tests, dry runs) do not share gauges."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LineCollector(runtime))
    return registry


@router.get(
    "/metrics",
    summary="Live line state per helpdesk (Prometheus text format)",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}}},
)
def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.metrics_registry
    return Response(content=generate_latest(registry), media_type=CONTENT_TYPE)
