"""The info scripts' table (``info_scripts``): questions agents get and the answer to give.

Full-text search needs what a model cannot state for both databases: on SQLite an FTS5 virtual
table kept in step by triggers, on PostgreSQL a stored generated Dutch ``tsvector`` column with
a GIN index.
The migration creates them (``infoscripts.search`` holds the expressions); they are named in
``SEARCH_SCHEMA`` so that the comparison of models and migrations leaves them out.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from database import Base, UtcDateTime

# The search structures the migration creates outside the models: the FTS5 table and the
# shadow tables SQLite keeps for it, and PostgreSQL's generated column and its index.
SEARCH_SCHEMA: Final = frozenset(
    {
        "info_scripts_fts",
        "info_scripts_fts_data",
        "info_scripts_fts_idx",
        "info_scripts_fts_docsize",
        "info_scripts_fts_config",
        "search_vector",
        "ix_info_scripts_search",
    }
)


def modelled(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name``: everything but the search structures is compared with the models."""
    return name not in SEARCH_SCHEMA


class InfoScript(Base):
    """One question with the answer agents give, for every helpdesk or one (``helpdesk_id``).

    Where it came from: a section of the playbook (``playbook_section``, the seed), an answered
    escalation (``escalation_id``), or neither (written by the team).
    """

    __tablename__ = "info_scripts"

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    question: Mapped[str] = mapped_column(Text())
    answer: Mapped[str] = mapped_column(Text())
    # Words that find the entry besides its text, separated by a comma and a space.
    tags: Mapped[str] = mapped_column(String(400), default="")
    # None: every helpdesk.
    helpdesk_id: Mapped[str | None] = mapped_column(String(40))
    # The seed's key: one entry per section of the playbook, so seeding twice adds nothing.
    playbook_section: Mapped[str | None] = mapped_column(String(16), unique=True)
    escalation_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalations.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(120))
