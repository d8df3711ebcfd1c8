"""Remote wait messages are measured when the config loads (issue: remote audio counted as 0 s).

A local HTTP server on 127.0.0.1 serves a WAV, an MP3 (a committed 3-second fixture made with
lame), a 404, an HTML page and a slow answer.
"""

from __future__ import annotations

import io
import shutil
import threading
import time
import wave
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app import create_app
from cli.main import main
from config import ConfigError, MediaError, load_config
from ivr.media import HoldMusic, measure_remote_audio
from ivr.twiml import Renderer
from routing import LineState, decide_wait
from service.reload import ConfigWatcher, file_version
from tests.ivr.conftest import BASE, BRUSSELS, CONFIG, Clock, make_settings

MP3 = Path(__file__).parent / "media" / "silence-3s.mp3"
WELCOME_LINE = '      welcome: "Welkom bij de vaccinatiehelpdesk van {municipalities}.'


def _wav(seconds: float) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(b"\x01\x00" * round(8000 * seconds))
    return out.getvalue()


ANSWERS: dict[str, tuple[int, str, bytes]] = {
    "/wacht.wav": (200, "audio/wav", _wav(6.5)),
    "/wacht.mp3": (200, "audio/mpeg", MP3.read_bytes()),
    "/weg.mp3": (404, "text/html", b"<html><body>Not Found</body></html>"),
    "/pagina.mp3": (200, "text/html", b"<!doctype html><html><body>Welkom</body></html>"),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/traag.wav":
            time.sleep(1.5)
        status, media_type, body = ANSWERS.get(self.path, (200, "audio/wav", _wav(1)))
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def media_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize(
    ("path", "seconds"), [("/wacht.wav", 7), ("/wacht.mp3", 4)], ids=["wav-6.5-s", "mp3-3.2-s"]
)
def test_wav_and_mp3_are_measured_in_whole_seconds_rounded_up(
    media_server: str, path: str, seconds: int
) -> None:
    assert measure_remote_audio(media_server + path) == seconds


@pytest.mark.parametrize(
    ("path", "options", "problem"),
    [
        ("/weg.mp3", {}, 'audio "{url}" cannot be fetched: HTTP 404'),
        ("/pagina.mp3", {}, 'audio "{url}" is not a WAV or MP3 file'),
        ("/traag.wav", {"timeout": 0.5}, 'audio "{url}" cannot be fetched within 0.5 s'),
        ("/wacht.wav", {"max_bytes": 1024 * 1024 // 16}, 'audio "{url}" is larger than 0.0625 MiB'),
    ],
    ids=["not-found", "not-audio", "too-slow", "too-large"],
)
def test_what_cannot_be_fetched_or_measured_is_refused(
    media_server: str, path: str, options: dict[str, float], problem: str
) -> None:
    url = media_server + path
    with pytest.raises(MediaError) as refused:
        measure_remote_audio(url, **options)  # type: ignore[arg-type]
    assert str(refused.value) == problem.format(url=url)


def test_an_unreachable_host_is_refused() -> None:
    with pytest.raises(MediaError, match=r'^audio "http://127\.0\.0\.1:9/x\.mp3" cannot be fetched: '):
        measure_remote_audio("http://127.0.0.1:9/x.mp3", timeout=2)


def _config_file(tmp_path: Path, wait_url: str, overflow_url: str | None = None) -> Path:
    """The example config, with kempen-zuid's wait (and overflow_wait) messages as audio URLs."""
    path = tmp_path / "helpdesk.yaml"
    shutil.copytree(CONFIG.parent / "media", tmp_path / "media")
    text = CONFIG.read_text(encoding="utf-8")
    extra = f'      wait: {{audio: "{wait_url}"}}\n'
    if overflow_url is not None:
        extra += f'      overflow_wait: {{audio: "{overflow_url}"}}\n'
    assert text.count(WELCOME_LINE) == 1
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(WELCOME_LINE))
    path.write_text("".join([*lines[: at + 1], extra, *lines[at + 1 :]]), encoding="utf-8")
    return path


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_the_wait_document_holds_for_the_rest_of_the_interval_after_the_measured_message(
    media_server: str, tmp_path: Path
) -> None:
    url = media_server + "/wacht.wav"
    config = load_config(_config_file(tmp_path, url), measure_audio=measure_remote_audio)
    desk = config.helpdesk("kempen-zuid")
    assert desk is not None
    renderer = Renderer(
        config=config, public_base_url=BASE, hold_music=HoldMusic.load(config, tmp_path), version="cfg"
    )
    now = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)
    document = renderer.wait(desk, decide_wait(config, desk, now, 0, LineState(1, 0)))
    # 7 s of message, then silence up to 58 s (was 58 s of silence: the message counted as 0 s).
    assert document == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f'<Play>{url}</Play><Pause length="51" />'
        f'<Redirect method="POST">{BASE}/twilio/wait?helpdesk=kempen-zuid&amp;v=cfg&amp;announced=0'
        "</Redirect>"
        "</Response>"
    )


def test_a_remote_message_that_cannot_be_measured_is_a_config_error_with_its_line(
    media_server: str, tmp_path: Path
) -> None:
    path = _config_file(tmp_path, media_server + "/weg.mp3", media_server + "/pagina.mp3")
    with pytest.raises(ConfigError) as refused:
        load_config(path, measure_audio=measure_remote_audio)
    assert refused.value.errors == (
        f"{path}:{_line_of(path, 'wait: {audio:')}: helpdesks[1].messages.wait.audio: "
        f'audio "{media_server}/weg.mp3" cannot be fetched: HTTP 404',
        f"{path}:{_line_of(path, 'overflow_wait:')}: helpdesks[1].messages.overflow_wait.audio: "
        f'audio "{media_server}/pagina.mp3" is not a WAV or MP3 file',
    )


def test_check_config_shows_the_same_error(
    media_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config_file(tmp_path, media_server + "/weg.mp3")
    assert main(["check-config", str(path)]) == 1
    assert capsys.readouterr().err == (
        f"{path}:{_line_of(path, 'wait: {audio:')}: helpdesks[1].messages.wait.audio: "
        f'audio "{media_server}/weg.mp3" cannot be fetched: HTTP 404\n'
        f"{path}: 1 error(s); the service refuses this file\n"
    )


def test_a_reload_with_a_broken_remote_message_keeps_the_last_good_config(
    media_server: str, migrated_db_url: str, tmp_path: Path
) -> None:
    path = _config_file(tmp_path, media_server + "/wacht.mp3")
    app: FastAPI = create_app(
        make_settings(migrated_db_url).model_copy(update={"ivr_config": path}), clock=Clock()
    )
    with TestClient(app, base_url=BASE):
        watcher: ConfigWatcher[Renderer] = app.state.config_watcher
        watcher.stop()
        runtime = app.state.runtime
        good = runtime.renderer.version
        assert runtime.renderer.hold_music.audio_seconds(media_server + "/wacht.mp3") == 4

        text = path.read_text(encoding="utf-8").replace("/wacht.mp3", "/weg.mp3")
        path.write_text(text, encoding="utf-8")
        result = watcher.check()

        assert (result.status, result.version) == ("refused", good)
        assert result.errors == (
            f"{path}:{_line_of(path, 'wait: {audio:')}: helpdesks[1].messages.wait.audio: "
            f'audio "{media_server}/weg.mp3" cannot be fetched: HTTP 404',
        )
        assert runtime.renderer.version == good != file_version(path.read_bytes())
