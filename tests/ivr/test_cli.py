"""The ``ivr`` command: a bad config is refused with every error and a non-zero exit."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main

BAD = """\
timezone: Europe/Brusels
website: www.laatjevaccineren.be
central:
  number: "+3227138700"
  hours:
    mon-fri: "08:00-20:00"
helpdesks:
  - id: voorkempen
    name: Vaccinatiecentrum Voorkempen
    municipalities: [Brecht]
    numbers: ["+3233100100"]
    hours:
      mon-fri: "9-16"
    queue:
      lines_per_agent: 0
"""


def test_check_config_lists_every_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "helpdesk.yaml"
    path.write_text(BAD, encoding="utf-8")
    assert main(["check-config", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f'{path}:1: timezone: unknown time zone "Europe/Brusels"; use an IANA name like "Europe/Brussels"',
        f'{path}:13: helpdesks[0].hours.mon-fri: "9-16" is not a range like "09:00-16:00"',
        f"{path}:15: helpdesks[0].queue.lines_per_agent: must be at least 1",
        f"{path}: 3 error(s); the service refuses this file",
    ]


def test_simulate_refuses_an_unknown_helpdesk(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--helpdesk", "nergens", "--at", "2026-12-02 10:00"]) == 2
    assert "unknown helpdesk 'nergens'; this file has: voorkempen, kempen-zuid" in capsys.readouterr().err


def test_simulate_refuses_a_bad_time(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--at", "tomorrow"]) == 2
    assert "is not a local time" in capsys.readouterr().err
