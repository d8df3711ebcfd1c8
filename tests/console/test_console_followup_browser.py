"""Plan and Opvolging in a real browser: Chromium (Debian's) driven by Playwright against the
service served by uvicorn on 127.0.0.1, with Twilio's recordings answered by a stand-in.

Invitations, complaints, a call list and an agent are set up through the API, the escalations
as the escalation line stores them; the figures the pages show are compared with the API's, the
recording is loaded by the page's own audio player, and ops handle an escalation and see it move
to the closed ones. Screenshots at 1280x800 and 390x844 go to ``IVR_SCREENSHOTS``.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import struct
import threading
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn
from playwright.sync_api import BrowserContext, Page

from app import create_app
from calllog import CallRecord
from database import upgrade
from escalations import NewEscalation, Priority, RecordingReport, RecordingStatus, Source, record_escalation
from service.runtime import Runtime
from tests.console.browsing import api_json, chromium, photograph, sign_in
from tests.ivr.conftest import OPS_TOKEN, SUPERVISOR_TOKEN, make_settings
from tests.ivr.service_process import free_port
from tests.ivr.test_escalations_api import ACCOUNT, FakeTwilio

BRUSSELS = ZoneInfo("Europe/Brussels")
WEEKDAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
START_TIMEOUT_S = 20


def _tone() -> bytes:
    """One second of a 440 Hz tone, telephone audio (8 kHz mono 16-bit PCM) in a WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(
            b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / 8000))) for n in range(8000)
            )
        )
    return out.getvalue()


TONE = _tone()


@dataclass
class Served:
    url: str
    runtime: Runtime[Any]
    twilio: FakeTwilio


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    chromium()
    folder = tmp_path_factory.mktemp("console-followup")
    url = f"sqlite:///{folder / 'ivr.sqlite3'}"
    upgrade(url)
    twilio = FakeTwilio()
    settings = make_settings(url).model_copy(
        update={"twilio_account_sid": ACCOUNT, "ivr_spool_dir": folder / "spool"}
    )
    app = create_app(
        settings,
        twilio_http_client=twilio.http_client(),
        recordings_transport=httpx.MockTransport(
            lambda request: httpx.Response(200, content=TONE, headers={"Content-Type": "audio/x-wav"})
        ),
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        assert time.monotonic() < deadline, "the service did not start"
        assert thread.is_alive(), "the service stopped at start-up"
        time.sleep(0.05)
    try:
        running = Served(url=f"http://127.0.0.1:{port}", runtime=app.state.runtime, twilio=twilio)
        _set_up(running)
        yield running
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT_S)


def _next_friday(today: dt.date) -> int:
    """Days from ``today`` to the next Friday: a batch then peaks on the Saturday before the
    helpdesk's closed Sunday."""
    return (4 - today.weekday()) % 7 or 7


def _set_up(served: Served) -> None:
    today = dt.datetime.now(BRUSSELS).date()
    ops = {"Authorization": f"Bearer {OPS_TOKEN}"}
    with httpx.Client(base_url=served.url, headers=ops) as api:
        for offset, count in ((-7, 5000), (_next_friday(today), 4000), (_next_friday(today) + 5, 3000)):
            day = (today + dt.timedelta(days=offset)).isoformat()
            posted = api.post(
                "/api/invitations", json={"helpdesk": "voorkempen", "date": day, "count": count}
            )
            assert posted.status_code == 200, posted.text
        for received, scope in ((40, "local"), (3, "local"), (50, "local"), (10, "central")):
            complaint = {
                "helpdesk": "voorkempen",
                "received_on": (today - dt.timedelta(days=received)).isoformat(),
                "channel": "email",
                "name": "Jan Peeters",
                "contact": "jan@example.org",
                "description": "Geen antwoord gekregen op mijn mail",
                "category": "organisation",
                "scope": scope,
            }
            assert api.post("/api/complaints", json=complaint).status_code == 201
        imported = api.post(
            "/api/call-lists",
            json={
                "helpdesk": "kempen-zuid",
                "purpose": "reserve",
                "label": "reservelijst vrijdag",
                "slots": 2,
                "people": [
                    {"number": "0470 11 22 33"},
                    {"number": "0471 22 33 44"},
                    {"number": "03 310 01 01"},
                ],
            },
        )
        assert imported.status_code == 201, imported.text
    runtime = served.runtime
    now = dt.datetime.now(dt.UTC)
    with runtime.session() as session:
        for number, priority in enumerate((Priority.NORMAL, Priority.URGENT, Priority.NORMAL), start=1):
            call_sid = f"CA{number:032x}" if priority is Priority.NORMAL else None
            if call_sid is not None:
                session.add(
                    CallRecord(
                        call_sid=call_sid,
                        helpdesk_id="voorkempen",
                        arrived_at=now - dt.timedelta(minutes=30 - number),
                        open_on_arrival=True,
                        caller_raw=f"+3247012345{number}",
                        outcome="answered",
                        entered_queue=True,
                        last_sequence=3,
                    )
                )
                session.flush()
            new = NewEscalation(
                token=f"{number:032x}",
                helpdesk_id="voorkempen",
                priority=priority,
                source=Source.AGENT if call_sid is not None else Source.CENTRAL,
                agent="101" if call_sid is not None else None,
                call_sid=call_sid,
                recording_call_sid=f"CA{number + 5000:032x}",
                contact_number=None if call_sid is not None else "+3227000000",
            )
            report = RecordingReport(f"RE{number:032x}", RecordingStatus.COMPLETED, 1)
            recorded = record_escalation(session, new, report, now - dt.timedelta(minutes=20 - number))
            assert recorded.escalation_id is not None


def _rows(page: Page, selector: str) -> list[list[str]]:
    found: list[list[str]] = page.evaluate(
        """selector => [...document.querySelectorAll(selector)].map(
            row => [...row.cells].map(cell => cell.textContent.trim().replace(/\\s+/g, ' ')))""",
        selector,
    )
    return found


def _day(text: str) -> str:
    day = dt.date.fromisoformat(text[:10])
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def _decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _escalation_ids(page: Page, state: str) -> list[int]:
    found: list[str] = page.evaluate(
        """state => [...document.querySelectorAll(`[data-escalations="${state}"] > [data-escalation]`)].map(
            item => item.dataset.escalation)""",
        state,
    )
    return [int(value) for value in found]


def test_plan_shows_the_apis_forecast_batches_and_advice(
    browser: BrowserContext, served: Served, screenshots: Path
) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    sign_in(page, served.url, SUPERVISOR_TOKEN)
    page.get_by_role("link", name="Plan", exact=True).click()
    page.wait_for_url(f"{served.url}/console/plan")
    assert page.get_by_role("heading", level=1).text_content() == "Plan – Vaccinatiecentrum Voorkempen"

    today = dt.datetime.now(BRUSSELS).date()
    last = today + dt.timedelta(days=13)
    forecast = api_json(served.url, f"/api/forecast?helpdesk=voorkempen&from={today}&to={last}")
    assert _rows(page, "[data-forecast] tbody tr") == [
        [
            _day(bucket["start"]),
            "open" if bucket["open"] else "gesloten",
            str(bucket["invitations"]),
            _decimal(bucket["offered"]),
            str(bucket["agents_needed"]),
        ]
        for bucket in forecast["buckets"]
    ]
    assert forecast["basis"] == "prior"
    assert (page.locator("[data-basis]").text_content() or "").startswith("Te weinig geschiedenis")
    advice = api_json(
        served.url,
        f"/api/invitations/advice?helpdesk=voorkempen&from={today + dt.timedelta(days=1)}"
        f"&to={today + dt.timedelta(days=92)}",
    )
    shown = page.evaluate(
        "() => [...document.querySelectorAll('[data-advice] > li')].map(item => item.dataset.day)"
    )
    assert shown == [batch["date"] for batch in advice["batches"]]
    assert len(shown) == 2
    friday = today + dt.timedelta(days=_next_friday(today))
    flagged = page.locator(f'[data-advice] > li[data-day="{friday}"]')
    assert flagged.locator(".flags strong").all_text_contents() == ["Piek vlak voor een sluitingsdag."]
    assert [flag["reason"] for flag in advice["batches"][0]["flags"]] == ["peak_before_closed_day"]
    photograph(page, screenshots, "plan")

    # Another helpdesk, chosen with the form, by keyboard.
    page.get_by_label("Helpdesk").select_option("kempen-zuid")
    page.get_by_role("button", name="Toon").press("Enter")
    page.wait_for_url(f"{served.url}/console/plan?helpdesk=kempen-zuid")
    assert page.get_by_role("heading", level=1).text_content() == "Plan – Vaccinatiecentrum Kempen Zuid"
    assert problems == []


def test_follow_up_shows_the_apis_lists_plays_the_recording_and_ops_handle(
    browser: BrowserContext, served: Served, screenshots: Path
) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    sign_in(page, served.url, OPS_TOKEN)
    page.get_by_role("link", name="Opvolging", exact=True).click()
    page.wait_for_url(f"{served.url}/console/opvolging")

    escalations = api_json(served.url, "/api/escalations")
    open_ids = [item["id"] for item in escalations if item["status"] in {"open", "in_progress"}]
    assert _escalation_ids(page, "open") == open_ids
    assert escalations[0]["priority"] == "urgent"

    complaints = {str(item["id"]): item for item in api_json(served.url, "/api/complaints")}
    shown = _rows(page, "[data-complaint]")
    open_rows = [row for row in shown if complaints[row[0]]["status"] == "open"]
    assert [complaints[row[0]]["overdue"] for row in open_rows] == [True, True, False]
    assert [row[6] for row in open_rows] == [_day(complaints[row[0]]["deadline"]) for row in open_rows]
    assert [row[7].startswith("Dringend:") for row in open_rows] == [True, True, False]

    [listed] = api_json(served.url, "/api/call-lists")
    detail = api_json(served.url, f"/api/call-lists/{listed['id']}")
    [row] = _rows(page, "[data-list]")
    assert row[0] == "reservelijst vrijdag"
    assert row[4:8] == [
        str(detail["progress"]["people"]),
        str(detail["progress"]["pending"]),
        str(detail["figures"]["people_called"]),
        str(detail["figures"]["reached"]),
    ]
    photograph(page, screenshots, "opvolging")

    # The question plays from the page's own player: the service fetched it behind the session.
    first = open_ids[0]
    duration = page.evaluate(
        """id => new Promise((resolve, reject) => {
            const audio = document.querySelector(`#esc-${id} audio`);
            audio.addEventListener('loadedmetadata', () => resolve(audio.duration), {once: true});
            audio.addEventListener('error', () => reject(new Error('audio error')), {once: true});
            audio.load();
        })""",
        first,
    )
    assert duration == pytest.approx(1.0, abs=0.01)

    # Ops close it; it moves to the closed ones and the API agrees.
    item = page.locator(f"#esc-{first}")
    item.get_by_label("Nieuwe status").select_option("answered")
    item.get_by_label("Notitie (vervangt de vorige)").fill("Teruggebeld, vraag beantwoord")
    item.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(f"{served.url}/console/opvolging?behandeld={first}#esc-{first}")
    assert page.get_by_role("status").text_content() == f"Escalatie {first} is nu beantwoord."
    assert _escalation_ids(page, "open") == open_ids[1:]
    assert _escalation_ids(page, "closed") == [first]
    after = next(item for item in api_json(served.url, "/api/escalations") if item["id"] == first)
    assert (after["status"], after["note"], after["updated_by"]) == (
        "answered",
        "Teruggebeld, vraag beantwoord",
        "console:ops",
    )
    assert page.locator(f"#esc-{first} audio").count() == 0
    assert page.locator(f"#esc-{first} [data-field=status]").text_content() == "beantwoord"
    assert problems == []
