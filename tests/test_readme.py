"""The README's ``ivr`` examples are run and their printed output must match the code.

After a deliberate change of output, ``UPDATE_README=1`` rewrites the example outputs in place.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from cli.main import main

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(r"```console\n\$ (?P<command>ivr [^\n]*)\n(?P<output>.*?)```", re.DOTALL)


def _examples() -> list[str]:
    return [match["command"] for match in BLOCK.finditer(README.read_text(encoding="utf-8"))]


def _run(command: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(shlex.split(command)[1:]) == 0
    return capsys.readouterr().out


def test_readme_has_the_simulate_examples() -> None:
    simulate = [command for command in _examples() if command.startswith("ivr simulate")]
    assert len(simulate) >= 10
    assert any(command.startswith("ivr check-config") for command in _examples())


@pytest.mark.parametrize("command", _examples())
def test_readme_example_output(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(ROOT)
    for name in ("IVR_CONFIG", "DATABASE_URL", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "IVR_API_TOKENS"):
        monkeypatch.delenv(name, raising=False)
    # No database: what check-config prints of the closures set by ops must not depend on one.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'no-database.sqlite3'}")
    printed = _run(command, capsys)
    text = README.read_text(encoding="utf-8")
    match = next(m for m in BLOCK.finditer(text) if m["command"] == command)
    if os.environ.get("UPDATE_README") == "1":
        README.write_text(
            text[: match.start("output")] + printed + text[match.end("output") :], encoding="utf-8"
        )
        return
    assert match["output"] == printed
