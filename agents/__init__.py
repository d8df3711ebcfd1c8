"""Agents and their presence on the lines of each helpdesk."""

from agents.presence import (
    AgentKey,
    Presence,
    agents_logged_in,
    end_agent_call,
    logged_in_query,
    presence,
    set_presence,
)
from agents.tables import AgentPresence, PresenceStatus

__all__ = [
    "AgentKey",
    "AgentPresence",
    "Presence",
    "PresenceStatus",
    "agents_logged_in",
    "end_agent_call",
    "logged_in_query",
    "presence",
    "set_presence",
]
