"""The console in a real browser: Chromium (Debian's) driven by Playwright against the real service.

The service runs as a uvicorn process on 127.0.0.1 with a migrated SQLite database; agents are
set up through the API and waiting callers in the database, and every figure the "Nu" page shows
is compared with the API's answer read just before and just after. Screenshots at 1280x800 and
390x844 go to ``IVR_SCREENSHOTS`` (default: a temporary folder).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page

from calls import enter_queue
from database import make_engine, make_sessionmaker
from service.security import CONSOLE_CONTENT_SECURITY_POLICY
from tests.console.browsing import BRUSSELS, api_json, console_service, database_in, photograph, sign_in
from tests.ivr.conftest import OPS_TOKEN, SUPERVISOR_TOKEN
from tests.ivr.service_process import Service

STATUS_WORDS = {"available": "beschikbaar", "break": "pauze", "outbound": "belt uit", "offline": "afgemeld"}
REFRESH_S = 5


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("console-service")
    with console_service(folder) as running:
        _set_up(running, database_in(folder))
        yield running


def _set_up(service: Service, url: str) -> None:
    """Agents in every status at both helpdesks, and three callers waiting at voorkempen."""
    ops = {"Authorization": f"Bearer {OPS_TOKEN}"}
    agents = [
        ("voorkempen", "101", "An Peeters", "available"),
        ("voorkempen", "102", "Bart Janssens", "available"),
        ("voorkempen", "103", "Chloë Maes", "break"),
        ("voorkempen", "104", "Dirk Willems", "outbound"),
        ("kempen-zuid", "201", "Els Claes", "available"),
        ("kempen-zuid", "202", "Frank Goossens", "offline"),
    ]
    with httpx.Client(base_url=service.url, headers=ops) as api:
        for helpdesk, code, name, status in agents:
            created = api.post(
                "/api/agents", json={"helpdesk": helpdesk, "code": code, "name": name, "pin": "4826"}
            )
            assert created.status_code == 201, created.text
            if status != "offline":
                put = api.put(f"/api/agents/{helpdesk}/{code}/presence", json={"status": status})
                assert put.status_code == 200, put.text
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine).begin() as session:
            now = datetime.now(UTC)
            for number, waited in enumerate((95, 40, 5)):
                enter_queue(session, f"CA{number:032x}", "voorkempen", now - timedelta(seconds=waited))
    finally:
        engine.dispose()


def _shown(page: Page) -> dict[str, dict[str, str]]:
    """The figures of every helpdesk on the page, by helpdesk id and field."""
    shown: dict[str, dict[str, str]] = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('[data-helpdesk]')].map(section => [
            section.dataset.helpdesk,
            Object.fromEntries([...section.querySelectorAll('[data-field]')].map(
                field => [field.dataset.field, field.textContent])),
        ]))"""
    )
    return shown


def _rows(page: Page) -> list[list[str]]:
    rows: list[list[str]] = page.evaluate(
        """() => [...document.querySelectorAll('[data-agents] tr')].map(
            row => [...row.cells].map(cell => cell.textContent))"""
    )
    return rows


def _wait(seconds: int | None) -> str:
    return "–" if seconds is None else f"{seconds // 60}:{seconds % 60:02d}"


def _local_clock(text: str) -> str:
    return f"{datetime.fromisoformat(text).astimezone(BRUSSELS):%H:%M}"


def _check_figures(page: Page, service: Service) -> None:
    """Every figure of "Nu" equals the API's, read just before and just after the page's next
    refresh (the longest wait ticks on in between)."""
    before, agents_before = api_json(service.url, "/api/helpdesks"), api_json(service.url, "/api/agents")
    updated = page.locator("[data-updated]").text_content()
    page.wait_for_function(
        "shown => document.querySelector('[data-updated]').textContent !== shown",
        arg=updated,
        timeout=(REFRESH_S + 3) * 1000,
    )
    shown, rows = _shown(page), _rows(page)
    after, agents_after = api_json(service.url, "/api/helpdesks"), api_json(service.url, "/api/agents")
    assert [desk["id"] for desk in before] == list(shown)
    on_break = Counter(agent["helpdesk"] for agent in agents_before if agent["status"] == "break")
    for desk, later in zip(before, after, strict=True):
        figures = shown[desk["id"]]
        assert figures["available"] == str(desk["agents_logged_in"]) == str(later["agents_logged_in"])
        assert figures["outbound"] == str(desk["agents_outbound"]) == str(later["agents_outbound"])
        assert figures["on_break"] == str(on_break[desk["id"]])
        assert figures["waiting"] == str(desk["callers_waiting"]) == str(later["callers_waiting"])
        assert figures["returning"] == str(desk["callers_returning"])
        assert figures["longest_wait"] in {
            _wait(seconds)
            for seconds in (
                range(desk["longest_wait_s"], later["longest_wait_s"] + 1)
                if desk["longest_wait_s"] is not None
                else [None]
            )
        }
        assert figures["central"] == ("Open" if desk["central_open_now"] else "Gesloten")
        if desk["open_now"]:
            assert figures["opening"].startswith("Open tot ")
            assert figures["opening"].endswith(_local_clock(desk["next_closing"]))
        else:
            assert figures["opening"].startswith("Gesloten, opent ")
            assert figures["opening"].endswith(_local_clock(desk["next_opening"]))
        if desk["staffing_alert"]:
            assert figures["alert"] == (
                f"Te weinig medewerkers: {desk['agents_logged_in']} beschikbaar, minimum {desk['min_agents']}"
            )
        else:
            assert figures["alert"] == "Geen"
    names = {desk["id"]: desk["name"] for desk in before}
    assert agents_before == agents_after
    assert rows == [
        [
            names[agent["helpdesk"]],
            agent["code"],
            agent["name"],
            STATUS_WORDS[agent["status"]],
            _local_clock(agent["since"]) if agent["since"] else "–",
            str(agent["calls_taken_today"]),
        ]
        for agent in agents_before
    ]


def test_now_shows_the_apis_figures_and_follows_them_without_reloading(
    browser: BrowserContext, service: Service, screenshots: Path
) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    sign_in(page, service.url, SUPERVISOR_TOKEN)
    _check_figures(page, service)
    assert _shown(page)["voorkempen"]["waiting"] == "3"
    photograph(page, screenshots, "nu")

    # A figure changes: the page follows within the refresh, without loading again.
    page.evaluate("() => { window.notReloaded = true; }")
    put = httpx.put(
        f"{service.url}/api/agents/voorkempen/102/presence",
        json={"status": "break"},
        headers={"Authorization": f"Bearer {OPS_TOKEN}"},
    )
    assert put.status_code == 200
    started = time.monotonic()
    page.wait_for_function(
        """() => document.querySelector('#hd-voorkempen [data-field="on_break"]').textContent === '2'""",
        timeout=(REFRESH_S + 3) * 1000,
    )
    assert time.monotonic() - started <= REFRESH_S + 3
    assert page.evaluate("() => window.notReloaded") is True
    _check_figures(page, service)
    assert problems == []


def test_sign_in_errors_cookie_flags_csp_csrf_and_sign_out(browser: BrowserContext, service: Service) -> None:
    page = browser.new_page()
    answer = page.goto(f"{service.url}/console/nu")
    assert answer is not None
    assert page.url == f"{service.url}/console"
    assert answer.headers["content-security-policy"] == CONSOLE_CONTENT_SECURITY_POLICY

    page.get_by_label("Token").fill("not-a-token-of-this-service")
    with page.expect_response(f"{service.url}/console") as refused:
        page.get_by_role("button", name="Aanmelden").click()
    assert refused.value.status == 401
    assert page.get_by_role("alert").text_content() == (
        "Dit token is niet juist. Controleer het en probeer opnieuw."
    )
    # Only the sign-in form's own cookie (what its CSRF token is bound to), no session.
    assert [cookie["name"] for cookie in browser.cookies()] == ["ivr_console_sign_in"]

    page.get_by_label("Token").fill(OPS_TOKEN)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(f"{service.url}/console/nu")
    [cookie] = [cookie for cookie in browser.cookies() if cookie["name"] == "ivr_console"]
    assert (cookie["name"], cookie["path"], cookie["httpOnly"], cookie["secure"], cookie["sameSite"]) == (
        "ivr_console",
        "/console",
        True,
        True,
        "Strict",
    )
    assert page.evaluate("() => document.cookie") == ""

    # The browser's own cookie, without the form's token: refused, and the session lives on.
    forged = browser.request.post(f"{service.url}/console/afmelden", form={"csrf": "0" * 64})
    assert forged.status == 403
    assert browser.request.get(f"{service.url}/console/nu.json").status == 200

    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_url(f"{service.url}/console?afgemeld")
    assert page.get_by_role("status").text_content() == "U bent afgemeld."
    # The old session id is refused even when presented again.
    stale = httpx.get(f"{service.url}/console/nu.json", cookies={"ivr_console": cookie["value"]})
    assert stale.status_code == 401
    page.goto(f"{service.url}/console/nu")
    assert page.url == f"{service.url}/console"
