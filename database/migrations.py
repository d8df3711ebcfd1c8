"""Bringing a database to the newest schema with the project's Alembic migrations.

Alembic (with Mako and Pygments behind it) is imported when a migration runs, not when the
service starts: every web worker would otherwise carry it in memory without ever using it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

# Migrations ship with the source tree (alembic/ beside pyproject.toml), which is why the
# project is installed in editable mode, also in the container image.
_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def alembic_config(url: str) -> Config:
    """The Alembic configuration from ``pyproject.toml``, pointed at ``url``."""
    from alembic.config import Config

    config = Config(toml_file=_PYPROJECT)
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` (the newest by default) to the database at ``url``."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
