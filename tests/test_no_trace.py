"""Tests leave no trace in the checkout: the settings that default to paths under ``var/`` point
elsewhere during a run, and a run that creates anything under ``var/`` fails, naming it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from config import Settings
from tests.conftest import ROOT, var_entries

# A test of a run of its own: a copy of the suite's conftest.py in a checkout of its own.
PROBE = """
from pathlib import Path

VAR = Path(__file__).resolve().parents[1] / "var"


def test_probe() -> None:
    for name in {made!r}:
        (VAR / name).parent.mkdir(parents=True, exist_ok=True)
        (VAR / name).write_text("made by a test")
"""


def _run(checkout: Path, made: list[str]) -> subprocess.CompletedProcess[str]:
    (checkout / "tests").mkdir()
    shutil.copy(ROOT / "tests" / "conftest.py", checkout / "tests" / "conftest.py")
    (checkout / "tests" / "test_probe.py").write_text(PROBE.format(made=made), encoding="utf-8")
    (checkout / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "tests"],
        cwd=checkout,
        # Only pytest itself: the installed plugins would not change what is tested, only slow it.
        env=os.environ | {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("before", "made", "left"),
    [
        pytest.param(
            [],
            ["spool/spool-1.jsonl", "ivr.sqlite3-writer.lock"],
            ["var", "var/ivr.sqlite3-writer.lock", "var/spool", "var/spool/spool-1.jsonl"],
            id="made-var",
        ),
        # What was there before is not the suite's, even when a test wrote to it.
        pytest.param(["ivr.sqlite3"], ["ivr.sqlite3"], [], id="there-before"),
    ],
)
def test_a_run_that_writes_into_var_fails_and_names_what_it_made(
    tmp_path: Path, before: list[str], made: list[str], left: list[str]
) -> None:
    for name in before:
        (tmp_path / "var" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "var" / name).write_text("there before the run")

    result = _run(tmp_path, made)

    assert "1 passed" in result.stdout, result.stdout + result.stderr
    header = "the suite wrote into the checkout's var/"
    if left:
        assert result.returncode == pytest.ExitCode.TESTS_FAILED
        listed = result.stdout.split(header, 1)[1].split("\n")[1 : 1 + len(left)]
        assert listed == left
    else:
        assert result.returncode == pytest.ExitCode.OK, result.stdout
        assert header not in result.stdout


def test_var_entries_lists_a_folder_and_everything_in_it(tmp_path: Path) -> None:
    assert var_entries(tmp_path / "var") == frozenset()
    (tmp_path / "var" / "spool").mkdir(parents=True)
    (tmp_path / "var" / "spool" / "a.jsonl").write_text("")
    assert var_entries(tmp_path / "var") == {"var", "var/spool", "var/spool/a.jsonl"}


def _outside_the_checkout(path: Path) -> bool:
    return not path.resolve().is_relative_to(ROOT)


def test_the_default_database_and_spool_are_outside_the_checkout() -> None:
    settings = Settings()
    database = make_url(settings.database_url).database
    assert database is not None
    assert _outside_the_checkout(Path(database))
    assert _outside_the_checkout(settings.ivr_spool_dir)


_SEEN: list[str] = []


@pytest.mark.parametrize("number", [1, 2])
def test_each_test_has_a_database_and_spool_of_its_own(number: int) -> None:
    # A spool one test leaves would be replayed into the database of the next test's app.
    _SEEN.append(os.environ["IVR_SPOOL_DIR"])
    _SEEN.append(os.environ["DATABASE_URL"])
    assert len(set(_SEEN)) == len(_SEEN)
