"""Configuration: deployment ``Settings`` from the environment and the business YAML file."""

from config.loader import ConfigError, MeasureAudio, MediaError, load_config, parse_config
from config.models import (
    AgentLine,
    Central,
    Complaints,
    Helpdesk,
    HelpdeskConfig,
    Holidays,
    Menu,
    MenuChoice,
    Outbound,
    QueueSettings,
    Voice,
)
from config.settings import Settings

__all__ = [
    "AgentLine",
    "Central",
    "Complaints",
    "ConfigError",
    "Helpdesk",
    "HelpdeskConfig",
    "Holidays",
    "MeasureAudio",
    "MediaError",
    "Menu",
    "MenuChoice",
    "Outbound",
    "QueueSettings",
    "Settings",
    "Voice",
    "load_config",
    "parse_config",
]
