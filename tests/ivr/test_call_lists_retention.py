"""The retention job erases the numbers of call lists closed more than ``retention_days`` ago, and
only theirs; no log line ever carries one (on SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from service.jobs import Job, Jobs
from tests.ivr.conftest import OPS_TOKEN, Line
from tests.ivr.test_retention import _digits, _texts_in_database

AUTH = {"Authorization": f"Bearer {OPS_TOKEN}"}
CLOSED = ["+32470556601", "+32470556602"]
OPEN = ["+32470556603"]


def _import(line: Line, numbers: list[str]) -> int:
    body = {
        "helpdesk": "voorkempen",
        "purpose": "reschedule",
        "label": "verplaatsen donderdag",
        "people": [{"number": number} for number in numbers],
    }
    response = line.client.post("/api/call-lists", json=body, headers=AUTH)
    assert response.status_code == 201, response.text
    list_id: int = response.json()["id"]
    return list_id


def test_numbers_of_closed_lists_are_erased_after_retention(
    line: Line, migrated_db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    line.clock.set_local("2026-12-02 10:00")
    closed = _import(line, CLOSED)
    still_open = _import(line, OPEN)
    assert line.client.post(f"/api/call-lists/{closed}/close", headers=AUTH).status_code == 200
    jobs = Jobs(line.runtime)

    # Kept while the retention period runs: retention_days is 30 in the example config.
    assert Job.RETENTION in jobs.run_tick(line.clock() + timedelta(days=30) - timedelta(minutes=1))
    stored = _texts_in_database(migrated_db_url)
    assert all(number in stored for number in CLOSED + OPEN)

    erased_at = line.clock() + timedelta(days=30, minutes=1)
    assert Job.RETENTION in jobs.run_tick(erased_at)
    stored = _texts_in_database(migrated_db_url)
    for number in CLOSED:
        for form in _digits(number):
            assert [value for value in stored if form in value] == []
    assert OPEN[0] in stored  # an open list keeps its numbers: they are still to be called

    lists = {found["id"]: found for found in line.client.get("/api/call-lists", headers=AUTH).json()}
    assert lists[closed]["numbers_erased_at"] == "2027-01-01T10:01:00+01:00"
    assert lists[still_open]["numbers_erased_at"] is None
    entries = line.client.get(f"/api/call-lists/{closed}", headers=AUTH).json()["entries"]
    assert [entry["masked_number"] for entry in entries] == ["+32 4** ** ** 01", "+32 4** ** ** 02"]

    logged = [record.getMessage() for record in caplog.records] + [
        str(value) for record in caplog.records for value in vars(record).values()
    ]
    assert any(record.getMessage() == "numbers of closed call lists erased" for record in caplog.records)
    for number in CLOSED + OPEN:
        for form in _digits(number):
            assert [message for message in logged if form in message] == []
