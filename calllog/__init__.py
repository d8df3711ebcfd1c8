"""The call log: what became of every citizen call, the events it is derived from, and the KPIs
of PRODUCT.md "Metrics" (playbook 1.2.2 "rapportering", 1.4.1 and 1.4.2)."""

from calllog.events import (
    EVENT_KINDS,
    OVERFLOW_REASONS,
    LocalArrival,
    NewEvent,
    local_arrival,
    local_midnight,
    new_event,
    record_event,
    record_events,
)
from calllog.export import CALL_COLUMNS, KPI_COLUMNS, Cell, call_row, cell_text, kpi_row, to_csv
from calllog.invitations import InvitationDay, list_invitations, set_invitations
from calllog.kpis import (
    FIRST_REPORT_DATE,
    LAST_REPORT_DATE,
    STEPS,
    Bucket,
    Kpis,
    Step,
    Thresholds,
    bucket_count,
    series,
    summary,
)
from calllog.listing import MAX_LIMIT, CallEntry, CallPage, InvalidCursorError, list_calls
from calllog.menus import MENU_HOWS, MenuKpis, menu_summary
from calllog.privacy import DEFAULT_RETENTION_DAYS, Caller, caller_fields, mask_number, purge_raw_numbers
from calllog.projection import FINAL_STATUSES, OUTCOMES, Event, Projection, project
from calllog.recent import wait_history
from calllog.tables import CallEvent, CallRecord, Invitation
from calllog.waits import WAIT_BANDS, WaitBand, wait_distribution

__all__ = [
    "CALL_COLUMNS",
    "DEFAULT_RETENTION_DAYS",
    "EVENT_KINDS",
    "FINAL_STATUSES",
    "FIRST_REPORT_DATE",
    "KPI_COLUMNS",
    "LAST_REPORT_DATE",
    "MAX_LIMIT",
    "MENU_HOWS",
    "OUTCOMES",
    "OVERFLOW_REASONS",
    "STEPS",
    "WAIT_BANDS",
    "Bucket",
    "CallEntry",
    "CallEvent",
    "CallPage",
    "CallRecord",
    "Caller",
    "Cell",
    "Event",
    "InvalidCursorError",
    "Invitation",
    "InvitationDay",
    "Kpis",
    "LocalArrival",
    "MenuKpis",
    "NewEvent",
    "Projection",
    "Step",
    "Thresholds",
    "WaitBand",
    "bucket_count",
    "call_row",
    "caller_fields",
    "cell_text",
    "kpi_row",
    "list_calls",
    "list_invitations",
    "local_arrival",
    "local_midnight",
    "mask_number",
    "menu_summary",
    "new_event",
    "project",
    "purge_raw_numbers",
    "record_event",
    "record_events",
    "series",
    "set_invitations",
    "summary",
    "to_csv",
    "wait_distribution",
    "wait_history",
]
