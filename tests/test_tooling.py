"""The task runner and the image: a run that tested nothing fails, and every install uses the lock."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make") or "make"
CHECKS = ("lint", "typecheck", "imports", "pytest")


def make(*args: str) -> subprocess.CompletedProcess[str]:
    # A clean environment: this may itself run under `make test`, whose settings must not leak in.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MAKE", "MFLAGS"))}
    return subprocess.run(
        [MAKE, "--no-print-directory", "-C", str(ROOT), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


def stand_in(directory: Path, name: str, exit_code: int, log: Path) -> str:
    """An executable that notes that it ran, then exits with ``exit_code``."""
    script = directory / name
    script.write_text(f'#!/bin/sh\necho {name} >> "{log}"\nexit {exit_code}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def tools(directory: Path, log: Path, **exit_codes: int) -> list[str]:
    names = {"RUFF": "ruff", "MYPY": "mypy", "LINT_IMPORTS": "lint-imports", "PYTEST": "pytest"}
    return [
        f"{variable}={stand_in(directory, name, exit_codes.get(name.replace('-', '_'), 0), log)}"
        for variable, name in names.items()
    ]


@pytest.mark.parametrize(
    ("pytest_exit", "make_exit", "message"),
    [
        pytest.param(0, 0, "", id="tests-passed"),
        pytest.param(1, 2, "", id="tests-failed"),
        pytest.param(5, 2, "pytest collected no tests", id="no-tests-collected"),
    ],
)
def test_pytest_target_fails_when_pytest_fails_or_collects_nothing(
    tmp_path: Path, pytest_exit: int, make_exit: int, message: str
) -> None:
    log = tmp_path / "ran"
    fake = stand_in(tmp_path, "pytest", pytest_exit, log)

    result = make("SETUP=", f"PYTEST={fake}", "pytest")

    assert result.returncode == make_exit
    assert (message in result.stderr, log.read_text()) == (True, "pytest\n")


@pytest.mark.parametrize(
    ("exit_codes", "make_exit", "failed"),
    [
        pytest.param({}, 0, "", id="all-pass"),
        pytest.param({"pytest": 5}, 2, "make test: failed: pytest", id="no-tests-collected"),
        pytest.param({"mypy": 1}, 2, "make test: failed: typecheck", id="typecheck-fails-pytest-still-runs"),
        pytest.param(
            {"ruff": 1, "lint_imports": 1}, 2, "make test: failed: lint imports", id="two-checks-fail"
        ),
    ],
)
def test_test_target_runs_every_check_and_fails_if_any_failed(
    tmp_path: Path, exit_codes: dict[str, int], make_exit: int, failed: str
) -> None:
    log = tmp_path / "ran"

    result = make("SETUP=", *tools(tmp_path, log, **exit_codes), "test")

    assert result.returncode == make_exit
    # ruff runs once when its check fails, twice (check, format --check) when it passes.
    ruff_runs = ["ruff"] if exit_codes.get("ruff") else ["ruff", "ruff"]
    assert log.read_text().split() == [*ruff_runs, "mypy", "lint-imports", "pytest"]
    assert (failed in result.stderr) if failed else ("failed" not in result.stderr)


def _pip_installs(commands: list[str]) -> list[list[str]]:
    return [
        shlex.split(command.split("pip install", 1)[1]) for command in commands if "pip install" in command
    ]


def test_makefile_and_dockerfile_install_the_same_locked_packages() -> None:
    dry_run = make("-n", "-B", ".venv/.installed")
    makefile = _pip_installs(dry_run.stdout.splitlines())

    dockerfile = (ROOT / "Dockerfile").read_text()
    # COPY requirements.lock /tmp/requirements.lock: the image installs the file by another path.
    copies: dict[str, str] = {}
    for line in dockerfile.splitlines():
        if line.startswith("COPY requirements"):
            source, destination = line.split()[1:3]
            copies[destination] = source
    docker = [
        [copies.get(argument, argument) for argument in arguments]
        for arguments in _pip_installs(
            [line.removeprefix("RUN ") for line in dockerfile.splitlines() if line.startswith("RUN ")]
        )
    ]

    assert dry_run.returncode == 0
    assert makefile == [
        ["--require-hashes", "-r", "requirements.lock"],
        ["--no-deps", "--no-build-isolation", "-e", "."],
    ]
    assert docker == makefile


def test_lock_pins_what_pyproject_declares() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = [
        Requirement(text)
        for text in [
            *pyproject["project"]["dependencies"],
            *pyproject["project"]["optional-dependencies"]["dev"],
        ]
    ]
    lock = (ROOT / "requirements.lock").read_text()
    locked: dict[str, str] = {
        canonicalize_name(name): version
        for name, version in re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", lock, re.M)
    }

    def pinned(requirement: Requirement) -> bool:
        version = locked.get(canonicalize_name(requirement.name))
        return version is not None and requirement.specifier.contains(version)

    mismatched = [str(requirement) for requirement in declared if not pinned(requirement)]
    build_backend = [Requirement(text) for text in pyproject["build-system"]["requires"]]

    assert mismatched == []
    # `pip install --no-build-isolation` builds with the locked setuptools.
    assert [pinned(requirement) for requirement in build_backend] == [True]
    assert SpecifierSet(pyproject["project"]["requires-python"]).contains("3.11")


def test_ci_entry_point_is_executable_and_ends_in_make_test() -> None:
    script = ROOT / ".ci" / "run"
    lines = [line for line in script.read_text().splitlines() if line.strip()]

    assert script.stat().st_mode & stat.S_IXUSR
    assert (lines[0], lines[-1]) == ("#!/usr/bin/env bash", "make test")
