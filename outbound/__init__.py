"""Calls to citizens from the agent line (playbook 1.5): call lists, the people on them, the
attempts, the do-not-call register and the citizens who ring back."""

from outbound.tables import (
    MISSED,
    UNREACHED,
    CallList,
    CallListEntry,
    DoNotCall,
    EntryState,
    OutboundAttempt,
    Outcome,
    Purpose,
)

__all__ = [
    "MISSED",
    "UNREACHED",
    "CallList",
    "CallListEntry",
    "DoNotCall",
    "EntryState",
    "OutboundAttempt",
    "Outcome",
    "Purpose",
]
