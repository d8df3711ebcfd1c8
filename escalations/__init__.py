"""Escalated questions (playbook 1.3.2.2, 1.5.2, 1.2.3.3): an agent's question for a more
experienced colleague, and the central helpdesk's urgent questions, each a recording to listen to
and a citizen to call back."""

from escalations.recording import NewEscalation, Recorded, RecordingReport, record_escalation
from escalations.tables import (
    CLOSED,
    ContactReveal,
    Escalation,
    Priority,
    RecordingStatus,
    Source,
    Status,
)

__all__ = [
    "CLOSED",
    "ContactReveal",
    "Escalation",
    "NewEscalation",
    "Priority",
    "Recorded",
    "RecordingReport",
    "RecordingStatus",
    "Source",
    "Status",
    "record_escalation",
]
