"""UtcDateTime: aware UTC in and out on both databases, naive input refused."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from database import UtcDateTime

BRUSSELS = ZoneInfo("Europe/Brussels")

# DDL inside the test's transaction is rolled back with it, on SQLite as on PostgreSQL.
probe = Table("utc_probe", MetaData(), Column("id", Integer, primary_key=True), Column("at", UtcDateTime()))


@pytest.fixture
def probe_session(session: Session) -> Session:
    probe.create(session.connection())
    return session


@pytest.mark.parametrize(
    ("written", "read"),
    [
        pytest.param(
            dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),
            id="utc-kept",
        ),
        pytest.param(
            dt.datetime(2026, 3, 29, 3, 30, 15, 250000, tzinfo=BRUSSELS),
            dt.datetime(2026, 3, 29, 1, 30, 15, 250000, tzinfo=dt.UTC),
            id="brussels-summer-time-to-utc",
        ),
        pytest.param(
            dt.datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BRUSSELS),
            dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC),
            id="brussels-repeated-hour-second-pass",
        ),
        pytest.param(
            dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
            dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC),
            id="fixed-offset-to-utc",
        ),
    ],
)
def test_round_trip_returns_the_same_instant_in_utc(
    probe_session: Session, written: dt.datetime, read: dt.datetime
) -> None:
    probe_session.execute(insert(probe).values(id=1, at=written))

    value = probe_session.execute(select(probe.c.at)).scalar_one()

    assert value == read
    assert value.tzinfo is dt.UTC


def test_stored_value_is_the_utc_instant(probe_session: Session) -> None:
    probe_session.execute(insert(probe).values(id=1, at=dt.datetime(2026, 7, 1, 9, 0, tzinfo=BRUSSELS)))

    raw = probe_session.execute(text("SELECT at FROM utc_probe")).scalar_one()

    if probe_session.get_bind().dialect.name == "sqlite":
        assert raw == "2026-07-01 07:00:00.000000"
    else:
        assert raw == dt.datetime(2026, 7, 1, 7, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "db_backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_postgresql_session_time_zone_does_not_change_what_is_read(probe_session: Session) -> None:
    probe_session.execute(insert(probe).values(id=1, at=dt.datetime(2026, 7, 1, 7, 0, tzinfo=dt.UTC)))
    probe_session.execute(text("SET LOCAL TIME ZONE 'America/New_York'"))

    value = probe_session.execute(select(probe.c.at)).scalar_one()

    assert (value, value.tzinfo) == (dt.datetime(2026, 7, 1, 7, 0, tzinfo=dt.UTC), dt.UTC)


def test_null_stays_null(probe_session: Session) -> None:
    probe_session.execute(insert(probe).values(id=1, at=None))

    assert probe_session.execute(select(probe.c.at)).scalar_one() is None


def test_naive_datetime_is_refused(probe_session: Session) -> None:
    with pytest.raises(StatementError, match=r"naive datetime 2026-07-01T09:00:00 refused"):
        probe_session.execute(insert(probe).values(id=1, at=dt.datetime(2026, 7, 1, 9, 0)))  # noqa: DTZ001
