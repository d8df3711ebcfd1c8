"""Config reloads without a restart: an edit of the YAML file is served within seconds.

A refused edit never takes the service down: the last good config keeps serving, and the problems
are shown by ``GET /api/config`` and ``/ready`` (503) and logged until the file is fixed. Calls in
progress keep the config they started with (``Runtime.versions``).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic, Literal

from config import ConfigError, HelpdeskConfig, MeasureAudio, parse_config
from service.runtime import Runtime, S

log = logging.getLogger("ivr.reload")
POLL_SECONDS = 1.0
VERSION_LENGTH = 12
# What the service serves for a config and its version (the Twilio line's renderer), built by
# the adapter: it may read media files, and a file it cannot read refuses the config.
Build = Callable[[HelpdeskConfig, str], S]

ReloadStatus = Literal["unchanged", "reloaded", "refused"]


def file_version(raw: bytes) -> str:
    """The version of a config file: a short hash of its bytes."""
    return hashlib.sha256(raw).hexdigest()[:VERSION_LENGTH]


def config_version(config: HelpdeskConfig) -> str:
    """The version of a config given without a file (a dry run): a short hash of its content."""
    return hashlib.sha256(config.model_dump_json().encode()).hexdigest()[:VERSION_LENGTH]


@dataclass(frozen=True)
class Snapshot:
    """What was read of the file in one poll."""

    mtime_ns: int
    size: int
    version: str
    raw: bytes


@dataclass(frozen=True)
class ReloadResult:
    """The outcome of one check: ``version`` is the one serving afterwards."""

    status: ReloadStatus
    version: str
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServedConfig:
    """The config being served: its file, version, when it was loaded, and the problems of the
    file's last refused edit (empty while the file is good)."""

    path: Path | None
    version: str
    loaded_at: datetime
    errors: tuple[str, ...]


def served_config(rt: Runtime[S]) -> ServedConfig:
    """What ``rt`` serves now (``GET /api/config`` and the console's "Beheer" page)."""
    return ServedConfig(rt.config_file, rt.renderer.version, rt.loaded_at, tuple(rt.config_errors))


def load_file(path: Path, measure_audio: MeasureAudio | None) -> tuple[HelpdeskConfig, str]:
    """``config.load_config`` that also answers the version of the bytes it parsed."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read the file: {exc.strerror or exc}"]) from exc
    return read_config(path, raw, measure_audio), file_version(raw)


def read_config(path: Path, raw: bytes, measure_audio: MeasureAudio | None) -> HelpdeskConfig:
    """Parse ``raw``, the bytes read from ``path``; errors as ``config.load_config`` words them."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError([f"{path}:{line}: the file is not UTF-8 text"]) from exc
    # Remote wait messages are fetched and measured here: one that fails refuses the file.
    return parse_config(text, str(path), path.parent, measure_audio=measure_audio)


class ConfigWatcher(Generic[S]):
    """Polls the config file and swaps in every good edit; ``check`` runs one poll."""

    def __init__(
        self,
        rt: Runtime[S],
        *,
        build: Build[S],
        measure_audio: MeasureAudio | None,
        interval: float = POLL_SECONDS,
        on_reload: Callable[[], None] | None = None,
    ) -> None:
        if rt.config_file is None:
            raise ValueError("the config was given explicitly: there is no file to watch")
        self.runtime = rt
        self.build = build
        self.measure_audio = measure_audio
        # Called after a new config is served (outside the lock): the Twilio queues it needs.
        self.on_reload = on_reload
        self.path = rt.config_file
        self.interval = interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # The file as last examined: an unchanged file is not parsed (nor logged) again.
        self._seen: tuple[int, int, str] | None = None

    def _read(self) -> Snapshot | ConfigError:
        try:
            stat = self.path.stat()
            raw = self.path.read_bytes()
        except OSError as exc:
            return ConfigError([f"{self.path}: cannot read the file: {exc.strerror or exc}"])
        return Snapshot(mtime_ns=stat.st_mtime_ns, size=stat.st_size, version=file_version(raw), raw=raw)

    def check(self, *, force: bool = False) -> ReloadResult:
        """Load the file if it changed (or always, with ``force``); a bad file changes nothing served."""
        result = self._check(force)
        if result.status == "reloaded" and self.on_reload is not None:
            self.on_reload()
        return result

    def _check(self, force: bool) -> ReloadResult:
        with self._lock:
            rt = self.runtime
            snapshot = self._read()
            if isinstance(snapshot, ConfigError):
                self._seen = None
                return self._refuse(snapshot.errors, None, force)
            seen = (snapshot.mtime_ns, snapshot.size, snapshot.version)
            if seen == self._seen and not force:
                return ReloadResult(
                    "refused" if rt.config_errors else "unchanged", rt.renderer.version, rt.config_errors
                )
            self._seen = seen
            if snapshot.version == rt.renderer.version and not force:
                # Back to the content being served (an undone bad edit): nothing to swap.
                if rt.config_errors:
                    log.info("config file %s is good again; serving version %s", self.path, snapshot.version)
                rt.config_errors = ()
                return ReloadResult("unchanged", snapshot.version)
            try:
                config = read_config(self.path, snapshot.raw, self.measure_audio)
                renderer = self.build(config, snapshot.version)
            except ConfigError as exc:
                return self._refuse(exc.errors, seen, force)
            except (OSError, EOFError, ValueError) as exc:
                # A media file named by the config could not be read (hold music, audio prompt).
                return self._refuse((f"{self.path}: media not loaded: {exc}",), seen, force)
            previous = rt.renderer.version
            rt.install(renderer, datetime.now(UTC))
            if previous != snapshot.version:
                log.info(
                    "config reloaded from %s: version %s (was %s)", self.path, snapshot.version, previous
                )
                return ReloadResult("reloaded", snapshot.version)
            return ReloadResult("unchanged", snapshot.version)

    def _refuse(
        self, errors: tuple[str, ...], seen: tuple[int, int, str] | None, force: bool
    ) -> ReloadResult:
        rt = self.runtime
        # A missing file has no fingerprint: log it once until it comes back.
        repeated = seen is None and rt.config_errors == errors
        rt.config_errors = errors
        if force or not repeated:
            log.warning(
                "config file %s refused; still serving version %s:\n%s",
                self.path,
                rt.renderer.version,
                "\n".join(errors),
            )
        return ReloadResult("refused", rt.renderer.version, errors)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:
                log.exception("config check failed", extra={"path": str(self.path)})

    def start(self) -> None:
        """Poll in a daemon thread until ``stop``."""
        if self._thread is not None:
            return
        # The file as loaded at start-up is the one being served.
        snapshot = self._read()
        if isinstance(snapshot, Snapshot) and snapshot.version == self.runtime.renderer.version:
            self._seen = (snapshot.mtime_ns, snapshot.size, snapshot.version)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="config-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join()
