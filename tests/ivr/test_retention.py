"""After the retention job no raw caller number is left in the database, nor in any log line."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import String, Text, inspect, text

from agents import create_agent
from cli.simulate import Deployment
from config import HelpdeskConfig
from database import make_engine
from service.jobs import Job, Jobs
from tests.ivr.conftest import BRUSSELS, CONFIG

START = datetime(2026, 12, 2, 9, 30, tzinfo=BRUSSELS)
CALLERS = ["+32470112233", "+32471998877", "+32472445566", "+32473123123"]


def _texts_in_database(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        found = []
        with engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                columns = [
                    column["name"]
                    for column in inspect(connection).get_columns(table)
                    if isinstance(column["type"], String | Text)
                ]
                for column in columns:
                    rows = connection.execute(text(f'SELECT "{column}" FROM "{table}"')).scalars()  # noqa: S608
                    found += [str(value) for value in rows if value is not None]
        return found
    finally:
        engine.dispose()


def _digits(number: str) -> list[str]:
    return [number, number.removeprefix("+"), "0" + number.removeprefix("+32")]


def test_no_raw_number_after_retention(
    example_config: HelpdeskConfig, migrated_db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with Deployment(example_config, CONFIG, START, migrated_db_url) as deployment:
        sim = deployment.sim
        with deployment.runtime.session() as session:
            create_agent(session, "voorkempen", "101", "An", "1234", START)
        sim.place_call(
            from_="+32479000101", to="+3233100199", path="/twilio/agent", digits=[(2, "101#"), (2, "1234#")]
        )
        for n, caller in enumerate(CALLERS):
            sim.place_call(
                from_=caller, to="+3233100100", at=START + timedelta(seconds=60 + 20 * n), talk_seconds=30
            )
        sim.run(until=START + timedelta(minutes=15))
        stored = _texts_in_database(migrated_db_url)
        assert any(caller in stored for caller in CALLERS)  # kept for now: within retention

        later = START + timedelta(days=31)
        assert Job.RETENTION in Jobs(deployment.runtime).run_tick(later)

    stored = _texts_in_database(migrated_db_url)
    logged = [record.getMessage() for record in caplog.records] + [
        str(value) for record in caplog.records for value in vars(record).values()
    ]
    for caller in CALLERS:
        for form in _digits(caller):
            assert [value for value in stored if form in value] == []
            assert [line for line in logged if form in line] == []
