"""Database plumbing shared by the data domains: metadata, engine, sessions and migrations.

The tables themselves live with the domain that owns them (``agents``, ``calls``); this package
only knows how to connect, how timestamps are stored and how to bring a database to the newest
schema.
"""

from database.base import NAMING_CONVENTION, Base
from database.dead_letters import Letter, count_dead_letters, dead_letters, store_dead_letters
from database.engine import DEFAULT_URL, make_engine, make_sessionmaker, ping, writer_lock
from database.migrations import alembic_config, upgrade
from database.statements import ManyRows, dialect_insert, insert_unnested, unnested
from database.types import UtcDateTime

__all__ = [
    "DEFAULT_URL",
    "NAMING_CONVENTION",
    "Base",
    "Letter",
    "ManyRows",
    "UtcDateTime",
    "alembic_config",
    "count_dead_letters",
    "dead_letters",
    "dialect_insert",
    "insert_unnested",
    "make_engine",
    "make_sessionmaker",
    "ping",
    "store_dead_letters",
    "unnested",
    "upgrade",
    "writer_lock",
]
