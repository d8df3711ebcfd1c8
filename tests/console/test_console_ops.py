"""The "Beheer" page: what it shows equals the API and ``ivr check-config``, each ops action changes
what the API shows, and supervisors, forged forms and bad input change nothing (SQLite and
PostgreSQL)."""

from __future__ import annotations

import hashlib
import html
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response

from agents import verify_login
from app import create_app
from cli.main import describe
from console.ops_view import closure_problem_nl
from routing import closure_problems, parse_until
from tests.console.conftest import CSRF_FIELD, OPS_TOKEN, SUPERVISOR_TOKEN, Console
from tests.ivr.conftest import BASE, BRUSSELS, CONFIG, Clock, make_settings

OPS = {"Authorization": f"Bearer {OPS_TOKEN}"}
PAGE = "/console/beheer"
NOTICE = re.compile(r'<p class="notice" role="status">([^<]*)</p>')
FIELD_ERROR = re.compile(r'<p class="error field-error" id="([^"]+)-fout">([^<]*)</p>')


def _api(console: Console, path: str) -> Any:
    answer = console.client.get(path, headers=OPS)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _agent(console: Console, helpdesk: str, code: str, name: str = "An Peeters") -> None:
    made = console.client.post(
        "/api/agents", json={"helpdesk": helpdesk, "code": code, "name": name, "pin": "4826"}, headers=OPS
    )
    assert made.status_code == 201, made.text


def _post(console: Console, path: str, data: dict[str, str]) -> Response:
    return console.client.post(f"{PAGE}{path}", data=data, follow_redirects=False)


def _notice_after(console: Console, answer: Response) -> str:
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith(f"{PAGE}?gedaan=")
    found = NOTICE.search(console.client.get(location).text)
    assert found is not None
    return html.unescape(found.group(1))


def _errors(answer: Response) -> dict[str, str]:
    return {key: html.unescape(text) for key, text in FIELD_ERROR.findall(answer.text)}


def _agents(console: Console) -> list[tuple[str, str, str, bool, str]]:
    return [
        (agent["helpdesk"], agent["code"], agent["name"], agent["enabled"], agent["status"])
        for agent in _api(console, "/api/agents")
    ]


def _closure(console: Console, helpdesk: str) -> Response:
    return console.client.get(f"/api/helpdesks/{helpdesk}/closure", headers=OPS)


def test_the_page_and_its_actions_need_a_session(console: Console) -> None:
    answer = console.client.get(PAGE, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/console")
    refused = _post(console, "/helpdesks/voorkempen/sluiten", {"csrf": "0" * 64, "reason": "Brand"})
    assert (refused.status_code, refused.headers["location"]) == (303, "/console")
    assert _closure(console, "voorkempen").status_code == 404
    assert console.client.get("/console/static/beheer.css").status_code == 401


def test_the_navigation_links_to_beheer(console: Console) -> None:
    console.sign_in(SUPERVISOR_TOKEN)
    assert '<a href="/console/beheer">Beheer</a>' in console.client.get("/console/nu").text
    assert '<a href="/console/beheer" aria-current="page">Beheer</a>' in console.client.get(PAGE).text


def test_the_config_shown_is_the_apis(console: Console) -> None:
    console.sign_in(SUPERVISOR_TOKEN)
    page = console.client.get(PAGE).text
    served = _api(console, "/api/config")
    loaded = datetime.fromisoformat(served["loaded_at"]).astimezone(BRUSSELS)
    assert f'<dd data-config="version">{served["version"]}</dd>' in page
    # The page shows the day only when it is not the clock's day (the tests' clock is in 2026).
    assert f"{loaded:%H:%M}</dd>" in page
    assert served["errors"] == []
    assert '<dd data-config="errors">geen</dd>' in page
    assert "<dd>helpdesk.yaml</dd>" in page


def _check_config_hours(config_text: str) -> dict[str, list[tuple[str, str]]]:
    """Per block title's first word, each day's date and hours as ``ivr check-config`` prints them."""
    blocks: dict[str, list[tuple[str, str]]] = {}
    for block in config_text.split("\n\n"):
        title, *lines = block.splitlines()
        days = [re.fullmatch(r"  \w{3} (\d{4}-\d\d-\d\d)  (.*?)(?:  \(.*\))?", line) for line in lines]
        blocks[title.split(":")[0].split(" ")[0]] = [
            (found.group(1), found.group(2)) for found in days if found is not None
        ]
    return blocks


def _page_hours(page: str, section_start: str) -> list[tuple[str, str, str]]:
    section = page[page.index(section_start) :]
    section = section[: section.index("</table>")]
    rows = re.findall(r"<tr>\s*<td>([^<]*)</td>\s*<td>(.*?)</td>\s*<td>([^<]*)</td>", section)
    return [
        (html.unescape(day), re.sub("<[^>]+>", "", hours), html.unescape(note)) for day, hours, note in rows
    ]


def test_the_week_and_the_holidays_are_those_of_check_config(console: Console) -> None:
    console.clock.set_local("2026-12-21T10:00")  # a week with a holiday and an exception
    console.sign_in(SUPERVISOR_TOKEN)
    page = console.client.get(PAGE).text
    config = console.runtime.config
    printed = _check_config_hours(describe(config, date(2026, 12, 21), 7))
    for desk in config.helpdesks:
        shown = _page_hours(page, f'id="beheer-{desk.id}"')
        assert [hours.replace("gesloten", "closed") for _, hours, _ in shown] == [
            hours for _, hours in printed[desk.id]
        ]
    voorkempen = _page_hours(page, 'id="beheer-voorkempen"')
    assert voorkempen[3] == ("donderdag 24 december", "09:00-12:00", "uitzondering")
    assert voorkempen[4] == ("vrijdag 25 december", "gesloten", "Kerstmis")
    central = _page_hours(page, 'id="beheer-central-name"')
    assert [hours for _, hours, _ in central] == [hours for _, hours in printed["central"]]
    text = describe(config, date(2026, 12, 21), 7)
    printed_holidays = re.search(r"voorkempen: .*?next holidays: (.*?)\n", text, re.S)
    assert printed_holidays is not None
    coming = [item.split(" ", 1) for item in printed_holidays.group(1).split(", ")]
    shown_holidays = re.search(
        r'id="beheer-voorkempen".*?Volgende feestdagen:</span>\s*([^<]*)</p>', page, re.S
    )
    assert shown_holidays is not None
    shown_list = [part.split(": ") for part in html.unescape(shown_holidays.group(1)).strip().split("; ")]
    assert [name for _, name in shown_list] == [name for _, name in coming]
    assert len(shown_list) == 3
    assert shown_list[0] == ["vrijdag 25 december 2026", "Kerstmis"]
    assert coming[0] == ["2026-12-25", "Kerstmis"]


def test_a_supervisor_sees_no_form_but_signing_out(console: Console) -> None:
    _agent(console, "voorkempen", "101")
    console.sign_in(SUPERVISOR_TOKEN)
    page = console.client.get(PAGE).text
    assert page.count("<form") == 1
    assert page.count("<button") == 1
    assert 'action="/console/afmelden"' in page
    assert "alleen operations kan hier iets wijzigen" in page
    assert "An Peeters" in page


def test_ops_sees_every_form(console: Console) -> None:
    _agent(console, "voorkempen", "101")
    console.sign_in(OPS_TOKEN)
    page = console.client.get(PAGE).text
    for action in (
        "/console/beheer/configuratie/herladen",
        "/console/beheer/helpdesks/voorkempen/sluiten",
        "/console/beheer/helpdesks/kempen-zuid/sluiten",
        "/console/beheer/medewerkers",
        "/console/beheer/medewerkers/voorkempen/101/status",
        "/console/beheer/medewerkers/voorkempen/101/pincode",
        "/console/beheer/medewerkers/voorkempen/101/uitschakelen",
    ):
        assert f'action="{action}"' in page
    assert page.count(f'name="csrf" value="{console.csrf()}"') == page.count("<form")


def test_closing_now_and_reopening_change_what_the_api_and_nu_show(console: Console) -> None:
    csrf = console.signed_in(OPS_TOKEN)
    session_id = console.session_id
    assert session_id is not None
    who = f"console:ops@{hashlib.sha256(session_id.encode()).hexdigest()[:8]}"
    closed = _post(
        console,
        "/helpdesks/voorkempen/sluiten",
        {"csrf": csrf, "reason": "Stroomuitval", "until": "14:00", "message": ""},
    )
    assert _notice_after(console, closed) == "Vaccinatiecentrum Voorkempen is gesloten."
    closure = _closure(console, "voorkempen").json()
    assert (closure["reason"], closure["until"], closure["message"], closure["closed_by"]) == (
        "Stroomuitval",
        "2026-12-02T14:00:00+01:00",
        None,
        who,
    )
    assert "Gesloten door ops tot 14:00 (Stroomuitval)" in console.client.get("/console/nu").text
    page = console.client.get(PAGE).text
    assert f'<p class="closure" data-field="closure">Gesloten sinds 10:00 door {who}.</p>' in page
    assert 'action="/console/beheer/helpdesks/voorkempen/heropenen"' in page

    reopened = _post(console, "/helpdesks/voorkempen/heropenen", {"csrf": csrf})
    assert _notice_after(console, reopened) == (
        "Vaccinatiecentrum Voorkempen is weer open volgens de openingsuren."
    )
    assert _closure(console, "voorkempen").status_code == 404
    audit = _api(console, "/api/closures/audit?helpdesk=voorkempen")
    assert [(entry["action"], entry["who"], entry["reason"]) for entry in audit] == [
        ("reopen", who, "Stroomuitval"),
        ("close", who, "Stroomuitval"),
    ]
    assert "Open tot 16:00" in console.client.get("/console/nu").text


def test_closing_until_reopened_with_a_message(console: Console) -> None:
    csrf = console.signed_in(OPS_TOKEN)
    message = "Het vaccinatiecentrum is vandaag gesloten. Meer op {website}."
    closed = _post(
        console,
        "/helpdesks/kempen-zuid/sluiten",
        {"csrf": csrf, "reason": "Brand", "until": " ", "message": message},
    )
    assert closed.status_code == 303
    closure = _closure(console, "kempen-zuid").json()
    assert (closure["until"], closure["message"]) == (None, message)
    assert "door console:ops@" in console.client.get(PAGE).text
    assert ", tot ops heropenen.</p>" in console.client.get(PAGE).text


def test_reopening_a_desk_that_is_not_closed_says_so(console: Console) -> None:
    csrf = console.signed_in(OPS_TOKEN)
    answer = _post(console, "/helpdesks/voorkempen/heropenen", {"csrf": csrf})
    assert answer.status_code == 422
    assert _errors(answer) == {"reopen-voorkempen": "Deze helpdesk was niet (meer) gesloten door ops."}
    assert _api(console, "/api/closures/audit") == []


def test_a_bad_closure_is_refused_with_dutch_problems_next_to_its_fields_and_the_form_kept(
    console: Console,
) -> None:
    csrf = console.signed_in(OPS_TOKEN)
    answer = _post(
        console,
        "/helpdesks/voorkempen/sluiten",
        {"csrf": csrf, "reason": "", "until": "09:00", "message": "Gesloten, bel {central_number}."},
    )
    assert answer.status_code == 422
    assert _errors(answer) == {
        "close-voorkempen-reason": "Geef de reden van de sluiting.",
        "close-voorkempen-until": "„09:00” (2026-12-02 09:00) ligt niet in de toekomst.",
        "close-voorkempen-message": "{central_number} mag alleen in de boodschap overflow_wait.",
    }
    assert 'value="09:00" aria-invalid="true" aria-describedby="close-voorkempen-until-fout"' in answer.text
    assert ">Gesloten, bel {central_number}.</textarea>" in answer.text
    assert '<details class="close" open>' in answer.text
    assert '<a href="#beheer-voorkempen">Naar het formulier</a>' in answer.text
    assert _closure(console, "voorkempen").status_code == 404


ZONE_NOW = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)


def _until_problem(text: str) -> str:
    with pytest.raises(ValueError, match=r"\S") as raised:
        parse_until(text, ZONE_NOW, BRUSSELS)
    return f"until: {raised.value}"


@pytest.mark.parametrize(
    ("problem", "dutch"),
    [
        (lambda: closure_problems("", None)[0], ("reason", "Geef de reden van de sluiting.")),
        (lambda: closure_problems("x" * 201, None)[0], ("reason", "Ten hoogste 200 tekens.")),
        (lambda: closure_problems("a\nb", None)[0], ("reason", "Geen regeleinden of andere stuurtekens.")),
        (lambda: closure_problems("Brand", " ")[0], ("message", "De tekst is leeg.")),
        (lambda: closure_problems("Brand", "x" * 1001)[0], ("message", "Ten hoogste 1000 tekens.")),
        (
            lambda: closure_problems("Brand", "Bel {nummer}")[0],
            ("message", "Onbekende plaatshouder {nummer}; gebruik "),
        ),
        (
            lambda: closure_problems("Brand", "U bent {position}")[0],
            ("message", "{position} mag alleen in de boodschap queue_position."),
        ),
        (
            lambda: closure_problems("Brand", "Open {website")[0],
            (
                "message",
                "De accolades { } staan niet goed: elke { hoort bij een plaatshouder zoals {website}.",
            ),
        ),
        (
            lambda: _until_problem("morgen"),
            ("until", "„morgen” is geen tijd zoals 14:00 of 2026-12-15T14:00."),
        ),
        (lambda: _until_problem("08:00"), ("until", "„08:00” (2026-12-02 08:00) ligt niet in de toekomst.")),
    ],
    ids=[
        "no-reason",
        "long-reason",
        "line-break",
        "empty-message",
        "long-message",
        "unknown-placeholder",
        "caller-placeholder",
        "unbalanced-braces",
        "not-a-time",
        "past",
    ],
)
def test_every_closure_problem_is_said_in_dutch(problem: Callable[[], str], dutch: tuple[str, str]) -> None:
    field, text = closure_problem_nl(problem())
    assert field == dutch[0]
    assert text.startswith(dutch[1])
    assert text == dutch[1] or dutch[1].endswith("gebruik ")


def test_adding_an_agent_shows_in_the_api(console: Console) -> None:
    csrf = console.signed_in(OPS_TOKEN)
    added = _post(
        console,
        "/medewerkers",
        {"csrf": csrf, "helpdesk": "kempen-zuid", "code": "201", "name": " Els Claes ", "pin": "7391"},
    )
    assert _notice_after(console, added) == "Medewerker 201 is toegevoegd aan Vaccinatiecentrum Kempen Zuid."
    assert _agents(console) == [("kempen-zuid", "201", "Els Claes", True, "offline")]
    with console.runtime.session() as session:
        assert verify_login(session, "kempen-zuid", "201", "7391") is not None


def test_a_bad_agent_gets_dutch_problems_next_to_its_fields_and_keeps_all_but_the_pin(
    console: Console,
) -> None:
    csrf = console.signed_in(OPS_TOKEN)
    answer = _post(
        console,
        "/medewerkers",
        {"csrf": csrf, "helpdesk": "voorkempen", "code": "12", "name": "An\tPeeters", "pin": "98"},
    )
    assert answer.status_code == 422
    assert _errors(answer) == {
        "add-code": "Geef een code van 3 tot 8 cijfers.",
        "add-name": "Geef een naam van 1 tot 80 tekens, zonder regeleinden of tabs.",
        "add-pin": "Geef een pincode van 4 tot 8 cijfers.",
    }
    assert 'value="12" aria-invalid="true"' in answer.text
    assert 'value="An\tPeeters" aria-invalid="true"' in answer.text
    assert '<option value="voorkempen" selected>' in answer.text
    assert 'value="98"' not in answer.text
    assert '<details class="add" id="add-agent" open>' in answer.text
    assert '<a href="#add-agent">Naar het formulier</a>' in answer.text
    assert _agents(console) == []


def test_a_code_taken_at_the_helpdesk_is_refused_next_to_the_code(console: Console) -> None:
    _agent(console, "voorkempen", "101")
    csrf = console.signed_in(OPS_TOKEN)
    answer = _post(
        console,
        "/medewerkers",
        {"csrf": csrf, "helpdesk": "voorkempen", "code": "101", "name": "Bart", "pin": "1234"},
    )
    assert answer.status_code == 422
    assert _errors(answer) == {"add-code": "Deze helpdesk heeft al een medewerker met code 101."}
    assert 'value="Bart"' in answer.text
    unknown = _post(
        console,
        "/medewerkers",
        {"csrf": csrf, "helpdesk": "elders", "code": "102", "name": "Bart", "pin": "1234"},
    )
    assert _errors(unknown) == {"add-helpdesk": "Kies een helpdesk."}
    assert _agents(console) == [("voorkempen", "101", "An Peeters", True, "offline")]


def test_a_new_pin_replaces_the_old_one(console: Console) -> None:
    _agent(console, "voorkempen", "101")
    csrf = console.signed_in(OPS_TOKEN)
    bad = _post(console, "/medewerkers/voorkempen/101/pincode", {"csrf": csrf, "pin": "12a4"})
    assert bad.status_code == 422
    assert _errors(bad) == {"pin-voorkempen-101": "Geef een pincode van 4 tot 8 cijfers."}
    done = _post(console, "/medewerkers/voorkempen/101/pincode", {"csrf": csrf, "pin": "55120"})
    assert (
        _notice_after(console, done)
        == "Medewerker 101 van Vaccinatiecentrum Voorkempen heeft een nieuwe pincode."
    )
    with console.runtime.session() as session:
        assert verify_login(session, "voorkempen", "101", "4826") is None
        assert verify_login(session, "voorkempen", "101", "55120") is not None
    assert (
        _post(console, "/medewerkers/voorkempen/999/pincode", {"csrf": csrf, "pin": "5512"}).status_code
        == 404
    )


def test_presence_disabling_and_enabling_change_what_the_api_shows(console: Console) -> None:
    _agent(console, "voorkempen", "101")
    csrf = console.signed_in(OPS_TOKEN)
    on_break = _post(console, "/medewerkers/voorkempen/101/status", {"csrf": csrf, "status": "break"})
    assert _notice_after(console, on_break) == "Medewerker 101 van Vaccinatiecentrum Voorkempen: pauze."
    assert _agents(console) == [("voorkempen", "101", "An Peeters", True, "break")]
    assert "<td>pauze</td>" in console.client.get("/console/nu").text

    available = _post(console, "/medewerkers/voorkempen/101/status", {"csrf": csrf, "status": "available"})
    assert available.status_code == 303
    assert _api(console, "/api/helpdesks")[0]["agents_logged_in"] == 1

    disabled = _post(console, "/medewerkers/voorkempen/101/uitschakelen", {"csrf": csrf})
    assert _notice_after(console, disabled) == (
        "Medewerker 101 van Vaccinatiecentrum Voorkempen kan zich niet meer aanmelden en is afgemeld."
    )
    assert _agents(console) == [("voorkempen", "101", "An Peeters", False, "offline")]
    assert 'action="/console/beheer/medewerkers/voorkempen/101/inschakelen"' in console.client.get(PAGE).text

    refused = _post(console, "/medewerkers/voorkempen/101/status", {"csrf": csrf, "status": "available"})
    assert refused.status_code == 422
    assert _errors(refused) == {
        "status-voorkempen-101": "Deze medewerker is uitgeschakeld: schakel eerst in, of kies afgemeld."
    }
    assert _agents(console) == [("voorkempen", "101", "An Peeters", False, "offline")]

    enabled = _post(console, "/medewerkers/voorkempen/101/inschakelen", {"csrf": csrf})
    assert (
        _notice_after(console, enabled)
        == "Medewerker 101 van Vaccinatiecentrum Voorkempen kan zich weer aanmelden."
    )
    assert _agents(console) == [("voorkempen", "101", "An Peeters", True, "offline")]


def test_an_unknown_status_or_agent_changes_nothing(console: Console) -> None:
    _agent(console, "voorkempen", "101")
    csrf = console.signed_in(OPS_TOKEN)
    answer = _post(console, "/medewerkers/voorkempen/101/status", {"csrf": csrf, "status": "lunch"})
    assert answer.status_code == 422
    assert _errors(answer) == {"status-voorkempen-101": "Kies een status."}
    assert '<a href="#agent-voorkempen-101">Naar het formulier</a>' in answer.text
    assert 'id="agent-voorkempen-101"' in answer.text
    assert (
        _post(console, "/medewerkers/voorkempen/999/status", {"csrf": csrf, "status": "break"}).status_code
        == 404
    )
    assert _post(console, "/medewerkers/elders/101/uitschakelen", {"csrf": csrf}).status_code == 404
    assert _agents(console) == [("voorkempen", "101", "An Peeters", True, "offline")]


# Every action, with what it sends; each would change something if it were carried out.
ACTIONS = {
    "reload": ("/configuratie/herladen", {}),
    "close": ("/helpdesks/voorkempen/sluiten", {"reason": "Brand", "until": "15:00"}),
    "reopen": ("/helpdesks/kempen-zuid/heropenen", {}),
    "add": ("/medewerkers", {"helpdesk": "voorkempen", "code": "102", "name": "Bart", "pin": "1234"}),
    "pin": ("/medewerkers/voorkempen/101/pincode", {"pin": "99999"}),
    "disable": ("/medewerkers/voorkempen/101/uitschakelen", {}),
    "enable": ("/medewerkers/voorkempen/103/inschakelen", {}),
    "presence": ("/medewerkers/voorkempen/101/status", {"status": "break"}),
}


def _state(console: Console) -> tuple[object, ...]:
    with console.runtime.session() as session:
        pin_kept = verify_login(session, "voorkempen", "101", "4826") is not None
    return (
        _agents(console),
        _api(console, "/api/closures/audit"),
        _api(console, "/api/config")["loaded_at"],
        pin_kept,
    )


@pytest.fixture
def everything_set_up(console: Console) -> Console:
    _agent(console, "voorkempen", "101")
    _agent(console, "voorkempen", "103", "Chloë Maes")
    disabled = console.client.put("/api/agents/voorkempen/103/enabled", json={"enabled": False}, headers=OPS)
    assert disabled.status_code == 200
    closed = console.client.post("/api/helpdesks/kempen-zuid/closure", json={"reason": "Brand"}, headers=OPS)
    assert closed.status_code == 201
    return console


@pytest.mark.parametrize("action", list(ACTIONS), ids=list(ACTIONS))
def test_a_supervisor_is_refused_every_action_and_nothing_changes(
    everything_set_up: Console, action: str
) -> None:
    console = everything_set_up
    before = _state(console)
    csrf = console.signed_in(SUPERVISOR_TOKEN)
    path, data = ACTIONS[action]
    answer = _post(console, path, {"csrf": csrf, **data})
    assert answer.status_code == 403
    assert "Alleen operations kan dit doen; u bent aangemeld als supervisor." in answer.text
    assert _state(console) == before


@pytest.mark.parametrize("csrf", [None, "0" * 64, "other-session"], ids=["missing", "wrong", "other-session"])
@pytest.mark.parametrize("action", list(ACTIONS), ids=list(ACTIONS))
def test_ops_without_the_right_csrf_token_is_refused_and_nothing_changes(
    everything_set_up: Console, action: str, csrf: str | None
) -> None:
    console = everything_set_up
    before = _state(console)
    if csrf == "other-session":
        csrf = console.signed_in(OPS_TOKEN)
        console.client.cookies.clear()
    console.signed_in(OPS_TOKEN)
    path, data = ACTIONS[action]
    answer = _post(console, path, data if csrf is None else {"csrf": csrf, **data})
    assert answer.status_code == 403
    assert "Er is niets gewijzigd." in answer.text
    assert _state(console) == before


@pytest.mark.parametrize("action", list(ACTIONS), ids=list(ACTIONS))
def test_every_action_carried_out_by_ops_changes_something(everything_set_up: Console, action: str) -> None:
    """The other side of the refusals above: the same requests with ops' token do change the state."""
    console = everything_set_up
    before = _state(console)
    csrf = console.signed_in(OPS_TOKEN)
    path, data = ACTIONS[action]
    assert _post(console, path, {"csrf": csrf, **data}).status_code == 303
    assert _state(console) != before


@pytest.fixture
def own_config(migrated_db_url: str, tmp_path: Path) -> Iterator[tuple[Console, Path]]:
    """The console on an app serving a config file of its own, whose polling thread is stopped."""
    path = tmp_path / "helpdesk.yaml"
    shutil.copyfile(CONFIG, path)
    shutil.copytree(CONFIG.parent / "media", tmp_path / "media")
    clock = Clock()
    app: FastAPI = create_app(
        make_settings(migrated_db_url).model_copy(update={"ivr_config": path}), clock=clock
    )
    with TestClient(app, base_url=BASE) as client:
        app.state.config_watcher.stop()
        yield Console(client=client, runtime=app.state.runtime, clock=clock), path


def test_reloading_serves_an_edit_and_shows_the_errors_of_a_refused_one(
    own_config: tuple[Console, Path],
) -> None:
    console, path = own_config
    csrf = console.signed_in(OPS_TOKEN)
    unchanged = _post(console, "/configuratie/herladen", {"csrf": csrf})
    version = _api(console, "/api/config")["version"]
    assert (
        _notice_after(console, unchanged)
        == f"De configuratie is ongewijzigd: versie {version} blijft in gebruik."
    )

    path.write_text(
        path.read_text().replace("name: Vaccinatiecentrum Voorkempen", "name: Centrum Voorkempen")
    )
    reloaded = _post(console, "/configuratie/herladen", {"csrf": csrf})
    served = _api(console, "/api/config")
    assert served["version"] != version
    assert (
        _notice_after(console, reloaded) == f"De configuratie is opnieuw geladen: versie {served['version']}."
    )
    assert '<h3 id="beheer-voorkempen-name">Centrum Voorkempen</h3>' in console.client.get(PAGE).text

    path.write_text(path.read_text().replace("timezone: Europe/Brussels", "timezone: Europe/Nowhere"))
    refused = _post(console, "/configuratie/herladen", {"csrf": csrf})
    errors = _api(console, "/api/config")["errors"]
    assert len(errors) == 1
    assert _notice_after(console, refused) == (
        f"Het bestand werd geweigerd; versie {served['version']} blijft in gebruik. "
        "De fouten staan hieronder."
    )
    page = console.client.get(PAGE).text
    assert f"<li><code>{errors[0]}</code></li>" in html.unescape(page)
    assert '<dd data-config="errors">1 fout(en)</dd>' in page


def test_a_notice_is_only_ever_a_known_text(console: Console) -> None:
    console.sign_in(OPS_TOKEN)
    for query in (
        "gedaan=gesloten&helpdesk=elders",
        "gedaan=iets&helpdesk=voorkempen",
        "gedaan=toegevoegd&helpdesk=voorkempen&code=<b>",
        "gedaan=herladen-reloaded&versie=<script>",
    ):
        page = console.client.get(f"{PAGE}?{query}").text
        assert NOTICE.search(page) is None, query


def test_the_page_holds_no_inline_script_or_style(console: Console) -> None:
    _agent(console, "voorkempen", "101")
    console.sign_in(OPS_TOKEN)
    page = console.client.get(PAGE).text
    assert "<style" not in page
    assert "style=" not in page
    assert "<script" not in page
    assert re.search(r"\son[a-z]+=", page) is None
    assert CSRF_FIELD.search(page) is not None
