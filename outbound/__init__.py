"""Calls to citizens from the agent line (playbook 1.5): call lists, the people on them, the
attempts, the do-not-call register and the citizens who ring back."""

from outbound.dialling import (
    FILLED,
    Claimed,
    Recorded,
    claim_next,
    finish_attempt,
    record_outcome,
    record_screen,
    record_talk,
    release_claims,
    screened_as,
    start_attempt,
)
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
    "FILLED",
    "MISSED",
    "UNREACHED",
    "CallList",
    "CallListEntry",
    "Claimed",
    "DoNotCall",
    "EntryState",
    "OutboundAttempt",
    "Outcome",
    "Purpose",
    "Recorded",
    "claim_next",
    "finish_attempt",
    "record_outcome",
    "record_screen",
    "record_talk",
    "release_claims",
    "screened_as",
    "start_attempt",
]
