"""What the console's browser tests share: Debian's Chromium driven by Playwright, a service
process with the console's tokens, signing in, and the folder the screenshots go to.

Each test gets a fresh browser profile (``browser``); each module starts its own service with
the data it needs (``console_service``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, sync_playwright

from database import upgrade
from tests.ivr.conftest import CONFIG, OPS_TOKEN, SUPERVISOR_TOKEN
from tests.ivr.service_process import Service, start_service

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BRUSSELS = ZoneInfo("Europe/Brussels")
TOKENS = f"ops:{OPS_TOKEN},supervisor:{SUPERVISOR_TOKEN}"


def chromium() -> Path:
    """Debian's Chromium; a missing one fails the test under CI (``.ci/run`` installs it) and
    skips it elsewhere."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package", pytrace=False)
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); the browser tests need it")


def browser_context(profile: Path) -> Iterator[BrowserContext]:
    """A headless Chromium with a profile of its own at 1280x800, in Dutch (Belgium)."""
    executable = chromium()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(executable),
            headless=True,
            args=FLAGS,
            viewport={"width": 1280, "height": 800},
            locale="nl-BE",
        )
        try:
            yield context
        finally:
            context.close()


def screenshots_folder() -> Iterator[Path]:
    """``IVR_SCREENSHOTS`` when set (kept), otherwise a temporary folder (removed afterwards)."""
    chosen = os.environ.get("IVR_SCREENSHOTS")
    if chosen:
        folder = Path(chosen)
        folder.mkdir(parents=True, exist_ok=True)
        yield folder
        return
    folder = Path(tempfile.mkdtemp(prefix="ivr-screenshots-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def database_in(folder: Path) -> str:
    """The URL of the SQLite database :func:`console_service` keeps in ``folder``."""
    return f"sqlite:///{folder / 'ivr.sqlite3'}"


@contextmanager
def console_service(folder: Path, prepare: Callable[[str], None] | None = None) -> Iterator[Service]:
    """The service as a uvicorn process on a migrated SQLite database in ``folder``, with the ops
    and supervisor tokens; ``prepare(url)`` fills the database before the service starts."""
    chromium()  # no service to start for tests that will be skipped
    url = database_in(folder)
    upgrade(url)
    if prepare is not None:
        prepare(url)
    running = start_service(
        url, CONFIG, folder / "spool", folder / "service.log", env={"IVR_API_TOKENS": TOKENS}
    )
    try:
        yield running
    finally:
        running.stop()


def sign_in(page: Page, base_url: str, token: str) -> None:
    """Sign in with ``token`` on the sign-in page, as a person does, and land on "Nu"."""
    page.goto(f"{base_url}/console")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(f"{base_url}/console/nu")


def api_json(base_url: str, path: str, **params: str) -> Any:
    """The API's JSON answer to a supervisor's GET of ``path`` (which must succeed)."""
    answer = httpx.get(
        f"{base_url}{path}", params=params or None, headers={"Authorization": f"Bearer {SUPERVISOR_TOKEN}"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def photograph(page: Page, folder: Path, name: str) -> None:
    """``console-NAME-1280x800.png`` and ``console-NAME-390x844.png`` (a phone) of the page as it is."""
    page.screenshot(path=str(folder / f"console-{name}-1280x800.png"), full_page=False)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(folder / f"console-{name}-390x844.png"), full_page=False)
    page.set_viewport_size({"width": 1280, "height": 800})
