"""Info scripts and agents in the console (TestClient, SQLite and PostgreSQL): agents sign in with
code and PIN under the agent line's lockout and reach only the info scripts and their own
escalations; the search shows the API's results; ops keep the entries (also from an escalation),
supervisors cannot; every form, the sign-in forms included, needs its CSRF token."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from agents import LOCK_MINUTES, MAX_PIN_FAILURES, PinLockout, create_agent
from console.sessions import ConsoleSession
from escalations import Escalation
from infoscripts import InfoScript, search, seed
from tests.console.conftest import OPS_TOKEN, SUPERVISOR_TOKEN, Console, form_csrf

PIN = "4826"
WRONG_PIN = "Deze medewerkerscode of pincode is niet juist. Controleer ze en probeer opnieuw."
LOCKED = "U hebt te vaak een verkeerde pincode ingegeven. Probeer het over 15 minuten opnieuw."
STAFF_PAGES = ["/console/nu"]
QUESTION = re.compile(r'<h2><a href="/console/info/(\d+)">([^<]+)</a></h2>')


@pytest.fixture
def agents(console: Console) -> Console:
    with console.runtime.session() as session:
        create_agent(session, "voorkempen", "101", "An Peeters", PIN, console.clock.now)
        create_agent(session, "kempen-zuid", "201", "Els Claes", PIN, console.clock.now)
        seed(session, console.clock.now)
    return console


def _escalation(console: Console, helpdesk: str, agent: str | None, note: str | None, token: str) -> int:
    with console.runtime.session() as session:
        row = Escalation(
            token=token * 32,
            helpdesk_id=helpdesk,
            priority="normal" if agent else "urgent",
            source="agent" if agent else "central",
            agent=agent,
            call_sid=None,
            recording_call_sid="CA" + token * 32,
            recording_status="completed",
            status="answered" if note else "open",
            note=note,
            created_at=console.clock.now,
            updated_at=console.clock.now,
        )
        session.add(row)
        session.flush()
        return row.id


def _results(page: str) -> list[str]:
    return [question for _, question in QUESTION.findall(page)]


def test_an_agent_signs_in_with_code_and_pin_and_lands_on_the_info(agents: Console) -> None:
    answer = agents.sign_in_agent("voorkempen", "101", PIN)
    assert (answer.status_code, answer.headers["location"]) == (303, "/console/info")
    with agents.runtime.session() as session:
        row = session.execute(select(ConsoleSession)).scalar_one()
        assert (row.role, row.agent_helpdesk, row.agent_code) == ("agent", "voorkempen", "101")
    page = agents.client.get("/console/info")
    assert page.status_code == 200
    assert "Aangemeld als medewerker 101" in page.text
    assert 'href="/console/mijn-vragen"' in page.text
    assert 'href="/console/nu"' not in page.text
    assert agents.client.get("/console", follow_redirects=False).headers["location"] == "/console/info"


@pytest.mark.parametrize(
    ("helpdesk", "code", "pin"),
    [
        ("voorkempen", "101", "0000"),
        ("voorkempen", "999", PIN),
        ("kempen-zuid", "101", PIN),
        ("nergens", "101", PIN),
    ],
    ids=["wrong-pin", "unknown-code", "other-helpdesk", "unknown-helpdesk"],
)
def test_a_wrong_code_or_pin_gets_the_form_again_and_no_session(
    agents: Console, helpdesk: str, code: str, pin: str
) -> None:
    answer = agents.sign_in_agent(helpdesk, code, pin)
    assert answer.status_code == 401
    assert WRONG_PIN in answer.text
    assert agents.session_id is None


def test_five_wrong_pins_lock_the_account_and_the_address_for_15_minutes(agents: Console) -> None:
    statuses = [
        agents.sign_in_agent("voorkempen", "101", "0000").status_code for _ in range(MAX_PIN_FAILURES)
    ]
    assert statuses == [401] * (MAX_PIN_FAILURES - 1) + [429]
    locked = agents.sign_in_agent("voorkempen", "101", PIN)
    assert (locked.status_code, LOCKED in locked.text, agents.session_id) == (429, True, None)
    # The address is locked too: another agent's right PIN from this browser waits as well.
    assert agents.sign_in_agent("kempen-zuid", "201", PIN).status_code == 429
    with agents.runtime.session() as session:
        assert session.execute(select(func.count()).select_from(PinLockout)).scalar_one() == 2
    agents.clock.now += timedelta(minutes=LOCK_MINUTES)
    assert agents.sign_in_agent("voorkempen", "101", PIN).status_code == 303
    with agents.runtime.session() as session:
        # A right PIN clears both counts, as on the agent line.
        assert session.execute(select(func.count()).select_from(PinLockout)).scalar_one() == 0


@pytest.mark.parametrize("path", [*STAFF_PAGES, "/console/info/nieuw", "/console/info/1/wijzigen"])
def test_an_agent_cannot_open_the_staff_pages(agents: Console, path: str) -> None:
    agents.sign_in_agent("voorkempen", "101", PIN)
    answer = agents.client.get(path, follow_redirects=False)
    assert answer.status_code == 403
    assert "Deze pagina of dit formulier is niet voor uw rol." in answer.text


@pytest.mark.parametrize("path", ["/console/nu.json", "/console/static/now.js"])
def test_an_agent_gets_no_staff_data(agents: Console, path: str) -> None:
    agents.sign_in_agent("voorkempen", "101", PIN)
    assert agents.client.get(path).status_code == 403


def test_an_agent_cannot_change_an_entry_even_with_the_csrf_token(agents: Console) -> None:
    agents.sign_in_agent("voorkempen", "101", PIN)
    csrf = form_csrf(agents.client.get("/console/info").text)
    answer = agents.client.post(
        "/console/info/nieuw", data={"csrf": csrf, "question": "Vraag", "answer": "Antwoord"}
    )
    assert answer.status_code == 403
    assert agents.client.post("/console/info/1/verwijderen", data={"csrf": csrf}).status_code == 403
    with agents.runtime.session() as session:
        assert session.execute(select(func.count()).select_from(InfoScript)).scalar_one() == 9


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("vervoer", "Vragen over vervoer van en naar het vaccinatiecentrum"),
        ("thuisvaccinatie", "Vragen over thuisvaccinaties"),
    ],
)
def test_the_search_shows_the_apis_results_in_its_order(agents: Console, query: str, first: str) -> None:
    agents.sign_in_agent("voorkempen", "101", PIN)
    page = agents.client.get("/console/info", params={"q": query}).text
    shown = _results(page)
    api = agents.client.get(
        "/api/info-scripts", params={"q": query}, headers={"Authorization": f"Bearer {SUPERVISOR_TOKEN}"}
    ).json()
    assert shown[0] == first
    assert shown == [item["question"] for item in api]
    with agents.runtime.sessions() as session:
        assert shown == [hit.entry.question for hit in search(session, query, helpdesk_id="voorkempen")]


def test_an_agent_sees_entries_for_every_helpdesk_and_their_own_only(agents: Console) -> None:
    ops = {"Authorization": f"Bearer {OPS_TOKEN}"}
    for helpdesk, answer in (("voorkempen", "Sporthal"), ("kempen-zuid", "Kerkplein")):
        added = agents.client.post(
            "/api/info-scripts",
            json={"question": "Waar kan ik parkeren?", "answer": answer, "helpdesk": helpdesk},
            headers=ops,
        )
        assert added.status_code == 201
    agents.sign_in_agent("voorkempen", "101", PIN)
    page = agents.client.get("/console/info", params={"q": "parkeren"}).text
    assert "Sporthal" in page
    assert "Kerkplein" not in page
    other = agents.client.get("/api/info-scripts?helpdesk=kempen-zuid&q=parkeren", headers=ops).json()[0][
        "id"
    ]
    assert agents.client.get(f"/console/info/{other}").status_code == 404


def test_an_agent_sees_their_own_escalations_read_only(agents: Console) -> None:
    _escalation(agents, "voorkempen", "101", "Teruggebeld: taxicheque gemeente.", "a")
    _escalation(agents, "voorkempen", "102", "Vraag van een collega.", "b")
    _escalation(agents, "kempen-zuid", "101", "Zelfde code, andere helpdesk.", "c")
    _escalation(agents, "voorkempen", None, None, "d")
    agents.sign_in_agent("voorkempen", "101", PIN)
    page = agents.client.get("/console/mijn-vragen").text
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td>[^<]+</td>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>", page)
    assert [(status, note) for _, status, note in rows] == [
        ("beantwoord", "Teruggebeld: taxicheque gemeente.")
    ]
    assert "<form" not in page.split("<main", 1)[1].replace('class="sign-out"', "")
    agents.client.cookies.clear()
    agents.signed_in(SUPERVISOR_TOKEN)
    assert agents.client.get("/console/mijn-vragen").status_code == 403


def test_ops_add_an_entry_from_an_escalation_in_one_step(agents: Console) -> None:
    escalation_id = _escalation(
        agents, "voorkempen", "101", "Taxicheques bij de gemeente, 5 euro per rit.", "e"
    )
    csrf = agents.signed_in(OPS_TOKEN)
    form = agents.client.get("/console/info/nieuw", params={"escalatie": escalation_id})
    assert form.status_code == 200
    assert f'data-origin="{escalation_id}"' in form.text
    assert ">Taxicheques bij de gemeente, 5 euro per rit.</textarea>" in form.text
    assert '<option value="voorkempen" selected>' in form.text
    added = agents.client.post(
        "/console/info/nieuw",
        data={
            "csrf": csrf,
            "question": "Is er een tegemoetkoming voor een taxi?",
            "answer": "Taxicheques bij de gemeente, 5 euro per rit.",
            "tags": "taxi, Vervoer",
            "helpdesk": "voorkempen",
            "escalation_id": str(escalation_id),
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    entry_id = int(added.headers["location"].rsplit("/", 1)[1])
    stored = agents.client.get(
        f"/api/info-scripts/{entry_id}", headers={"Authorization": f"Bearer {OPS_TOKEN}"}
    )
    body = stored.json()
    assert (body["source"], body["escalation"], body["tags"], body["helpdesk"], body["created_by"]) == (
        "escalation",
        escalation_id,
        ["taxi", "vervoer"],
        "voorkempen",
        "console:operations",
    )
    page = agents.client.get(f"/console/info/{entry_id}").text
    assert "doorgegeven vraag" in page


def test_ops_change_and_delete_an_entry(agents: Console) -> None:
    csrf = agents.signed_in(OPS_TOKEN)
    entry_id = _results_ids(agents, "vervoer")[0]
    form = agents.client.get(f"/console/info/{entry_id}/wijzigen")
    assert 'value="Vragen over vervoer van en naar het vaccinatiecentrum"' in form.text
    changed = agents.client.post(
        f"/console/info/{entry_id}/wijzigen",
        data={
            "csrf": csrf,
            "question": "Vervoer naar het centrum",
            "answer": "Belbus 0800 123 45.",
            "tags": "",
        },
        follow_redirects=False,
    )
    assert (changed.status_code, changed.headers["location"]) == (303, f"/console/info/{entry_id}")
    assert _results(agents.client.get("/console/info", params={"q": "belbus"}).text) == [
        "Vervoer naar het centrum"
    ]
    empty = agents.client.post(
        f"/console/info/{entry_id}/wijzigen", data={"csrf": csrf, "question": "", "answer": "x"}
    )
    assert (empty.status_code, "De vraag moet 1 tot 300 tekens lang zijn." in empty.text) == (422, True)
    deleted = agents.client.post(
        f"/console/info/{entry_id}/verwijderen", data={"csrf": csrf}, follow_redirects=False
    )
    assert deleted.status_code == 303
    assert agents.client.get(f"/console/info/{entry_id}").status_code == 404


def _results_ids(console: Console, query: str) -> list[int]:
    page = console.client.get("/console/info", params={"q": query}).text
    return [int(entry_id) for entry_id, _ in QUESTION.findall(page)]


@pytest.mark.parametrize("csrf", [None, "", "0" * 64], ids=["missing", "empty", "wrong"])
def test_an_ops_form_without_its_csrf_token_is_refused(agents: Console, csrf: str | None) -> None:
    agents.signed_in(OPS_TOKEN)
    data = {"question": "Vraag", "answer": "Antwoord"} | ({} if csrf is None else {"csrf": csrf})
    assert agents.client.post("/console/info/nieuw", data=data).status_code == 403
    assert agents.client.post("/console/info/1/verwijderen", data=data).status_code == 403
    with agents.runtime.session() as session:
        assert session.execute(select(func.count()).select_from(InfoScript)).scalar_one() == 9


def test_a_supervisor_reads_but_cannot_keep_the_info(agents: Console) -> None:
    csrf = agents.signed_in(SUPERVISOR_TOKEN)
    assert _results(agents.client.get("/console/info", params={"q": "vervoer"}).text)[0].startswith(
        "Vragen over vervoer"
    )
    assert agents.client.get("/console/info/nieuw").status_code == 403
    answer = agents.client.post("/console/info/nieuw", data={"csrf": csrf, "question": "V", "answer": "A"})
    assert answer.status_code == 403


@pytest.mark.parametrize("form", ["/console", "/console/medewerker"], ids=["token", "agent"])
@pytest.mark.parametrize(
    "csrf", [None, "", "0" * 64, "other-browser"], ids=["missing", "empty", "wrong", "other"]
)
def test_a_sign_in_form_without_its_csrf_token_is_refused(
    agents: Console, form: str, csrf: str | None
) -> None:
    data = (
        {"token": OPS_TOKEN} if form == "/console" else {"helpdesk": "voorkempen", "code": "101", "pin": PIN}
    )
    if csrf == "other-browser":
        # A token read by another browser (another pre-session cookie) is no good here.
        csrf = form_csrf(agents.client.get(form).text)
        agents.client.cookies.clear()
        agents.client.get(form)
    answer = agents.client.post(
        form, data=data if csrf is None else {**data, "csrf": csrf}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert "Er is niets gewijzigd." in answer.text
    assert agents.session_id is None


def test_the_sign_in_forms_cookie_is_httponly_strict_and_on_the_console(agents: Console) -> None:
    cookie = agents.client.get("/console").headers["set-cookie"]
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert cookie.startswith("ivr_console_sign_in=")
    assert flags == {"httponly", "max-age", "path", "samesite", "secure"}
    assert "Path=/console" in cookie
    assert "SameSite=strict" in cookie
    # The same browser keeps its cookie: the form's token stays valid in other tabs.
    assert "set-cookie" not in agents.client.get("/console/medewerker").headers


def test_the_pin_is_not_logged(agents: Console, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    agents.sign_in_agent("voorkempen", "101", "7391")
    agents.sign_in_agent("voorkempen", "101", PIN)
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "console agent sign-in" in logged
    assert "7391" not in logged
    assert PIN not in logged


def test_the_info_pages_hold_no_inline_script_or_style(agents: Console) -> None:
    agents.signed_in(OPS_TOKEN)
    paths = [
        "/console/info",
        "/console/info?q=vervoer",
        "/console/info/1",
        "/console/info/nieuw",
        "/console/info/1/wijzigen",
    ]
    agents.client.cookies.clear()
    pages = [agents.client.get("/console/medewerker").text]
    agents.signed_in(OPS_TOKEN)
    pages += [agents.client.get(path).text for path in paths]
    for page in pages:
        assert "<style" not in page
        assert "style=" not in page
        assert "<script>" not in page
        assert re.search(r"\son[a-z]+=", page) is None
