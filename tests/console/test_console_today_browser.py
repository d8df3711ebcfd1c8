""" "Vandaag" and "Periode" in a real browser: Chromium (Debian's) driven by Playwright against the
service as a uvicorn process, on a SQLite database loaded with a simulated day.

The day (today, by the service's clock) and the same weekday a week before are loaded as the
webhooks record calls: each call's events through the call log, every outcome and overflow
reason, waits from nothing to past the overflow. Every figure the pages show is compared with the
API's answer, the CSV downloaded through the page's link is compared byte for byte with the API's,
and both pages are photographed at 1280x800 and 390x844 (``IVR_SCREENSHOTS``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page

from database import make_engine, make_sessionmaker
from tests.calllog.conftest import Ev, abandoned, answered, overflowed, play, sid, status
from tests.console.browsing import BRUSSELS, console_service, photograph, sign_in
from tests.console.test_console_today import HOUR_COLUMNS, WAIT_COLUMNS, _flat, _text
from tests.ivr.conftest import SUPERVISOR_TOKEN
from tests.ivr.service_process import Service

REASONS = ("closed", "no_agents", "queue_full", "wait_timeout", "error")
KPI_KEYS_JS = "[...document.querySelectorAll('[data-kpis] tbody tr')].map(r => r.dataset.key)"


def _day_of_calls(
    rng: random.Random, desk: str, day: date, count: int
) -> Iterator[tuple[datetime, list[Ev], bool]]:
    """``count`` calls of ``desk`` between 08:00 and 17:00 local time: (arrival, events, open)."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=BRUSSELS) + timedelta(hours=8)
    for _ in range(count):
        at = start + timedelta(seconds=rng.randrange(9 * 3600))
        is_open = 9 <= at.hour < 16
        kind = rng.choices(["answered", "abandoned", "overflowed", "closing", "busy"], [60, 15, 15, 6, 4])[0]
        wait = rng.choice([0, 3, 8, 20, 45, 70, 110, 150, 179])
        if not is_open and kind in ("answered", "abandoned"):
            kind = "closing"
        if kind == "answered":
            events = answered(wait, rng.randint(40, 600))
        elif kind == "abandoned":
            events = abandoned(wait)
        elif kind == "overflowed":
            reason = "closed" if not is_open else rng.choice(REASONS[1:])
            events = overflowed(reason, wait=180 if reason == "wait_timeout" else None)
        else:
            events = [Ev("closing_message" if kind == "closing" else "busy_message"), status(0)]
        yield at, events, is_open


def load_days(url: str, days: list[date]) -> None:
    """A simulated day of calls at both helpdesks on each of ``days``."""
    rng = random.Random(20261204)  # noqa: S311 - a reproducible day, not a secret
    engine = make_engine(url)
    number = 0
    try:
        with make_sessionmaker(engine).begin() as session:
            for day in days:
                for desk, count in (("voorkempen", 180), ("kempen-zuid", 120)):
                    for at, events, is_open in _day_of_calls(rng, desk, day, count):
                        number += 1
                        play(session, sid(number), desk, at, events, open_=is_open)
    finally:
        engine.dispose()


def _today() -> date:
    return datetime.now(BRUSSELS).date()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with console_service(
        tmp_path_factory.mktemp("console-today-service"),
        lambda url: load_days(url, [_today(), _today() - timedelta(days=7)]),
    ) as running:
        yield running


def _api(service: Service, path: str, **params: str) -> httpx.Response:
    answer = httpx.get(
        f"{service.url}{path}", params=params, headers={"Authorization": f"Bearer {SUPERVISOR_TOKEN}"}
    )
    assert answer.status_code == 200, answer.text
    return answer


def _table(page: Page, marker: str) -> list[list[str]]:
    rows: list[list[str]] = page.evaluate(
        f"""() => [...document.querySelectorAll('[{marker}] tbody tr')].map(
            row => [...row.cells].map(cell => cell.textContent.trim()))"""
    )
    return rows


def _check_page(page: Page, service: Service, query: dict[str, str], columns: int) -> None:
    """The page's KPI table, its per-step table and its waits equal the API's for ``query``."""
    period = {key: value for key, value in query.items() if key != "step"}
    metrics: dict[str, Any] = _api(service, "/api/metrics", **period).json()
    series: dict[str, Any] = _api(service, "/api/metrics/series", **query).json()
    waits: dict[str, Any] = _api(service, "/api/metrics/waits", **period).json()
    kpis = _flat(metrics["kpis"])
    keys: list[str] = page.evaluate(f"() => {KPI_KEYS_JS}")
    assert len(keys) == len(kpis) > 20
    assert [row[columns] for row in _table(page, "data-kpis")] == [_text(key, kpis[key]) for key in keys]
    assert kpis["offered"] > 100
    assert [row[1:] for row in _table(page, "data-buckets")] == [
        [_text(key, _flat(bucket["kpis"])[key]) for key in HOUR_COLUMNS] for bucket in series["buckets"]
    ]
    assert [row[1:] for row in _table(page, "data-waits")] == [
        [str(band[key]) for key in WAIT_COLUMNS] for band in waits["bands"]
    ]
    # Both charts were drawn by the vendored library.
    assert page.locator("#chart-calls canvas").count() == 1
    assert page.locator("#chart-waits canvas").count() == 1


def _photograph(page: Page, screenshots: Path, name: str) -> None:
    photograph(page, screenshots, name)
    # The charts, below the fold of both.
    page.locator("#chart-calls").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / f"console-{name}-chart-1280x800.png"), full_page=False)


def test_today_and_a_period_show_the_apis_figures_and_its_csv(
    browser: BrowserContext, service: Service, screenshots: Path
) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    sign_in(page, service.url, SUPERVISOR_TOKEN)

    # Vandaag, all helpdesks: today's column and last week's.
    page.get_by_role("link", name="Vandaag").click()
    page.wait_for_url(f"{service.url}/console/vandaag")
    today = _today()
    day = {"from": today.isoformat(), "to": today.isoformat(), "step": "hour"}
    _check_page(page, service, day, 1)
    before = today - timedelta(days=7)
    week = {"from": before.isoformat(), "to": before.isoformat(), "step": "hour"}
    earlier = _flat(
        _api(service, "/api/metrics", **{k: v for k, v in week.items() if k != "step"}).json()["kpis"]
    )
    keys: list[str] = page.evaluate(f"() => {KPI_KEYS_JS}")
    assert [row[2] for row in _table(page, "data-kpis")] == [_text(key, earlier[key]) for key in keys]
    _photograph(page, screenshots, "vandaag")

    # One helpdesk, chosen with the keyboard-usable form.
    page.get_by_label("Helpdesk", exact=True).select_option("kempen-zuid")
    page.get_by_role("button", name="Toon").click()
    page.wait_for_url(f"{service.url}/console/vandaag?helpdesk=kempen-zuid&dag={today.isoformat()}")
    _check_page(page, service, {**day, "helpdesk": "kempen-zuid"}, 1)

    # Periode: last week's day to today, per hour, for Voorkempen.
    page.get_by_role("link", name="Periode").click()
    page.get_by_label("Helpdesk", exact=True).select_option("voorkempen")
    page.get_by_label("Van", exact=True).fill(before.isoformat())
    page.get_by_label("Tot en met", exact=True).fill(today.isoformat())
    page.get_by_label("Stap", exact=True).select_option("hour")
    page.get_by_role("button", name="Toon").click()
    page.wait_for_load_state()
    query = {"from": before.isoformat(), "to": today.isoformat(), "step": "hour", "helpdesk": "voorkempen"}
    _check_page(page, service, query, 1)
    _photograph(page, screenshots, "periode")

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download de cijfers per uur (CSV)").click()
    download = downloading.value
    theirs = _api(service, "/api/metrics/series", **query, format="csv")
    assert (
        download.suggested_filename == f"series-hour-voorkempen-{before.isoformat()}-{today.isoformat()}.csv"
    )
    assert Path(download.path()).read_bytes() == theirs.content
    buckets = _api(service, "/api/metrics/series", **query).json()["buckets"]
    assert theirs.content.count(b"\r\n") == len(buckets) + 1 >= 8 * 23 + 1
    assert problems == []
