"""Citizen calls: the queue each helpdesk's callers wait in."""

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
from calls.tables import QueueEntry

__all__ = [
    "QueueChanges",
    "QueueEntry",
    "answered_since",
    "apply_queue_changes",
    "callers_waiting",
    "claim_for_redirect",
    "enter_queue",
    "leave_queue",
    "line_state",
    "line_states",
    "lock_lines",
    "longest_wait",
    "mark_answered",
    "waiting_call_sids",
]
