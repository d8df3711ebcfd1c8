"""Agents in a real browser (Debian's Chromium, Playwright) against the real service: an agent
signs in with code and PIN, searches the info scripts ("vervoer", "thuisvaccinatie") and reads
the right answers, cannot open any other page, and is locked out after five wrong PINs as on the
agent line. Screenshots at 1280x800 and 390x844 go to ``IVR_SCREENSHOTS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Response

from database import make_engine, make_sessionmaker
from infoscripts import seed
from tests.console.browsing import console_service
from tests.ivr.conftest import OPS_TOKEN, SUPERVISOR_TOKEN
from tests.ivr.service_process import Service

PIN = "4826"
TRANSPORT = "Vragen over vervoer van en naar het vaccinatiecentrum"
HOME_VACCINATION = "Vragen over thuisvaccinaties"


def _seed(url: str) -> None:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine).begin() as session:
            seed(session, datetime.now(UTC))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with console_service(tmp_path_factory.mktemp("console-info-service"), _seed) as running:
        created = httpx.post(
            f"{running.url}/api/agents",
            json={"helpdesk": "voorkempen", "code": "101", "name": "An Peeters", "pin": PIN},
            headers={"Authorization": f"Bearer {OPS_TOKEN}"},
        )
        assert created.status_code == 201, created.text
        yield running


def _agent_sign_in(page: Page, service: Service, pin: str) -> None:
    page.goto(f"{service.url}/console")
    page.get_by_role("link", name="Meld u aan met uw medewerkerscode en pincode").click()
    page.wait_for_url(f"{service.url}/console/medewerker")
    page.get_by_label("Helpdesk").select_option("voorkempen")
    page.get_by_label("Medewerkerscode").fill("101")
    page.get_by_label("Pincode").fill(pin)
    page.get_by_role("button", name="Aanmelden").click()


def _search(page: Page, words: str) -> list[str]:
    page.get_by_label("Zoeken in vragen en antwoorden").fill(words)
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_url(f"**/console/info?q={words}")
    return page.locator("[data-results] h2").all_text_contents()


def _api_search(service: Service, words: str) -> list[str]:
    answer = httpx.get(
        f"{service.url}/api/info-scripts",
        params={"q": words, "helpdesk": "voorkempen"},
        headers={"Authorization": f"Bearer {SUPERVISOR_TOKEN}"},
    )
    assert answer.status_code == 200
    return [item["question"] for item in answer.json()]


def test_an_agent_finds_the_answers_and_nothing_else(
    browser: BrowserContext, service: Service, screenshots: Path
) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    _agent_sign_in(page, service, PIN)
    page.wait_for_url(f"{service.url}/console/info")
    assert page.locator("nav.pages a").all_text_contents() == ["Info", "Mijn vragen"]

    found = _search(page, "vervoer")
    assert found[0] == TRANSPORT
    assert found == _api_search(service, "vervoer")
    first = page.locator("[data-results] li").first
    assert "Maak eigen documentatie hierover op." in (first.locator(".answer").text_content() or "")
    page.screenshot(path=str(screenshots / "console-info-1280x800.png"), full_page=False)

    found = _search(page, "thuisvaccinatie")
    assert found[0] == HOME_VACCINATION
    assert found == _api_search(service, "thuisvaccinatie")
    assert "doorverwijzen naar de huisarts" in (
        page.locator("[data-results] .answer").first.text_content() or ""
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(screenshots / "console-info-390x844.png"), full_page=False)
    # Nothing wider than the phone's screen.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("link", name=HOME_VACCINATION).click()
    page.wait_for_url(f"{service.url}/console/info/*")
    assert page.get_by_role("heading", level=1).text_content() == HOME_VACCINATION
    assert page.get_by_role("button", name="Verwijderen").count() == 0

    page.get_by_role("link", name="Mijn vragen").click()
    page.wait_for_url(f"{service.url}/console/mijn-vragen")
    assert page.locator("[data-mine] td").all_text_contents() == ["U gaf nog geen vragen door."]
    assert problems == []  # before the refused pages below, which the browser reports as errors

    for path in ("/console/nu", "/console/info/nieuw", "/console/info/1/wijzigen"):
        answer = page.goto(f"{service.url}{path}")
        assert answer is not None
        assert answer.status == 403, path
        assert page.get_by_role("alert").text_content() == (
            "Deze pagina of dit formulier is niet voor uw rol. Er is niets gewijzigd."
        )
    assert browser.request.get(f"{service.url}/console/nu.json").status == 403

    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_url(f"{service.url}/console?afgemeld")
    assert page.goto(f"{service.url}/console/info") is not None
    assert page.url == f"{service.url}/console"


def _posted(service: Service) -> Callable[[Response], bool]:
    """The answer to the agents' sign-in form."""
    return lambda answer: (
        answer.url == f"{service.url}/console/medewerker" and answer.request.method == "POST"
    )


def test_five_wrong_pins_lock_the_agent_out_as_on_the_phone(
    browser: BrowserContext, service: Service
) -> None:
    page = browser.new_page()
    for attempt in range(1, 6):
        with page.expect_response(_posted(service)) as answer:
            _agent_sign_in(page, service, "0000")
        assert answer.value.status == (429 if attempt == 5 else 401)
    assert page.get_by_role("alert").text_content() == (
        "U hebt te vaak een verkeerde pincode ingegeven. Probeer het over 15 minuten opnieuw."
    )
    # The right PIN does not help while the lock lasts.
    with page.expect_response(_posted(service)) as answer:
        _agent_sign_in(page, service, PIN)
    assert answer.value.status == 429
    assert [cookie["name"] for cookie in browser.cookies()] == ["ivr_console_sign_in"]
