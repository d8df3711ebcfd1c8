"""The "Beheer" page in a real browser: an ops action takes effect on "Nu", a supervisor cannot act.

Chromium (Debian's) driven by Playwright against the service as a uvicorn process on a migrated
SQLite database of its own (closing a helpdesk here must not disturb another module's figures).
Screenshots at 1280x800 and 390x844 go to ``IVR_SCREENSHOTS`` (default: a temporary folder).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page

from tests.console.browsing import BRUSSELS, console_service, photograph, sign_in
from tests.ivr.conftest import OPS_TOKEN, SUPERVISOR_TOKEN
from tests.ivr.service_process import Service

WEEKDAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
OPS = {"Authorization": f"Bearer {OPS_TOKEN}"}
NOTICE = "p.notice[role=status]"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with console_service(tmp_path_factory.mktemp("console-ops-service")) as running:
        with httpx.Client(base_url=running.url, headers=OPS) as api:
            for code, name in (("101", "An Peeters"), ("102", "Bart Janssens")):
                made = api.post(
                    "/api/agents", json={"helpdesk": "voorkempen", "code": code, "name": name, "pin": "4826"}
                )
                assert made.status_code == 201, made.text
                put = api.put(f"/api/agents/voorkempen/{code}/presence", json={"status": "available"})
                assert put.status_code == 200, put.text
        yield running


def _api(service: Service, path: str) -> Any:
    return httpx.get(f"{service.url}{path}", headers=OPS)


def _local(text: str, now: datetime) -> str:
    """A time as "Nu" shows it: ``14:00`` today, otherwise ``wo 3 dec 08:00``."""
    at, today = datetime.fromisoformat(text), now.astimezone(BRUSSELS).date()
    at = at.astimezone(BRUSSELS)
    if at.date() == today:
        return f"{at:%H:%M}"
    return f"{WEEKDAYS[at.weekday()]} {at.day} {MONTHS[at.month - 1]} {at:%H:%M}"


def _opening(page: Page, helpdesk: str) -> str:
    text = page.locator(f'#hd-{helpdesk} [data-field="opening"]').text_content()
    assert text is not None
    return text


def _agent_status(page: Page, code: str) -> str:
    statuses: list[str] = page.evaluate(
        """code => [...document.querySelectorAll('[data-agents] tr')]
            .filter(row => row.cells[1] && row.cells[1].textContent === code)
            .map(row => row.cells[3].textContent)""",
        code,
    )
    assert len(statuses) == 1
    return statuses[0]


def test_ops_closes_a_helpdesk_now_sees_it_on_nu_reopens_it_and_puts_an_agent_on_break(
    browser: BrowserContext, service: Service, screenshots: Path
) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    sign_in(page, service.url, OPS_TOKEN)
    page.get_by_role("link", name="Beheer").click()
    page.wait_for_url(f"{service.url}/console/beheer")
    photograph(page, screenshots, "beheer")

    # Close voorkempen until two hours from now (a local date and time, whatever the hour).
    now = datetime.now(UTC)
    until = (now + timedelta(hours=2)).astimezone(BRUSSELS)
    desk = page.locator("#beheer-voorkempen")
    desk.get_by_text("Nu sluiten…").click()
    desk.get_by_label("Reden").fill("Stroomuitval in het centrum")
    desk.get_by_label("Tot (leeg: tot heropening)").fill(f"{until:%Y-%m-%dT%H:%M}")
    desk.get_by_role("button", name="Vaccinatiecentrum Voorkempen nu sluiten").click()
    page.wait_for_url(f"{service.url}/console/beheer?gedaan=gesloten&helpdesk=voorkempen")
    assert page.locator(NOTICE).text_content() == "Vaccinatiecentrum Voorkempen is gesloten."
    closure = _api(service, "/api/helpdesks/voorkempen/closure").json()
    assert closure["reason"] == "Stroomuitval in het centrum"
    assert closure["closed_by"].startswith("console:ops@")
    assert datetime.fromisoformat(closure["until"]) == until.replace(second=0, microsecond=0)

    page.get_by_role("link", name="Nu", exact=True).click()
    page.wait_for_url(f"{service.url}/console/nu")
    shown_until = _local(closure["until"], datetime.now(UTC))
    assert (
        _opening(page, "voorkempen") == f"Gesloten door ops tot {shown_until} (Stroomuitval in het centrum)"
    )

    page.get_by_role("link", name="Beheer").click()
    page.get_by_role("button", name="Vaccinatiecentrum Voorkempen heropenen").click()
    page.wait_for_url(f"{service.url}/console/beheer?gedaan=heropend&helpdesk=voorkempen")
    assert _api(service, "/api/helpdesks/voorkempen/closure").status_code == 404
    page.get_by_role("link", name="Nu", exact=True).click()
    [live] = [desk for desk in _api(service, "/api/helpdesks").json() if desk["id"] == "voorkempen"]
    opening = _opening(page, "voorkempen")
    assert "door ops" not in opening
    assert opening.startswith("Open tot " if live["open_now"] else "Gesloten, opent ")

    # An agent on break: "Nu"'s agents table follows.
    assert _agent_status(page, "101") == "beschikbaar"
    page.get_by_role("link", name="Beheer").click()
    page.get_by_label("Status van An Peeters").select_option("break")
    page.get_by_role("button", name="Instellen voor An Peeters").click()
    page.wait_for_url(f"{service.url}/console/beheer?gedaan=status-break&helpdesk=voorkempen&code=101")
    assert page.locator(NOTICE).text_content() == "Medewerker 101 van Vaccinatiecentrum Voorkempen: pauze."
    page.get_by_role("link", name="Nu", exact=True).click()
    assert _agent_status(page, "101") == "pauze"
    assert page.locator('#hd-voorkempen [data-field="on_break"]').text_content() == "1"
    agents = {agent["code"]: agent["status"] for agent in _api(service, "/api/agents").json()}
    assert agents == {"101": "break", "102": "available"}
    assert problems == []


def test_a_supervisor_finds_no_button_and_a_forged_post_is_refused(
    browser: BrowserContext, service: Service, screenshots: Path
) -> None:
    page = browser.new_page()
    sign_in(page, service.url, SUPERVISOR_TOKEN)
    page.get_by_role("link", name="Beheer").click()
    page.wait_for_url(f"{service.url}/console/beheer")
    main = page.locator("main")
    assert main.get_by_role("heading", name="Beheer").count() == 1
    assert main.locator("button, form, input, select, textarea, summary").count() == 0
    assert page.get_by_role("button").all_text_contents() == ["Afmelden"]
    page.screenshot(path=str(screenshots / "console-beheer-supervisor-1280x800.png"), full_page=False)

    csrf = page.locator('header input[name="csrf"]').get_attribute("value")
    assert csrf is not None
    agents_before = _api(service, "/api/agents").json()
    for path, form in (
        ("/console/beheer/helpdesks/kempen-zuid/sluiten", {"reason": "Vervalst"}),
        ("/console/beheer/medewerkers/voorkempen/102/status", {"status": "offline"}),
        (
            "/console/beheer/medewerkers",
            {"helpdesk": "voorkempen", "code": "999", "name": "X", "pin": "1234"},
        ),
    ):
        forged = page.request.post(f"{service.url}{path}", form={"csrf": csrf, **form}, max_redirects=0)
        assert forged.status == 403, path
        assert "Alleen operations kan dit doen" in forged.text()
    assert _api(service, "/api/helpdesks/kempen-zuid/closure").status_code == 404
    assert _api(service, "/api/agents").json() == agents_before
