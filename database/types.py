"""Column types shared by the domains."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A point in time, stored in UTC and always read back as an aware UTC datetime.

    PostgreSQL keeps it as ``timestamp with time zone``. SQLite has no time zone support, so the
    UTC wall time is stored and UTC is attached again on the way out; that is why naive input is
    refused instead of guessed at: a naive value would silently mean different instants
    depending on the server's local time.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: pass a timezone-aware datetime")
        utc = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return utc.replace(tzinfo=None)
        return utc

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
