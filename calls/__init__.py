"""Citizen calls: the queue each helpdesk's callers wait in, and helpdesks closed by operations."""

from calls.closures import AuditEntry, ClosureState, close_helpdesk, closure_audit, closures, reopen_helpdesk
from calls.queue import (
    QueueChanges,
    answered_since,
    apply_queue_changes,
    callers_waiting,
    claim_for_redirect,
    enter_queue,
    leave_queue,
    line_state,
    line_states,
    lock_lines,
    longest_wait,
    mark_answered,
    waiting_call_sids,
)
from calls.tables import ClosureAudit, HelpdeskClosure, QueueEntry

__all__ = [
    "AuditEntry",
    "ClosureAudit",
    "ClosureState",
    "HelpdeskClosure",
    "QueueChanges",
    "QueueEntry",
    "answered_since",
    "apply_queue_changes",
    "callers_waiting",
    "claim_for_redirect",
    "close_helpdesk",
    "closure_audit",
    "closures",
    "enter_queue",
    "leave_queue",
    "line_state",
    "line_states",
    "lock_lines",
    "longest_wait",
    "mark_answered",
    "reopen_helpdesk",
    "waiting_call_sids",
]
