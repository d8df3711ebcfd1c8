"""Config reloads: good edits are served without a restart, bad ones change nothing served."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app import create_app
from config import HelpdeskConfig
from ivr.twiml import Renderer
from service.reload import ConfigWatcher, ReloadResult, file_version
from service.runtime import KEPT_VERSIONS
from tests.ivr.conftest import (
    BASE,
    CONFIG,
    OPS_TOKEN,
    SUPERVISOR_TOKEN,
    Clock,
    Line,
    build_line,
    make_settings,
)

OLD_WELCOME = "Welkom bij de vaccinatiehelpdesk van {municipalities}."
NEW_WELCOME = "Goeiedag, dit is de vaccinatiehelpdesk van {municipalities}."
ANNOUNCE_EVERY = "      announce_every: 60 "
BAD_ANNOUNCE_EVERY = '      announce_every: "often" '
KEMPEN_ZUID = "+3214200200"
VOORKEMPEN = "+3233100100"
OPS = {"Authorization": f"Bearer {OPS_TOKEN}"}


@dataclass
class Reloading:
    line: Line
    path: Path
    watcher: ConfigWatcher[Renderer]

    def edit(self, old: str, new: str) -> str:
        """Replace ``old`` (present once) in the file; answers the new version."""
        text = self.path.read_text(encoding="utf-8")
        assert text.count(old) == 1
        raw = text.replace(old, new).encode()
        self.path.write_bytes(raw)
        return file_version(raw)

    def welcome(self) -> str:
        self.line.agents("kempen-zuid", 1)
        response = self.line.post("/twilio/voice", self.line.call(to=KEMPEN_ZUID))
        say = ElementTree.fromstring(response.text).find("Say")
        assert say is not None
        assert say.text is not None
        return say.text


def _start(db_url: str, tmp_path: Path) -> Iterator[tuple[Line, Path, ConfigWatcher[Renderer]]]:
    path = tmp_path / "helpdesk.yaml"
    shutil.copyfile(CONFIG, path)
    shutil.copytree(CONFIG.parent / "media", tmp_path / "media")
    clock = Clock()
    settings = make_settings(db_url).model_copy(update={"ivr_config": path})
    app: FastAPI = create_app(settings, clock=clock)
    with TestClient(app, base_url=BASE) as client:
        watcher: ConfigWatcher[Renderer] = app.state.config_watcher
        yield Line(client=client, runtime=app.state.runtime, clock=clock), path, watcher


@pytest.fixture
def reloading(migrated_db_url: str, tmp_path: Path) -> Iterator[Reloading]:
    """An app on a config file of its own whose polling thread is stopped: ``check`` decides."""
    for line, path, watcher in _start(migrated_db_url, tmp_path):
        watcher.stop()
        yield Reloading(line, path, watcher)


def test_an_edit_is_served_after_a_check(reloading: Reloading) -> None:
    old_version = file_version(reloading.path.read_bytes())
    assert reloading.welcome().startswith("Welkom bij de vaccinatiehelpdesk van Herentals.")

    new_version = reloading.edit(OLD_WELCOME, NEW_WELCOME)
    assert reloading.welcome().startswith("Welkom bij de vaccinatiehelpdesk van Herentals.")
    assert reloading.watcher.check() == ReloadResult("reloaded", new_version)

    assert reloading.welcome().startswith("Goeiedag, dit is de vaccinatiehelpdesk van Herentals.")
    assert reloading.line.runtime.renderer.version == new_version != old_version
    assert reloading.line.runtime.config is reloading.line.runtime.renderer.config
    assert reloading.watcher.check() == ReloadResult("unchanged", new_version)


def test_an_edit_is_served_within_five_seconds_by_the_polling_thread(
    migrated_db_url: str, tmp_path: Path
) -> None:
    for line, path, _ in _start(migrated_db_url, tmp_path):
        line.clock.set_local("2026-12-02 12:00")
        line.agents("voorkempen", 1)
        assert "<Enqueue" in line.post("/twilio/voice", line.call(to=VOORKEMPEN)).text
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace('mon-fri: "09:00-16:00"', 'mon-fri: "09:00-11:00"'), encoding="utf-8")

        started = time.monotonic()
        answer = ""
        while time.monotonic() - started < 5:
            answer = line.post("/twilio/voice", line.call(to=VOORKEMPEN)).text
            if "reason=closed" in answer:
                break
            time.sleep(0.05)
        assert "central-result?helpdesk=voorkempen&amp;reason=closed" in answer


def test_a_bad_edit_keeps_the_last_good_config(
    reloading: Reloading, caplog: pytest.LogCaptureFixture
) -> None:
    good = file_version(reloading.path.read_bytes())
    reloading.edit(OLD_WELCOME, NEW_WELCOME)
    reloading.edit(ANNOUNCE_EVERY, BAD_ANNOUNCE_EVERY)
    errors = (f"{reloading.path}:42: helpdesks[0].queue.announce_every: must be a whole number",)

    with caplog.at_level(logging.WARNING, logger="ivr.reload"):
        assert reloading.watcher.check() == ReloadResult("refused", good, errors)
        # An unchanged bad file is neither parsed nor logged again.
        assert reloading.watcher.check() == ReloadResult("refused", good, errors)

    warnings = [r for r in caplog.records if r.name == "ivr.reload" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].getMessage().splitlines()[1:] == list(errors)
    assert reloading.welcome().startswith("Welkom bij de vaccinatiehelpdesk van Herentals.")
    ready = reloading.line.client.get("/ready")
    assert (ready.status_code, ready.json()) == (
        503,
        {"config": "loaded", "database": "reachable", "config_errors": list(errors)},
    )
    state = reloading.line.client.get("/api/config", headers=OPS).json()
    assert (state["path"], state["version"], state["errors"]) == (str(reloading.path), good, list(errors))

    fixed = reloading.edit(BAD_ANNOUNCE_EVERY, ANNOUNCE_EVERY)
    assert reloading.watcher.check() == ReloadResult("reloaded", fixed)
    assert reloading.welcome().startswith("Goeiedag, dit is de vaccinatiehelpdesk van Herentals.")
    ready = reloading.line.client.get("/ready")
    assert (ready.status_code, ready.json()) == (200, {"config": "loaded", "database": "reachable"})
    assert reloading.line.client.get("/api/config", headers=OPS).json()["errors"] == []


def test_undoing_a_bad_edit_clears_its_errors(reloading: Reloading) -> None:
    good = file_version(reloading.path.read_bytes())
    reloading.edit(ANNOUNCE_EVERY, BAD_ANNOUNCE_EVERY)
    assert reloading.watcher.check().status == "refused"

    reloading.edit(BAD_ANNOUNCE_EVERY, ANNOUNCE_EVERY)
    assert reloading.watcher.check() == ReloadResult("unchanged", good)
    assert reloading.line.client.get("/ready").status_code == 200


def test_a_missing_file_keeps_the_config_serving(reloading: Reloading) -> None:
    good = file_version(reloading.path.read_bytes())
    reloading.path.rename(reloading.path.with_suffix(".bak"))
    result = reloading.watcher.check()
    assert result == ReloadResult(
        "refused", good, (f"{reloading.path}: cannot read the file: No such file or directory",)
    )
    assert reloading.welcome().startswith("Welkom bij de vaccinatiehelpdesk van Herentals.")


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/api/config"), ("POST", "/api/config/reload")], ids=["state", "reload"]
)
@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": f"Bearer {SUPERVISOR_TOKEN}"}, 403), (OPS, 200)],
    ids=["no-token", "supervisor", "ops"],
)
def test_the_config_endpoints_need_the_ops_role(
    reloading: Reloading, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    assert reloading.line.client.request(method, path, headers=headers).status_code == status


def test_a_forced_reload_answers_what_happened(reloading: Reloading) -> None:
    client = reloading.line.client
    before = client.get("/api/config", headers=OPS).json()
    good = file_version(reloading.path.read_bytes())
    assert client.post("/api/config/reload", headers=OPS).json() == {
        "status": "unchanged",
        "version": good,
        "errors": [],
    }

    new = reloading.edit(OLD_WELCOME, NEW_WELCOME)
    assert client.post("/api/config/reload", headers=OPS).json() == {
        "status": "reloaded",
        "version": new,
        "errors": [],
    }
    after = client.get("/api/config", headers=OPS).json()
    assert after["version"] == new
    assert datetime.fromisoformat(after["loaded_at"]) > datetime.fromisoformat(before["loaded_at"])


def _wait_url(line: Line) -> str:
    line.agents("voorkempen", 1)
    response = line.post("/twilio/voice", line.call(to=VOORKEMPEN))
    enqueue = ElementTree.fromstring(response.text).find("Enqueue")
    assert enqueue is not None
    parts = urlsplit(enqueue.attrib["waitUrl"])
    return f"{parts.path}?{parts.query}"


def _hold_seconds(line: Line, wait_url: str) -> str:
    response = line.post(wait_url, line.call(QueueTime="0", QueuePosition="1", CurrentQueueSize="1"))
    play = ElementTree.fromstring(response.text).find("Play")
    assert play is not None
    assert play.text is not None
    return play.text.rsplit("seconds=", 1)[1]


def test_a_call_in_progress_keeps_the_config_it_started_with(reloading: Reloading) -> None:
    line = reloading.line
    old_wait = _wait_url(line)
    old_version = file_version(reloading.path.read_bytes())
    assert old_wait == f"/twilio/wait?helpdesk=voorkempen&v={old_version}"

    new_version = reloading.edit(ANNOUNCE_EVERY, "      announce_every: 90 ")
    assert reloading.watcher.check().status == "reloaded"
    new_wait = _wait_url(line)
    assert new_wait == f"/twilio/wait?helpdesk=voorkempen&v={new_version}"

    # The first announcement takes 21 s of the document that lasts until 2 s before the next one.
    assert _hold_seconds(line, old_wait) == "37"
    assert _hold_seconds(line, new_wait) == "67"
    assert _hold_seconds(line, "/twilio/wait?helpdesk=voorkempen&v=000000000000") == "67"
    assert _hold_seconds(line, "/twilio/wait?helpdesk=voorkempen") == "67"


def test_only_the_last_versions_are_kept(reloading: Reloading) -> None:
    first = file_version(reloading.path.read_bytes())
    versions = [first]
    current = ANNOUNCE_EVERY
    for seconds in range(61, 61 + KEPT_VERSIONS):
        edited = f"      announce_every: {seconds} "
        versions.append(reloading.edit(current, edited))
        current = edited
        assert reloading.watcher.check().status == "reloaded"
    rt = reloading.line.runtime
    assert list(rt.versions) == versions[1:]
    assert rt.renderer_for(first) is rt.renderer
    assert rt.renderer_for(versions[1]).config.helpdesks[0].queue.announce_every == 61


def test_an_explicit_config_is_not_watched(migrated_db_url: str, example_config: HelpdeskConfig) -> None:
    for line in build_line(migrated_db_url, example_config):
        assert line.runtime.config_file is None
        response = line.client.post("/api/config/reload", headers=OPS)
        assert (response.status_code, response.json()) == (
            409,
            {"detail": "the config was given explicitly; there is no file to reload"},
        )
        assert line.client.get("/api/config", headers=OPS).json()["path"] is None


def test_the_app_reads_its_own_config_file(migrated_db_url: str) -> None:
    app = create_app(make_settings(migrated_db_url))
    assert app.state.runtime.config_file == CONFIG
    assert app.state.runtime.renderer.version == file_version(CONFIG.read_bytes())


AGENT_LINE = "+3233100199"
HOLD_MUSIC = "    hold_music: media/hold-music.wav  # optional; silence when absent"


def _menu(line: Line, path: str) -> dict[str, str]:
    """The menu's ``<Gather>`` after a conversation: its timeout (the wrap-up) and action."""
    params = line.call(to=AGENT_LINE, DialCallStatus="completed", DialBridged="true")
    gather = ElementTree.fromstring(line.post(path, params).text).find("Gather")
    assert gather is not None
    return {"timeout": gather.attrib["timeout"], "action": gather.attrib["action"]}


def test_an_agent_call_keeps_the_config_it_started_with(reloading: Reloading) -> None:
    line = reloading.line
    old_version = file_version(reloading.path.read_bytes())
    welcome = line.post("/twilio/agent", line.call(to=AGENT_LINE))
    gather = ElementTree.fromstring(welcome.text).find("Gather")
    assert gather is not None
    assert gather.attrib["action"] == f"{BASE}/twilio/agent/code?helpdesk=voorkempen&v={old_version}"

    new_version = reloading.edit(HOLD_MUSIC, f"    agent_line:\n      wrap_up: 20\n{HOLD_MUSIC}")
    assert reloading.watcher.check().status == "reloaded"
    after = "/twilio/agent/after?helpdesk=voorkempen&code=101"
    # Twilio sent no DialCallSid: the escalate key finds the citizen in the queue's record.
    menu = f"{BASE}/twilio/agent/menu?helpdesk=voorkempen&code=101&citizen=latest"
    assert _menu(line, f"{after}&v={old_version}") == {"timeout": "10", "action": f"{menu}&v={old_version}"}
    assert _menu(line, f"{after}&v={new_version}") == {"timeout": "20", "action": f"{menu}&v={new_version}"}
    assert _menu(line, after) == {"timeout": "20", "action": f"{menu}&v={new_version}"}
