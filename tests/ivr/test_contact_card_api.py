"""``GET /api/helpdesks/{id}/contact-card``: JSON or the Dutch text, for supervisors and ops."""

from __future__ import annotations

import pytest

from tests.ivr.conftest import OPS_TOKEN, SUPERVISOR_TOKEN, Line
from tests.routing.test_contact_card import EXPECTED

PATH = "/api/helpdesks/{}/contact-card"
SUPERVISOR = {"Authorization": f"Bearer {SUPERVISOR_TOKEN}"}


@pytest.mark.parametrize("desk_id", list(EXPECTED), ids=list(EXPECTED))
def test_the_text_is_the_card_word_for_word(line: Line, desk_id: str) -> None:
    # The test clock stands on Wednesday 2 December 2026: both exceptions are still to come.
    response = line.client.get(PATH.format(desk_id), params={"format": "text"}, headers=SUPERVISOR)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == EXPECTED[desk_id] + "\n"


def test_accept_text_plain_gives_the_text(line: Line) -> None:
    response = line.client.get(
        PATH.format("kempen-zuid"), headers={**SUPERVISOR, "Accept": "text/plain; q=0.9"}
    )
    assert response.status_code == 200
    assert response.text == EXPECTED["kempen-zuid"] + "\n"


def test_json_has_the_fields_and_the_text(line: Line) -> None:
    response = line.client.get(PATH.format("voorkempen"), headers=SUPERVISOR)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body == {
        "helpdesk": "voorkempen",
        "name": "Vaccinatiecentrum Voorkempen",
        "municipalities": ["Brecht", "Malle", "Schilde", "Zoersel"],
        "numbers": ["+3233100100"],
        "email": None,
        "opening_hours": (
            "van maandag tot en met vrijdag van 9 tot 16 uur en op zaterdag van 9 tot 12 uur, "
            "behalve op feestdagen"
        ),
        "special_days": [
            {"date": "2026-12-24", "hours": "van 9 tot 12 uur", "reason": "exception", "holiday": None},
            {"date": "2026-12-31", "hours": "gesloten", "reason": "exception", "holiday": None},
        ],
        "central_hours": (
            "van maandag tot en met vrijdag van 8 tot 20 uur en op zaterdag en zondag van 10 tot 18 uur "
            "en op feestdagen van 10 tot 18 uur"
        ),
        "rules": [
            {
                "situation": "wait_timeout",
                "to_central": "forward",
                "text": "bij drukte: doorgeschakeld naar de centrale helpdesk na 3 minuten wachten; "
                "buiten de uren van de centrale helpdesk wacht de beller verder",
            },
            {
                "situation": "queue_full",
                "to_central": "forward",
                "text": "bij een volle wachtrij (4 wachtende bellers per aangemelde medewerker): "
                "doorgeschakeld naar de centrale helpdesk; buiten de uren van de centrale helpdesk: "
                "de bezetboodschap",
            },
            {
                "situation": "no_agents",
                "to_central": "forward",
                "text": "als tijdens de openingsuren geen medewerker aangemeld is: doorgeschakeld naar de "
                "centrale helpdesk; buiten de uren van de centrale helpdesk: de sluitingsboodschap",
            },
            {
                "situation": "closed",
                "to_central": "forward",
                "text": "bij sluiting: doorgeschakeld naar de centrale helpdesk; buiten de uren van de "
                "centrale helpdesk: de sluitingsboodschap",
            },
        ],
        "from": "2026-12-02",
        "text": EXPECTED["voorkempen"],
    }


def test_from_picks_the_first_special_day(line: Line) -> None:
    response = line.client.get(PATH.format("voorkempen"), params={"from": "2026-12-25"}, headers=SUPERVISOR)
    assert response.status_code == 200
    assert [day["date"] for day in response.json()["special_days"]] == ["2026-12-31"]
    assert response.json()["from"] == "2026-12-25"


def test_today_is_the_local_date_of_the_clock(line: Line) -> None:
    # 23:30 UTC on 24 December is already the 25th in Brussels.
    line.clock.set_local("2026-12-25 00:30")
    response = line.client.get(PATH.format("voorkempen"), headers=SUPERVISOR)
    assert response.json()["from"] == "2026-12-25"
    assert [day["date"] for day in response.json()["special_days"]] == ["2026-12-31"]


def test_ops_may_read_it_too(line: Line) -> None:
    response = line.client.get(
        PATH.format("voorkempen"), params={"format": "text"}, headers={"Authorization": f"Bearer {OPS_TOKEN}"}
    )
    assert response.status_code == 200
    assert response.text == EXPECTED["voorkempen"] + "\n"


def test_an_unknown_helpdesk_is_404(line: Line) -> None:
    response = line.client.get(PATH.format("nergens"), headers=SUPERVISOR)
    assert response.status_code == 404
    assert response.json() == {"detail": "unknown helpdesk 'nergens'"}


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param({}, 401, id="no-token"),
        pytest.param({"Authorization": "Bearer not-a-token"}, 401, id="wrong-token"),
    ],
)
def test_a_token_is_needed(line: Line, headers: dict[str, str], status: int) -> None:
    response = line.client.get(PATH.format("voorkempen"), params={"format": "text"}, headers=headers)
    assert response.status_code == status
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"format": "csv"}, id="unknown-format"),
        pytest.param({"from": "tomorrow"}, id="bad-date"),
    ],
)
def test_bad_parameters_are_422(line: Line, params: dict[str, str]) -> None:
    response = line.client.get(PATH.format("voorkempen"), params=params, headers=SUPERVISOR)
    assert response.status_code == 422


def test_the_openapi_document_offers_json_and_text(line: Line) -> None:
    operation = line.client.get("/openapi.json").json()["paths"]["/api/helpdesks/{helpdesk_id}/contact-card"]
    assert set(operation["get"]["responses"]["200"]["content"]) == {"application/json", "text/plain"}
    assert "404" in operation["get"]["responses"]
