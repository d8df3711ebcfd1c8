"""The complaints register through the API (playbook 1.4.3.3): ten complaints across two quarters
with every category and outcome, the overdue ones on a fake clock, the quarterly export without
personal data, the draft answer word for word, and the roles (on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from httpx2 import Response

from tests.ivr.conftest import OPS_TOKEN, SUPERVISOR_TOKEN, Line

# (helpdesk, received_on, channel, category, scope, name, contact, description)
COMPLAINTS: list[tuple[str, str, str, str, str, str, str, str]] = [
    (
        "voorkempen",
        "2026-07-06",
        "phone",
        "too_few_slots",
        "local",
        "Jan Peeters",
        "+32470111201",
        "Geen enkel tijdslot vrij deze week",
    ),
    (
        "kempen-zuid",
        "2026-08-03",
        "email",
        "too_many_invited",
        "local",
        "Mie Claes",
        "mie.claes@example.org",
        "Veel te veel volk uitgenodigd op zaterdag",
    ),
    (
        "voorkempen",
        "2026-09-14",
        "desk",
        "organisation",
        "local",
        "Luc Janssens",
        "Kerkstraat 12 Malle",
        "Wachtrij buiten van een uur in de regen",
    ),
    (
        "kempen-zuid",
        "2026-09-30",
        "central_helpdesk",
        "wrong_information",
        "central",
        "An Maes",
        "an.maes@example.org",
        "Het callcenter 1700 gaf een fout adres",
    ),
    (
        "voorkempen",
        "2026-10-05",
        "phone",
        "staff_attitude",
        "local",
        "Piet Willems",
        "+32470111205",
        "Onvriendelijke steward aan de ingang",
    ),
    (
        "voorkempen",
        "2026-10-26",
        "email",
        "other",
        "local",
        "Els Goossens",
        "els.goossens@example.org",
        "Parking was afgesloten zonder uitleg",
    ),
    (
        "kempen-zuid",
        "2026-11-20",
        "phone",
        "organisation",
        "local",
        "Tom Wouters",
        "+32470111207",
        "Niemand wist waar de tweede prik gezet werd",
    ),
    (
        "voorkempen",
        "2026-11-20",
        "desk",
        "staff_attitude",
        "local",
        "Lien Mertens",
        "+32470111208",
        "Medewerker lachte met mijn vraag",
    ),
    (
        "kempen-zuid",
        "2026-12-15",
        "email",
        "wrong_information",
        "local",
        "Bart Dubois",
        "bart.dubois@example.org",
        "Helpdesk zei dat ik geen afspraak nodig had",
    ),
    (
        "voorkempen",
        "2026-11-03",
        "phone",
        "too_few_slots",
        "central",
        "Sofie Lambert",
        "+32470111210",
        "Reservatietool liet mij geen moment kiezen",
    ),
]
# complaint number (1-based) -> the PATCH that answers it
ANSWERS: dict[int, dict[str, Any]] = {
    1: {
        "investigation": "Planning nagekeken",
        "actions": "Extra slots op woensdag geopend",
        "outcome": "founded",
        "answered_on": "2026-08-10",
        "answer_channel": "letter",
    },
    2: {
        "investigation": "Uitnodigingen geteld",
        "outcome": "partly_founded",
        "answered_on": "2026-09-25",
        "answer_channel": "email",
    },
    3: {
        "investigation": "Camerabeelden bekeken",
        "outcome": "unfounded",
        "answered_on": "2026-10-20",
        "answer_channel": "phone",
    },
    5: {
        "investigation": "Gesprek met de steward",
        "actions": "De steward kreeg een onthaalopleiding",
        "outcome": "founded",
        "answered_on": "2026-11-19",
        "answer_channel": "letter",
    },
    6: {
        "investigation": "Gemeente gecontacteerd",
        "outcome": "unfounded",
        "answered_on": "2026-11-02",
        "answer_channel": "email",
    },
}
PERSONAL = ("name", "contact", "description", "investigation", "actions")


def send(
    line: Line, method: str, path: str, token: str | None = SUPERVISOR_TOKEN, body: Any = None
) -> Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return line.client.request(method, path, json=body, headers=headers)


def register_all(line: Line) -> list[int]:
    ids = []
    for desk, received, channel, category, scope, name, contact, description in COMPLAINTS:
        body = {
            "helpdesk": desk,
            "received_on": received,
            "channel": channel,
            "category": category,
            "scope": scope,
            "name": name,
            "contact": contact,
            "description": description,
        }
        answer = send(line, "POST", "/api/complaints", OPS_TOKEN, body)
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    for number, change in ANSWERS.items():
        answer = send(line, "PATCH", f"/api/complaints/{ids[number - 1]}", body=change)
        assert answer.status_code == 200, answer.text
    return ids


def overdue(line: Line) -> list[tuple[int, str, bool | None]]:
    found = send(line, "GET", "/api/complaints?overdue=true").json()
    return [(c["id"], c["deadline"], c["within_deadline"]) for c in found]


def test_the_register_two_quarters_overdue_export_and_letter(line: Line) -> None:
    line.clock.set_local("2026-12-27 10:00")  # day 37 of the complaints received on 20 November
    ids = register_all(line)
    listed = send(line, "GET", "/api/complaints").json()
    assert {c["category"] for c in listed} == {
        "too_few_slots",
        "too_many_invited",
        "organisation",
        "staff_attitude",
        "wrong_information",
        "other",
    }
    assert {c["outcome"] for c in listed} == {"founded", "partly_founded", "unfounded", None}
    by_status = {s: [c["id"] for c in listed if c["status"] == s] for s in ("open", "answered", "forwarded")}
    assert sorted(by_status["forwarded"]) == [ids[3], ids[9]]
    assert all(
        c["forwarded_to"] == "vaccinatiecentra@vlaanderen.be" for c in listed if c["scope"] == "central"
    )
    assert sorted(by_status["open"]) == [ids[6], ids[7], ids[8]]
    assert [
        c["id"] for c in send(line, "GET", "/api/complaints?status=open&helpdesk=kempen-zuid").json()
    ] == [ids[6], ids[8]]
    assert overdue(line) == []

    line.clock.set_local("2026-12-28 09:00")  # day 38: the deadline within 7 days
    assert overdue(line) == [(ids[6], "2027-01-04", None), (ids[7], "2027-01-04", None)]
    assert _gauge(line) == {"voorkempen": 1.0, "kempen-zuid": 1.0}
    line.clock.set_local("2027-01-04 23:00")  # day 45: the last day
    assert overdue(line) == [(ids[6], "2027-01-04", None), (ids[7], "2027-01-04", None)]
    line.clock.set_local("2027-01-05 08:00")  # day 46: late
    assert overdue(line) == [(ids[6], "2027-01-04", False), (ids[7], "2027-01-04", False)]
    assert [
        c["id"] for c in send(line, "GET", "/api/complaints?overdue=true&helpdesk=voorkempen").json()
    ] == [ids[7]]

    q3 = send(line, "GET", "/api/complaints/export?quarter=2026Q3")
    q4 = send(line, "GET", "/api/complaints/export?quarter=2026Q4", OPS_TOKEN)
    assert q3.status_code == q4.status_code == 200
    assert q3.headers["content-type"] == "text/csv; charset=utf-8"
    assert q3.headers["content-disposition"] == 'attachment; filename="complaints-2026Q3.csv"'
    header = (
        "id,helpdesk,received_on,channel,category,local_or_central,outcome,answered_on,days_to_answer,"
        "within_deadline"
    )
    assert q3.text.split("\r\n") == [
        header,
        f"{ids[0]},voorkempen,2026-07-06,phone,too_few_slots,local,founded,2026-08-10,35,true",
        f"{ids[1]},kempen-zuid,2026-08-03,email,too_many_invited,local,partly_founded,2026-09-25,53,false",
        f"{ids[2]},voorkempen,2026-09-14,desk,organisation,local,unfounded,2026-10-20,36,true",
        f"{ids[3]},kempen-zuid,2026-09-30,central_helpdesk,wrong_information,central,,,,",
        "",
    ]
    assert q4.text.split("\r\n") == [
        header,
        f"{ids[4]},voorkempen,2026-10-05,phone,staff_attitude,local,founded,2026-11-19,45,true",
        f"{ids[5]},voorkempen,2026-10-26,email,other,local,unfounded,2026-11-02,7,true",
        f"{ids[9]},voorkempen,2026-11-03,phone,too_few_slots,central,,,,",
        f"{ids[6]},kempen-zuid,2026-11-20,phone,organisation,local,,,,false",
        f"{ids[7]},voorkempen,2026-11-20,desk,staff_attitude,local,,,,false",
        f"{ids[8]},kempen-zuid,2026-12-15,email,wrong_information,local,,,,",
        "",
    ]
    everything = send(line, "GET", "/api/complaints").json()
    personal = {c[field] for c in everything for field in PERSONAL if c[field] is not None}
    assert len(personal) == 10 * 3 + 5 + 2  # every name, contact, description, investigation, action
    for text in (q3.text, q4.text):
        assert [value for value in personal if value in text] == []

    letter = send(line, "GET", f"/api/complaints/{ids[4]}/answer-letter")
    assert letter.status_code == 200
    assert letter.headers["content-type"] == "text/plain; charset=utf-8"
    assert letter.text == (
        f"Betreft: uw klacht van 5 oktober 2026 (dossier {ids[4]})\n"
        "\n"
        "Beste Piet Willems,\n"
        "\n"
        "Op 5 oktober 2026 ontving Vaccinatiecentrum Voorkempen uw klacht. "
        "We hebben ze onderzocht en laten u weten hoe we ze hebben behandeld.\n"
        "\n"
        "Uw klacht is gegrond. Onze excuses voor wat er is misgelopen.\n"
        "\n"
        "Wat we hebben gedaan: De steward kreeg een onthaalopleiding\n"
        "\n"
        "Bent u niet tevreden met dit antwoord of met de behandeling van uw klacht? Dan kunt u terecht "
        "bij de klachtencoördinatie van Zorg en Gezondheid: vaccinatiecentra@vlaanderen.be.\n"
        "\n"
        "Met vriendelijke groeten,\n"
        "De helpdesk van Vaccinatiecentrum Voorkempen\n"
    )
    assert "Uw klacht is ongegrond." in send(line, "GET", f"/api/complaints/{ids[2]}/answer-letter").text
    not_yet = send(line, "GET", f"/api/complaints/{ids[6]}/answer-letter")
    assert (not_yet.status_code, not_yet.json()) == (
        409,
        {"detail": f"complaint {ids[6]} has no outcome yet"},
    )
    forwarded = send(line, "GET", f"/api/complaints/{ids[3]}/answer-letter")
    assert forwarded.status_code == 409

    # The figures: received in the period, and of the final answers given in it the share within 45 days.
    q4_voorkempen = send(line, "GET", "/api/metrics?from=2026-10-01&to=2026-12-31&helpdesk=voorkempen").json()
    assert q4_voorkempen["complaints"] == {"received": 4, "answered": 3, "answered_in_time": 1.0}
    q3_all = send(line, "GET", "/api/metrics?from=2026-07-01&to=2026-09-30").json()
    assert q3_all["complaints"] == {"received": 4, "answered": 2, "answered_in_time": 0.5}
    as_csv = send(line, "GET", "/api/metrics?from=2026-07-01&to=2026-09-30&format=csv").text.splitlines()
    assert as_csv[0].endswith(",complaints_received,complaints_answered,complaints_answered_in_time")
    assert as_csv[1].endswith(",4,2,0.5")
    december = send(line, "GET", "/api/metrics?from=2026-12-01&to=2026-12-31").json()
    assert december["complaints"] == {"received": 1, "answered": 0, "answered_in_time": None}


def _gauge(line: Line) -> dict[str, float]:
    text = line.client.get("/metrics").text
    found: dict[str, float] = {}
    for row in text.splitlines():
        if row.startswith("ivr_complaints_overdue{"):
            labels, value = row.rsplit(" ", 1)
            found[labels.split('"')[1]] = float(value)
    return found


def test_handling_refusals_never_echo_personal_data(line: Line) -> None:
    line.clock.set_local("2026-12-02 10:00")
    body = {
        "helpdesk": "voorkempen",
        "received_on": "2026-12-01",
        "channel": "phone",
        "category": "other",
        "scope": "local",
        "name": "Geheime Naam",
        "contact": "+32470999888",
        "description": "Geheime beschrijving",
    }
    too_long = send(line, "POST", "/api/complaints", body={**body, "contact": "+32470999888" * 20})
    assert too_long.status_code == 422
    assert "+32470999888" not in too_long.text
    letter = send(line, "POST", "/api/complaints", body={**body, "channel": "letter"})
    assert (letter.status_code, letter.json()["detail"]) == (
        422,
        "channel: one of central_helpdesk, desk, email, phone",
    )
    future = send(line, "POST", "/api/complaints", body={**body, "received_on": "2026-12-03"})
    assert (future.status_code, future.json()["detail"]) == (422, "received_on: not in the future")
    spaces = send(line, "POST", "/api/complaints", body={**body, "name": "   "})
    assert (spaces.status_code, spaces.json()["detail"]) == (
        422,
        "name: 1 to 120 characters, not only spaces",
    )
    nul = send(line, "POST", "/api/complaints", body={**body, "contact": "+32470999888\u0000"})
    assert (nul.status_code, nul.json()["detail"]) == (
        422,
        "contact: holds a control character (none allowed)",
    )
    old = send(line, "POST", "/api/complaints", body={**body, "received_on": "2019-12-31"})
    assert (old.status_code, old.json()["detail"]) == (422, "received_on: not before 2020-01-01")
    lines = send(line, "POST", "/api/complaints", body={**body, "description": "Eerst dit.\nDan dat.\u0007"})
    assert (
        lines.json()["detail"] == "description: holds a control character (line breaks and tabs only allowed)"
    )
    unknown = send(line, "POST", "/api/complaints", body={**body, "helpdesk": "nergens"})
    assert (unknown.status_code, unknown.json()) == (422, {"detail": "unknown helpdesk 'nergens'"})
    assert send(line, "GET", "/api/complaints").json() == []

    created = send(line, "POST", "/api/complaints", body=body).json()
    path = f"/api/complaints/{created['id']}"
    assert created["status"] == "open"
    assert created["deadline"] == "2027-01-15"
    assert created["created_by"] == "api:supervisor#2"
    half = send(line, "PATCH", path, body={"answered_on": "2026-12-02"})
    assert (half.status_code, half.json()["detail"]) == (
        422,
        "outcome: needed with answered_on; answer_channel: needed with answered_on",
    )
    early = send(
        line,
        "PATCH",
        path,
        body={"answered_on": "2026-11-30", "outcome": "unfounded", "answer_channel": "phone"},
    )
    assert (early.status_code, early.json()["detail"]) == (422, "answered_on: not before received_on")
    assert send(line, "GET", path).json() == created
    step = send(line, "PATCH", path, OPS_TOKEN, {"investigation": "Nagevraagd", "outcome": "unfounded"})
    assert step.json()["status"] == "open"
    assert step.json()["updated_by"] == "api:ops#1"
    done = send(line, "PATCH", path, body={"answered_on": "2026-12-02", "answer_channel": "phone"})
    assert done.json()["status"] == "answered"
    assert done.json()["closed_at"] == "2026-12-02T10:00:00+01:00"
    assert (done.json()["days_to_answer"], done.json()["within_deadline"]) == (1, True)
    again = send(line, "PATCH", path, body={"actions": "nog iets"})
    assert (again.status_code, again.json()) == (
        409,
        {"detail": f"complaint {created['id']} is answered: it changes no more"},
    )
    assert send(line, "GET", "/api/complaints/999999").status_code == 404
    assert send(line, "PATCH", "/api/complaints/999999", body={"actions": "x"}).status_code == 404
    bad_quarter = send(line, "GET", "/api/complaints/export?quarter=2026Q5")
    assert bad_quarter.status_code == 422
    assert send(line, "GET", "/api/complaints?helpdesk=nergens").status_code == 422


ROUTES = [
    ("POST", "/api/complaints"),
    ("GET", "/api/complaints"),
    ("GET", "/api/complaints/export?quarter=2026Q4"),
    ("GET", "/api/complaints/1"),
    ("PATCH", "/api/complaints/1"),
    ("GET", "/api/complaints/1/answer-letter"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_needs_a_supervisor_or_ops_token(line: Line, method: str, path: str) -> None:
    body: dict[str, Any] | None = {} if method in ("POST", "PATCH") else None
    missing = send(line, method, path, None, body)
    assert (missing.status_code, missing.json()) == (401, {"detail": "missing or invalid token"})
    wrong = send(line, method, path, "not-a-token-0123456789abcdef", body)
    assert wrong.status_code == 401
    # Both roles there are may read and handle: the request gets past the role check.
    for token in (SUPERVISOR_TOKEN, OPS_TOKEN):
        assert send(line, method, path, token, body).status_code not in (401, 403)


def test_a_role_outside_supervision_is_refused(line: Line, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every role of IVR_API_TOKENS is admitted today; a token whose role is not is refused (403).
    tokens = line.runtime.settings.ivr_api_tokens
    monkeypatch.setattr(
        type(tokens), "role_of", lambda self, token: "agent" if token == "agent-token" else None
    )
    for method, path in ROUTES:
        body: dict[str, Any] | None = {} if method in ("POST", "PATCH") else None
        refused = send(line, method, path, "agent-token", body)
        assert (refused.status_code, refused.json()) == (
            403,
            {"detail": "this needs the supervisor or ops role"},
        )


def test_the_openapi_document_describes_every_field(line: Line) -> None:
    document = line.client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    for name in ("ComplaintIn", "ComplaintChange", "ComplaintOut", "ComplaintsOut"):
        undescribed = [
            key for key, field in schemas[name]["properties"].items() if not field.get("description")
        ]
        assert undescribed == [], name
    operations = [
        operation
        for path, item in document["paths"].items()
        if path.startswith("/api/complaints")
        for operation in item.values()
    ]
    assert len(operations) == 6
    for operation in operations:
        assert operation["summary"]
        assert [p["name"] for p in operation.get("parameters", []) if not p.get("description")] == []
