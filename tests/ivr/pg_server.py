"""A throw-away PostgreSQL server of a test's own, which the test can stop and start again.

The shared server of the suite must stay up for everybody; this one exists to be stopped (an
outage of the database server itself, not of the network). It listens on a free port of
127.0.0.1 only, trusts local connections and is deleted, stopped or not, by ``close()``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from database import upgrade

# PostgreSQL refuses to run as root; as root, the cluster belongs to this system user.
SERVER_USER = "postgres"


def server_bindir() -> Path | None:
    """Where ``initdb``, ``pg_ctl`` and ``postgres`` are: ``pg_config --bindir`` when it holds
    them (not so with a client-only ``pg_config``), else the newest Debian-style install."""
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        bindir = Path(found.stdout.strip())
        if found.returncode == 0 and (bindir / "initdb").is_file():
            return bindir
    installed = [
        path.parent
        for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")
        if re.fullmatch(r"\d+(\.\d+)?", path.parent.parent.name)
    ]
    if not installed:
        return None
    return max(installed, key=lambda bindir: tuple(int(n) for n in bindir.parent.name.split(".")))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PostgresServer:
    """A cluster made by ``initdb`` in a new temporary directory; ``start()``/``stop()`` run
    ``pg_ctl start -w`` / ``pg_ctl stop -m fast``; ``url`` names its ``postgres`` database."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = _free_port()
        # Not under pytest's tmp_path: that lies in a directory only its owner may enter, and as
        # root the server runs as another user.
        self.directory = Path(tempfile.mkdtemp(prefix="ivr-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self.running = False
        self._as_server_user: list[str] = []
        try:
            if os.geteuid() == 0:
                self._as_server_user = ["runuser", "-u", SERVER_USER, "--"]
                shutil.chown(self.directory, SERVER_USER, SERVER_USER)
            self._run(
                "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"
            )
            settings = {
                "listen_addresses": "'127.0.0.1'",
                "port": str(self.port),
                "unix_socket_directories": "''",  # TCP only: no socket path to clash or to clean up
                "fsync": "off",  # a throw-away cluster: a crash of the machine may lose it
            }
            with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
                conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        except BaseException:
            shutil.rmtree(self.directory, ignore_errors=True)
            raise

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *arguments: str) -> None:
        command = [*self._as_server_user, str(self.bindir / program), *arguments]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = self.log.read_text(encoding="utf-8") if self.log.is_file() else ""
            raise RuntimeError(
                f"{program} failed ({done.returncode}):\n{done.stdout}{done.stderr}{log}".rstrip()
            )

    def start(self) -> None:
        """Start the server and return once it accepts connections."""
        self._run("pg_ctl", "start", "-w", "-D", str(self.data), "-l", str(self.log))
        self.running = True

    def stop(self) -> None:
        """Stop the server at once: open connections are cut, new ones refused."""
        self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))
        self.running = False

    def close(self) -> None:
        """Stop the server if it runs and delete the cluster."""
        try:
            # The pid file, not ``running``: a start that timed out may still have left a server.
            if (self.data / "postmaster.pid").exists():
                with contextlib.suppress(RuntimeError):
                    self._run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data))
            self.running = False
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


@contextmanager
def stoppable_postgres() -> Iterator[PostgresServer]:
    """A started PostgreSQL server of the caller's own, migrated to head, deleted afterwards;
    the test is skipped where no server binaries are installed."""
    bindir = server_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) found: install PostgreSQL to run this")
    server = PostgresServer(bindir)
    try:
        server.start()
        upgrade(server.url)
        yield server
    finally:
        server.close()
