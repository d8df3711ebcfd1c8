"""The complaints in the scheduled jobs: the retention job erases a complainant's details
``complaints.retention_days`` after the complaint closed, and the overdue complaints are logged once
a day across instances (on SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import pytest

from service.jobs import Job, Jobs
from tests.ivr.conftest import BRUSSELS, OPS_TOKEN, Line

PERSON = {
    "name": "Karel Vos",
    "contact": "karel.vos@example.org",
    "description": "Drie uur gewacht aan de deur",
}


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BRUSSELS)


def register(line: Line, received_on: str, scope: str = "local", **person: str) -> int:
    body = {
        "helpdesk": "voorkempen",
        "received_on": received_on,
        "channel": "phone",
        "category": "organisation",
        "scope": scope,
        **PERSON,
        **person,
    }
    answer = line.client.post("/api/complaints", json=body, headers={"Authorization": f"Bearer {OPS_TOKEN}"})
    assert answer.status_code == 201, answer.text
    found: int = answer.json()["id"]
    return found


def read(line: Line, complaint_id: int) -> dict[str, Any]:
    found: dict[str, Any] = line.client.get(
        f"/api/complaints/{complaint_id}", headers={"Authorization": f"Bearer {OPS_TOKEN}"}
    ).json()
    return found


def test_the_retention_job_erases_the_details_of_closed_complaints(line: Line) -> None:
    line.clock.set_local("2026-12-02 10:00")
    answered = register(line, "2026-12-01")
    forwarded = register(line, "2026-12-01", scope="central", name="Greet Smet")
    still_open = register(line, "2026-12-01", name="Rik Aerts")
    change = {"outcome": "founded", "answered_on": "2026-12-02", "answer_channel": "phone"}
    line.client.patch(
        f"/api/complaints/{answered}", json=change, headers={"Authorization": f"Bearer {OPS_TOKEN}"}
    )
    jobs = Jobs(line.runtime)

    assert Job.RETENTION in jobs.run_tick(local("2027-12-02 09:59"))  # 364 days and 23 hours after closing
    assert [read(line, i)["name"] for i in (answered, forwarded, still_open)] == [
        "Karel Vos",
        "Greet Smet",
        "Rik Aerts",
    ]

    assert Job.RETENTION in jobs.run_tick(local("2027-12-02 10:01"))
    for closed in (answered, forwarded):
        erased = read(line, closed)
        assert (erased["name"], erased["contact"], erased["description"]) == (None, None, None)
        assert erased["erased_at"] == "2027-12-02T10:01:00+01:00"
        assert erased["outcome"] == ("founded" if closed == answered else None)
    kept = read(line, still_open)
    assert (kept["name"], kept["contact"], kept["erased_at"]) == ("Rik Aerts", "karel.vos@example.org", None)
    letter = line.client.get(
        f"/api/complaints/{answered}/answer-letter", headers={"Authorization": f"Bearer {OPS_TOKEN}"}
    )
    assert letter.text.splitlines()[2] == "Beste,"


def test_the_overdue_complaints_are_logged_once_a_day(line: Line, caplog: pytest.LogCaptureFixture) -> None:
    line.clock.set_local("2026-12-02 10:00")
    late = register(line, "2026-11-01")  # deadline 16 December: due within 7 days from 9 December
    register(line, "2026-12-01")
    first, second = Jobs(line.runtime), Jobs(line.runtime)  # two instances on one database

    with caplog.at_level(logging.INFO, logger="ivr.complaints"):
        ran = [
            first.run_tick(local("2026-12-08 07:00")),  # day 37: nothing overdue yet, nothing logged
            first.run_tick(local("2026-12-09 00:10")),
            second.run_tick(local("2026-12-09 00:10:30")),
            second.run_tick(local("2026-12-09 15:00")),
            second.run_tick(local("2026-12-10 00:00")),
        ]
    lines = [
        (r.levelname, r.getMessage(), vars(r)["complaints"])
        for r in caplog.records
        if r.name == "ivr.complaints" and "complaints" in vars(r)
    ]

    assert [Job.COMPLAINTS_OVERDUE in jobs for jobs in ran] == [True, True, False, False, True]
    overdue = [{"id": late, "helpdesk": "voorkempen", "deadline": "2026-12-16"}]
    assert lines == [
        ("WARNING", "1 complaints overdue (final answer due within 7 days or late)", overdue),
        ("WARNING", "1 complaints overdue (final answer due within 7 days or late)", overdue),
    ]
    logged = " ".join(str(value) for record in caplog.records for value in vars(record).values())
    assert [value for value in PERSON.values() if value in logged] == []
