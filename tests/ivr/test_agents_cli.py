"""``ivr agents …`` end to end on a migrated SQLite file: PINs from stdin or a hidden prompt."""

from __future__ import annotations

import argparse
import getpass
import io
import logging
import shutil
from pathlib import Path

import pytest

from agents import verify_login
from cli import agents as agents_cli
from database import make_engine, make_sessionmaker, upgrade
from tests.ivr.conftest import CONFIG
from tests.ivr.test_agents_api import text_values


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'ivr.sqlite3'}"
    upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("IVR_CONFIG", str(CONFIG))
    return url


def ivr_agents(*argv: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ivr")
    agents_cli.add_arguments(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["agents", *argv])
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return agents_cli.run(args)


def login(url: str, desk: str, code: str, pin: str) -> str | None:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            agent = verify_login(session, desk, code, pin)
            return agent.name if agent else None
    finally:
        engine.dispose()


def test_add_list_reset_disable_enable_remove(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ["add", "--helpdesk", "voorkempen", "--code", "101", "--name", "An Peeters", "--pin-stdin"]
    assert ivr_agents(*add, stdin="482913\n", monkeypatch=monkeypatch) == 0
    second = ["add", "--helpdesk", "kempen-zuid", "--code", "2040", "--name", "Bart", "--pin-stdin"]
    assert ivr_agents(*second, stdin="551177\n", monkeypatch=monkeypatch) == 0
    assert ivr_agents("list") == 0
    reset = ["reset-pin", "--helpdesk", "voorkempen", "--code", "101", "--pin-stdin"]
    assert ivr_agents(*reset, stdin="7351", monkeypatch=monkeypatch) == 0
    assert ivr_agents("disable", "--helpdesk", "voorkempen", "--code", "101") == 0
    assert ivr_agents("list", "--helpdesk", "voorkempen") == 0
    assert login(database, "voorkempen", "101", "7351") is None
    assert ivr_agents("enable", "--helpdesk", "voorkempen", "--code", "101") == 0
    assert login(database, "voorkempen", "101", "7351") == "An Peeters"
    assert login(database, "voorkempen", "101", "482913") is None
    assert ivr_agents("remove", "--helpdesk", "kempen-zuid", "--code", "2040") == 0
    assert ivr_agents("list", "--helpdesk", "kempen-zuid") == 0

    out = capsys.readouterr()
    assert out.out.splitlines() == [
        "added agent 101 (An Peeters) to voorkempen",
        "added agent 2040 (Bart) to kempen-zuid",
        "HELPDESK     CODE  NAME        ENABLED  STATUS",
        "kempen-zuid  2040  Bart        yes      offline",
        "voorkempen   101   An Peeters  yes      offline",
        "new PIN set for agent 101 of voorkempen",
        "agent 101 of voorkempen disabled",
        "HELPDESK    CODE  NAME        ENABLED  STATUS",
        "voorkempen  101   An Peeters  no       offline",
        "agent 101 of voorkempen enabled",
        "removed agent 2040 of kempen-zuid",
        "no agents for kempen-zuid",
    ]
    assert out.err == ""


def test_the_pin_is_asked_twice_at_a_hidden_prompt(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter(["482913", "482913"])
    prompts: list[str] = []

    def prompt(text: str = "Password: ", stream: object = None) -> str:
        prompts.append(text)
        return next(answers)

    monkeypatch.setattr(getpass, "getpass", prompt)

    assert ivr_agents("add", "--helpdesk", "voorkempen", "--code", "101", "--name", "An") == 0
    assert prompts == ["PIN (4 to 8 digits): ", "The same PIN again: "]
    assert login(database, "voorkempen", "101", "482913") == "An"
    assert capsys.readouterr().out == "added agent 101 (An) to voorkempen\n"


def test_two_different_pins_change_nothing(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter(["482913", "482914"])
    monkeypatch.setattr(getpass, "getpass", lambda text="", stream=None: next(answers))

    assert ivr_agents("add", "--helpdesk", "voorkempen", "--code", "101", "--name", "An") == 2
    assert capsys.readouterr().err == "ivr agents: the two PINs differ; nothing was changed\n"
    assert ivr_agents("list") == 0
    assert capsys.readouterr().out == "no agents\n"


def test_a_pin_cannot_be_given_as_an_argument(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        ivr_agents("add", "--helpdesk", "voorkempen", "--code", "101", "--name", "An", "--pin", "482913")

    assert exit_info.value.code == 2
    assert "unrecognized arguments: --pin 482913" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "stdin", "code", "error"),
    [
        (
            ["add", "--helpdesk", "nergens", "--code", "101", "--name", "An", "--pin-stdin"],
            "482913\n",
            2,
            "ivr agents: unknown helpdesk 'nergens'; this file has: voorkempen, kempen-zuid",
        ),
        (
            ["add", "--helpdesk", "voorkempen", "--code", "1", "--name", "An", "--pin-stdin"],
            "482913\n",
            2,
            "ivr agents: the agent code must be 3 to 8 digits",
        ),
        (
            ["add", "--helpdesk", "voorkempen", "--code", "102", "--name", " ", "--pin-stdin"],
            "482913\n",
            2,
            "ivr agents: the name must be 1 to 80 printable characters",
        ),
        (
            ["add", "--helpdesk", "voorkempen", "--code", "102", "--name", "Bart", "--pin-stdin"],
            "12\n",
            2,
            "ivr agents: the PIN must be 4 to 8 digits",
        ),
        (
            ["add", "--helpdesk", "voorkempen", "--code", "102", "--name", "Bart", "--pin-stdin"],
            "",
            2,
            "ivr agents: the PIN must be 4 to 8 digits",
        ),
        (
            ["add", "--helpdesk", "voorkempen", "--code", "101", "--name", "Bart", "--pin-stdin"],
            "551177\n",
            1,
            "ivr agents: helpdesk voorkempen already has an agent with code 101",
        ),
        (
            ["reset-pin", "--helpdesk", "voorkempen", "--code", "999", "--pin-stdin"],
            "551177\n",
            1,
            "ivr agents: helpdesk voorkempen has no agent with code 999",
        ),
        (
            ["remove", "--helpdesk", "kempen-zuid", "--code", "101"],
            None,
            1,
            "ivr agents: helpdesk kempen-zuid has no agent with code 101",
        ),
        (
            ["list", "--helpdesk", "nergens"],
            None,
            2,
            "ivr agents: unknown helpdesk 'nergens'; this file has: voorkempen, kempen-zuid",
        ),
    ],
    ids=[
        "unknown-helpdesk",
        "bad-code",
        "blank-name",
        "short-pin",
        "no-pin-on-stdin",
        "duplicate",
        "reset-unknown-agent",
        "remove-unknown-agent",
        "list-unknown-helpdesk",
    ],
)
def test_refusals_say_why_with_their_exit_code(
    database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdin: str | None,
    code: int,
    error: str,
) -> None:
    add = ["add", "--helpdesk", "voorkempen", "--code", "101", "--name", "An", "--pin-stdin"]
    assert ivr_agents(*add, stdin="482913\n", monkeypatch=monkeypatch) == 0
    capsys.readouterr()

    assert ivr_agents(*argv, stdin=stdin, monkeypatch=monkeypatch) == code

    printed = capsys.readouterr()
    assert (printed.out, printed.err) == ("", error + "\n")
    assert login(database, "voorkempen", "101", "482913") == "An"


def test_an_unmigrated_database_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    monkeypatch.setenv("IVR_CONFIG", str(CONFIG))

    assert ivr_agents("list") == 1
    assert capsys.readouterr().err == (
        "ivr agents: database error (OperationalError); "
        "is DATABASE_URL right and migrated (ivr db upgrade)?\n"
    )


def test_a_bad_config_is_reported(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(CONFIG.parent / "media", tmp_path / "media")
    bad = tmp_path / "helpdesk.yaml"
    bad.write_text(
        CONFIG.read_text(encoding="utf-8").replace("Europe/Brussels", "Europe/Brusels"), encoding="utf-8"
    )
    monkeypatch.setenv("IVR_CONFIG", str(bad))

    assert ivr_agents("list") == 1
    assert capsys.readouterr().err.splitlines() == [
        f'{bad}:5: timezone: unknown time zone "Europe/Brusels"; use an IANA name like "Europe/Brussels"',
        f"{bad}: 1 error(s); fix the config first",
    ]


def test_no_pin_reaches_the_output_the_logs_or_the_database(
    database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    pins = ["482913", "73510964", "90817263"]
    runs = [
        (["add", "--helpdesk", "voorkempen", "--code", "101", "--name", "An", "--pin-stdin"], "482913\n"),
        (["reset-pin", "--helpdesk", "voorkempen", "--code", "101", "--pin-stdin"], "73510964\n"),
        (["add", "--helpdesk", "voorkempen", "--code", "101", "--name", "An", "--pin-stdin"], "90817263\n"),
    ]
    codes = [ivr_agents(*argv, stdin=stdin, monkeypatch=monkeypatch) for argv, stdin in runs]
    ivr_agents("list")
    printed = capsys.readouterr()

    engine = make_engine(database)
    try:
        stored = text_values(engine)
    finally:
        engine.dispose()

    assert codes == [0, 0, 1]
    assert "An" in stored
    assert "INSERT INTO agents" in caplog.text
    for pin in pins:
        assert not [value for value in stored if pin in value], pin
        assert pin not in caplog.text + printed.out + printed.err, pin
