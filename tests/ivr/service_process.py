"""The service as real uvicorn processes on a test database, and Twilio's signed webhooks to them.

Every process spools into the directory the test gives it (in its tmp folder, never the
checkout's var/), runs with the group commit on (as deployed) and the scheduler off, and keeps
connections alive long, so that a client's connection stays with the worker that accepted it
(see :func:`pinned_connections`).
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://helpdesk.example.org"
TOKEN = "service-process-token-0123456789"
START_TIMEOUT_S = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Service:
    """One uvicorn process (the parent of its worker processes when started with several)."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """A graceful shutdown (SIGTERM), as a deployment stops it."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_service(
    database_url: str,
    config: Path,
    spool: Path,
    log: Path,
    *,
    workers: int = 1,
    env: Mapping[str, str] | None = None,
) -> Service:
    """Start ``uvicorn app:create_app --factory`` on ``database_url`` and wait until it is healthy."""
    service = launch(database_url, config, spool, log, workers=workers, env=env)
    wait_healthy(service)
    return service


def launch(
    database_url: str,
    config: Path,
    spool: Path,
    log: Path,
    *,
    workers: int = 1,
    env: Mapping[str, str] | None = None,
) -> Service:
    """Start the service without waiting for it (see :func:`wait_healthy`)."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "uvicorn", "app:create_app", "--factory"),
        *("--host", "127.0.0.1", "--port", str(port), "--timeout-keep-alive", "120", "--no-access-log"),
    ]
    if workers > 1:
        command += ["--workers", str(workers)]
    environment = os.environ | {
        "DATABASE_URL": database_url,
        "IVR_CONFIG": str(config),
        "IVR_SPOOL_DIR": str(spool),
        "IVR_SCHEDULER": "false",
        "IVR_GROUP_COMMIT": "true",
        "TWILIO_AUTH_TOKEN": TOKEN,
        "PUBLIC_BASE_URL": BASE,
        **(env or {}),
    }
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT)
    return Service(url=f"http://127.0.0.1:{port}", port=port, process=process, log=log)


def wait_healthy(service: Service) -> None:
    """Wait until ``service`` answers its health check; stops it and fails when it does not."""
    try:
        _wait_healthy(service)
    except BaseException:
        service.stop()
        raise


def _wait_healthy(service: Service) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise AssertionError(f"the service exited at start-up:\n{service.output()}")
        try:
            if httpx.get(f"{service.url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{service.url} did not become healthy:\n{service.output()}")


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    text: str

    @property
    def is_twiml(self) -> bool:
        return (
            self.status == 200
            and self.content_type.startswith(("application/xml", "text/xml"))
            and "<Response" in self.text
        )


class Connection:
    """One kept-alive connection to a service, posting webhooks signed as Twilio signs them.

    Plain ``http.client``: the test's own requests run on the same few cores as the service and
    cost a quarter of what an httpx client costs per request.
    """

    def __init__(self, service: Service) -> None:
        self._http = http.client.HTTPConnection("127.0.0.1", service.port, timeout=30)

    def post(self, path: str, params: Mapping[str, str]) -> Reply:
        form = dict(params)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(f"{BASE}{path}", form),
        }
        self._http.request("POST", path, body=urlencode(form), headers=headers)
        return self._reply()

    def get(self, path: str) -> Reply:
        self._http.request("GET", path)
        return self._reply()

    def _reply(self) -> Reply:
        response = self._http.getresponse()
        text = response.read().decode()
        return Reply(response.status, response.getheader("content-type", ""), text)

    @property
    def local_port(self) -> int:
        assert self._http.sock is not None  # connected by the first request
        port: int = self._http.sock.getsockname()[1]
        return port

    def close(self) -> None:
        self._http.close()


def call_params(call_sid: str, to: str, caller: str, status: str = "ringing", **extra: str) -> dict[str, str]:
    """What Twilio sends about an inbound call."""
    return {
        "CallSid": call_sid,
        "AccountSid": "AC" + "1" * 32,
        "From": caller,
        "To": to,
        "CallStatus": status,
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def pinned_connections(service: Service, workers: int, per_worker: int) -> dict[int, list[Connection]]:
    """``per_worker`` connections to each of the ``workers`` worker processes of ``service``, by
    the worker's pid.

    The workers of one uvicorn share its listening socket and whichever accepts a connection
    serves every request on it (kept alive): connections are opened until each worker holds
    enough of them, the others are closed.
    """
    connections: dict[int, list[Connection]] = {}
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        connection = Connection(service)
        assert connection.get("/health").status == 200
        mine = connections.setdefault(_worker_of(service, connection.local_port), [])
        if len(mine) < per_worker:
            mine.append(connection)
        else:
            connection.close()
        if len(connections) == workers and all(len(group) == per_worker for group in connections.values()):
            return connections
        if time.monotonic() > deadline:
            close_all(connections)
            raise AssertionError(f"connections reached {len(connections)} of {workers} workers")


def close_all(connections: Mapping[int, list[Connection]]) -> None:
    for group in connections.values():
        for connection in group:
            connection.close()


def _worker_of(service: Service, client_port: int) -> int:
    """The pid of the process holding the server side of the connection from ``client_port``."""
    inode = _server_socket(service.port, client_port)
    candidates = _children(service.process.pid) | {service.process.pid}
    for pid in candidates:
        try:
            if any(os.readlink(fd) == f"socket:[{inode}]" for fd in Path(f"/proc/{pid}/fd").iterdir()):
                return pid
        except OSError:  # a process that has just ended, or a descriptor just closed
            continue
    raise AssertionError(f"no process of {service.url} holds the connection from port {client_port}")


def _server_socket(server_port: int, client_port: int) -> str:
    """The inode of the accepted socket ``server_port`` → ``client_port`` (Linux /proc/net/tcp:
    the services listen on 127.0.0.1)."""
    for line in Path("/proc/net/tcp").read_text(encoding="ascii").splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if (
            int(local.rsplit(":", 1)[1], 16) == server_port
            and int(remote.rsplit(":", 1)[1], 16) == client_port
        ):
            return inode
    raise AssertionError(f"no connection from port {client_port} to {server_port}")


def _children(pid: int) -> set[int]:
    """The processes ``pid`` started (uvicorn's workers among them)."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: the fields follow the last ")".
        fields = text.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children
