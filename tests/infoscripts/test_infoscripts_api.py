"""``/api/info-scripts`` (on SQLite and PostgreSQL): supervisors and ops search and read, only ops
add, change and delete; the answer is the domain's (same order, same ranks); errors and OpenAPI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app import create_app
from escalations import Escalation
from infoscripts import search, seed
from service.runtime import Runtime
from tests.ivr.conftest import BASE, OPS_TOKEN, SUPERVISOR_TOKEN, Clock, make_settings

OPS = {"Authorization": f"Bearer {OPS_TOKEN}"}
SUPERVISOR = {"Authorization": f"Bearer {SUPERVISOR_TOKEN}"}
NEW = {"question": "Is er een pendelbus?", "answer": "Ja, elk halfuur vanaf het station.", "tags": ["Bus"]}


@dataclass
class Api:
    client: TestClient
    runtime: Runtime[Any]
    clock: Clock


@pytest.fixture
def api(migrated_db_url: str) -> Iterator[Api]:
    clock = Clock()
    app: FastAPI = create_app(make_settings(migrated_db_url), clock=clock)
    with TestClient(app, base_url=BASE) as client:
        runtime: Runtime[Any] = app.state.runtime
        with runtime.session() as session:
            seed(session, clock.now)
        yield Api(client=client, runtime=runtime, clock=clock)


def test_a_search_answers_the_domains_results_best_first(api: Api) -> None:
    answer = api.client.get("/api/info-scripts", params={"q": "vervoer"}, headers=SUPERVISOR)
    assert answer.status_code == 200
    found = answer.json()
    with api.runtime.sessions() as session:
        expected = search(session, "vervoer")
    assert [(item["id"], item["rank"]) for item in found] == [(hit.entry.id, hit.rank) for hit in expected]
    first = found[0]
    assert (first["question"], first["source"], first["playbook_section"], first["created_by"]) == (
        "Vragen over vervoer van en naar het vaccinatiecentrum",
        "playbook",
        "1.3.1.6",
        "seed:playbook",
    )
    assert (
        api.client.get("/api/info-scripts", params={"q": "thuisvaccinatie"}, headers=OPS).json()[0][
            "playbook_section"
        ]
        == "1.3.1.7"
    )


def test_without_a_query_every_entry_in_the_playbooks_order(api: Api) -> None:
    found = api.client.get("/api/info-scripts", headers=SUPERVISOR).json()
    assert [item["playbook_section"] for item in found] == [f"1.3.1.{number}" for number in range(1, 10)]
    assert {item["rank"] for item in found} == {None}


def test_ops_add_change_and_delete_and_the_search_follows(api: Api) -> None:
    added = api.client.post("/api/info-scripts", json={**NEW, "helpdesk": "voorkempen"}, headers=OPS)
    assert added.status_code == 201
    body = added.json()
    assert (body["question"], body["tags"], body["helpdesk"], body["source"], body["created_by"]) == (
        "Is er een pendelbus?",
        ["bus"],
        "voorkempen",
        "team",
        "api:ops#1",
    )
    entry_id = body["id"]
    assert [item["id"] for item in api.client.get("/api/info-scripts?q=pendelbus", headers=OPS).json()] == [
        entry_id
    ]
    assert api.client.get("/api/info-scripts?q=pendelbus&helpdesk=kempen-zuid", headers=OPS).json() == []
    api.clock.now += dt.timedelta(minutes=5)
    changed = api.client.put(
        f"/api/info-scripts/{entry_id}",
        json={"question": "Is er een belbus?", "answer": "De belbus rijdt op werkdagen."},
        headers=OPS,
    )
    assert changed.status_code == 200
    assert (changed.json()["helpdesk"], changed.json()["updated_at"] > changed.json()["created_at"]) == (
        None,
        True,
    )
    assert api.client.get("/api/info-scripts?q=pendelbus", headers=OPS).json() == []
    assert api.client.get(f"/api/info-scripts/{entry_id}", headers=SUPERVISOR).json()["question"] == (
        "Is er een belbus?"
    )
    assert api.client.delete(f"/api/info-scripts/{entry_id}", headers=OPS).status_code == 204
    assert api.client.get(f"/api/info-scripts/{entry_id}", headers=OPS).status_code == 404
    assert api.client.delete(f"/api/info-scripts/{entry_id}", headers=OPS).status_code == 404


def test_an_entry_from_an_escalation_names_it(api: Api) -> None:
    with api.runtime.session() as session:
        row = Escalation(
            token="a" * 32,
            helpdesk_id="voorkempen",
            priority="normal",
            source="agent",
            agent="101",
            call_sid="CA" + "1" * 32,
            recording_call_sid="CA" + "2" * 32,
            recording_status="completed",
            status="answered",
            note="Taxicheques bij de gemeente.",
            created_at=api.clock.now,
            updated_at=api.clock.now,
        )
        session.add(row)
        session.flush()
        escalation_id = row.id
    added = api.client.post("/api/info-scripts", json={**NEW, "escalation": escalation_id}, headers=OPS)
    assert (added.status_code, added.json()["source"], added.json()["escalation"]) == (
        201,
        "escalation",
        escalation_id,
    )
    unknown = api.client.post("/api/info-scripts", json={**NEW, "escalation": escalation_id + 1}, headers=OPS)
    assert (unknown.status_code, unknown.json()) == (422, {"detail": f"no escalation {escalation_id + 1}"})


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/info-scripts", NEW),
        ("put", "/api/info-scripts/1", NEW),
        ("delete", "/api/info-scripts/1", None),
    ],
    ids=["add", "change", "delete"],
)
def test_supervisors_read_but_only_ops_change(api: Api, method: str, path: str, body: Any) -> None:
    assert api.client.request(method, path, json=body, headers=SUPERVISOR).status_code == 403
    assert api.client.request(method, path, json=body).status_code == 401
    assert api.client.get("/api/info-scripts/1", headers=SUPERVISOR).json()["playbook_section"] == "1.3.1.1"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({**NEW, "question": ""}, 422),
        ({**NEW, "answer": "A" * 6001}, 422),
        ({**NEW, "tags": [f"t{n}" for n in range(11)]}, 422),
        ({**NEW, "helpdesk": "nergens"}, 422),
        ({**NEW, "extra": 1}, 422),
        ({**NEW, "answer": "   "}, 422),
    ],
    ids=[
        "empty-question",
        "long-answer",
        "too-many-tags",
        "unknown-helpdesk",
        "unknown-field",
        "blank-answer",
    ],
)
def test_a_bad_entry_is_refused_and_nothing_stored(api: Api, body: dict[str, Any], status: int) -> None:
    assert api.client.post("/api/info-scripts", json=body, headers=OPS).status_code == status
    assert len(api.client.get("/api/info-scripts", headers=OPS).json()) == 9


def test_the_routes_are_in_the_openapi_document(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    assert set(paths["/api/info-scripts"]) == {"get", "post"}
    assert set(paths["/api/info-scripts/{entry_id}"]) == {"get", "put", "delete"}
