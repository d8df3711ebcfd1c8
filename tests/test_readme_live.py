"""Every ``ivr …`` and ``curl …`` example of the README runs against a running service.

The service is started as in production (uvicorn in its own process) on a freshly migrated SQLite
database and ``config/helpdesk.yaml``. The commands of the README's ``sh`` and ``console`` blocks
then run through bash in README order, as an operator would type them: ``ivr`` is the project's
own command, ``curl`` gets ``--fail-with-body -sS`` (an HTTP error fails the example) and
``http://localhost:8000`` becomes the test server. Offline examples (``ivr simulate``,
``ivr check-config``) need no server state and run alongside.

``ivr agents add`` and ``reset-pin`` without ``--pin-stdin`` ask for the PIN twice at a hidden
prompt. Each command runs in a session of its own, without a controlling terminal, so the prompt
reads the two lines from standard input, which carries the PIN twice; ``< pin.txt`` examples find
``pin.txt`` in the folder the commands run in; ``reservelijst.csv``, which the call-list examples
import, holds the README's own CSV example.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from database import upgrade

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
IVR = Path(sys.executable).parent / "ivr"
OPS_TOKEN = "ops-readme-0123456789abcdef"
SUPERVISOR_TOKEN = "supervisor-readme-0123456789ab"
PIN = "2580"
DOCUMENTED_BASE_URL = "http://localhost:8000"
OFFLINE = ("ivr simulate ", "ivr check-config ")
# What the README shows; a removed example must be removed here too, on purpose.
CURL_EXAMPLES = 47
IVR_EXAMPLES = 44

FENCE = re.compile(r"^```(?P<lang>[a-z]*)\n(?P<body>.*?)^```$", re.DOTALL | re.MULTILINE)


def readme_commands(text: str) -> list[str]:
    """The ``ivr …`` and ``curl …`` commands of the ``sh`` and ``console`` blocks, in order.

    Lines continued with ``\\`` are joined and ``# comments`` dropped; in a ``console`` block only
    the lines after the ``$`` prompt (and their continuations) are commands.
    """
    commands: list[str] = []
    for block in FENCE.finditer(text):
        if block["lang"] not in ("sh", "console"):
            continue
        for line in _joined(block["body"].splitlines(), prompt="$ " if block["lang"] == "console" else ""):
            command = _without_comment(line)
            if command.startswith(("ivr ", "curl ")):
                commands.append(command)
    return commands


def _joined(lines: Sequence[str], prompt: str) -> list[str]:
    commands: list[str] = []
    current: str | None = None
    for line in lines:
        if current is not None:
            current += " " + line.strip()
        elif line.startswith(prompt):
            current = line.removeprefix(prompt).strip()
        else:
            continue  # output shown in a console block
        if current.endswith("\\"):
            current = current.removesuffix("\\").rstrip()
        else:
            commands.append(current)
            current = None
    if current is not None:
        commands.append(current)
    return commands


def _without_comment(command: str) -> str:
    """``command`` up to an unquoted ``#`` that starts a word, as the shell reads it."""
    quote: str | None = None
    for index, char in enumerate(command):
        if quote is not None:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or command[index - 1].isspace()):
            return command[:index].rstrip()
    return command.rstrip()


COMMANDS = readme_commands(README.read_text(encoding="utf-8"))


def readme_csv(text: str) -> str:
    """The README's example call list: its one ``csv`` block."""
    (block,) = [block["body"] for block in FENCE.finditer(text) if block["lang"] == "csv"]
    return block


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the service exited at start-up:\n{log.read_text(encoding='utf-8')}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not become healthy")


@dataclass(frozen=True)
class Ran:
    command: str
    returncode: int
    stdout: str
    stderr: str


def _prepared(command: str, base_url: str) -> str:
    command = command.replace(DOCUMENTED_BASE_URL, base_url)
    if command.startswith("curl "):
        command = "curl --fail-with-body -sS " + command.removeprefix("curl ")
    return command


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Ran]]:
    """Serve the app on a fresh database and run every README example against it, in order."""
    tmp = tmp_path_factory.mktemp("readme-live")
    database_url = f"sqlite:///{tmp / 'ivr.sqlite3'}"
    upgrade(database_url)
    # The folder the commands run in: the README's relative paths (config/…, pin.txt) resolve here.
    work = tmp / "work"
    work.mkdir()
    (work / "config").symlink_to(ROOT / "config", target_is_directory=True)
    (work / "pin.txt").write_text(f"{PIN}\n", encoding="utf-8")
    (work / "reservelijst.csv").write_text(readme_csv(README.read_text(encoding="utf-8")), encoding="utf-8")

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("TWILIO_ACCOUNT_SID", "IVR_CALLER_HASH_KEY", "IVR_SCHEDULER_INTERVAL")
    } | {
        "DATABASE_URL": database_url,
        "IVR_CONFIG": "config/helpdesk.yaml",
        "TWILIO_AUTH_TOKEN": "readme-live-auth-token",
        "PUBLIC_BASE_URL": "https://helpdesk.example.org",
        "IVR_API_TOKENS": f"ops:{OPS_TOKEN},supervisor:{SUPERVISOR_TOKEN}",
        "IVR_SCHEDULER": "false",
        "IVR_SPOOL_DIR": str(tmp / "spool"),
        "OPS_TOKEN": OPS_TOKEN,
        "SUPERVISOR_TOKEN": SUPERVISOR_TOKEN,
        "PATH": f"{IVR.parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    assert shutil.which("ivr", path=env["PATH"]) == str(IVR)
    bash = shutil.which("bash")
    assert bash is not None

    log = tmp / "service.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app:create_app", "--factory", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(base_url, server, log)

        def run(command: str) -> Ran:
            done = subprocess.run(
                [bash, "-c", _prepared(command, base_url)],
                cwd=work,
                env=env,
                input=f"{PIN}\n{PIN}\n",
                capture_output=True,
                text=True,
                timeout=120,
                start_new_session=True,  # no controlling terminal: a hidden prompt reads stdin
                check=False,
            )
            return Ran(command, done.returncode, done.stdout, done.stderr)

        with ThreadPoolExecutor(max_workers=4) as pool:
            offline: dict[int, Future[Ran]] = {
                index: pool.submit(run, command)
                for index, command in enumerate(COMMANDS)
                if command.startswith(OFFLINE)
            }
            online = {index: run(command) for index, command in enumerate(COMMANDS) if index not in offline}
            results = online | {index: future.result() for index, future in offline.items()}
        yield [results[index] for index in range(len(COMMANDS))]
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_the_readme_examples_are_all_found() -> None:
    assert len([command for command in COMMANDS if command.startswith("curl ")]) == CURL_EXAMPLES
    assert len([command for command in COMMANDS if command.startswith("ivr ")]) == IVR_EXAMPLES
    # No placeholder like "[--slots N]" or "…" in a command; a JSON body in quotes may hold a list.
    unquoted = [re.sub(r"'[^']*'", "''", command) for command in COMMANDS]
    assert not [command for command in unquoted if "[" in command or "…" in command]


def test_commands_are_read_as_the_shell_reads_them() -> None:
    text = (
        "```sh\n"
        'curl -X PUT http://localhost:8000/a \\\n     -d \'{"b": "#1"}\'   # a comment\n'
        "make run\n"
        "ivr agents list   # all\n"
        "```\n\n"
        '```console\n$ ivr simulate --at "2026-12-02 10:00"\n=> ivr output, not a command\n```\n\n'
        "```yaml\nivr: not a command\n```\n"
    )
    assert readme_commands(text) == [
        'curl -X PUT http://localhost:8000/a -d \'{"b": "#1"}\'',
        "ivr agents list",
        'ivr simulate --at "2026-12-02 10:00"',
    ]


@pytest.mark.parametrize("index", range(len(COMMANDS)), ids=[f"{n:02d} {c}" for n, c in enumerate(COMMANDS)])
def test_readme_example_runs(examples: list[Ran], index: int) -> None:
    ran = examples[index]
    assert ran.returncode == 0, f"{ran.command}\nstdout:\n{ran.stdout}\nstderr:\n{ran.stderr}"


def test_the_agent_examples_did_what_they_say(examples: list[Ran]) -> None:
    """The hidden prompt and ``--pin-stdin`` both got the PIN, and the agents are there."""
    by_command = {ran.command: ran for ran in examples}
    added = by_command['ivr agents add --helpdesk voorkempen --code 101 --name "An Peeters"']
    assert added.stdout == "added agent 101 (An Peeters) to voorkempen\n"
    scripted = by_command[
        'ivr agents add --helpdesk voorkempen --code 102 --name "Bart Claes" --pin-stdin < pin.txt'
    ]
    assert scripted.stdout == "added agent 102 (Bart Claes) to voorkempen\n"
    reset = by_command["ivr agents reset-pin --helpdesk voorkempen --code 101"]
    assert reset.stdout == "new PIN set for agent 101 of voorkempen\n"
    assert by_command["ivr agents list --helpdesk voorkempen"].stdout == (
        "HELPDESK    CODE  NAME        ENABLED  STATUS\n"
        "voorkempen  101   An Peeters  yes      offline\n"
        "voorkempen  102   Bart Claes  yes      offline\n"
    )


def test_the_call_list_examples_did_what_they_say(examples: list[Ran]) -> None:
    """The file the CLI imported is the README's CSV example; the API's lists follow it."""
    by_command = {ran.command: ran for ran in examples}
    imported = by_command[
        "ivr lists import reservelijst.csv --helpdesk voorkempen --purpose reserve "
        '--label "reservelijst dinsdag 14 uur" --slots 1'
    ]
    assert imported.stdout == "imported call list 1 for voorkempen: 3 people\n"
    closed = by_command["ivr lists close 1"]
    assert (
        closed.stdout == "closed call list 1 (reservelijst dinsdag 14 uur): nobody on it is called any more\n"
    )
    listed = by_command["ivr lists show 1"].stdout.splitlines()
    assert listed[0] == "call list 1: reservelijst dinsdag 14 uur"
    assert [line.split()[1] for line in listed[-3:]] == ["+32", "+32", "+32"]
    assert "AFS-2291" in listed[-3]
