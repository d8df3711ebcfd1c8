"""Staffing watch and the once-per-minute scheduled jobs shared by every instance."""

from staffing.alerts import Alert, alerts, open_alerts, raise_alert, resolve_alert, shortfall, understaffed
from staffing.reaping import agent_call_sids, stale_queue_call_sids
from staffing.tables import JobTick, StaffingAlert, StaffingReason
from staffing.ticks import claim_tick, prune_ticks, tick_of

__all__ = [
    "Alert",
    "JobTick",
    "StaffingAlert",
    "StaffingReason",
    "agent_call_sids",
    "alerts",
    "claim_tick",
    "open_alerts",
    "prune_ticks",
    "raise_alert",
    "resolve_alert",
    "shortfall",
    "stale_queue_call_sids",
    "tick_of",
    "understaffed",
]
