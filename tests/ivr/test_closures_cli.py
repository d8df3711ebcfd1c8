"""``ivr close`` / ``ivr reopen`` on SQLite and PostgreSQL, and what ``ivr check-config`` and
``ivr simulate`` show of a closure."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest
from sqlalchemy import select

from calls import ClosureAudit, HelpdeskClosure
from cli.main import main
from database import make_engine, make_sessionmaker
from tests.ivr.conftest import CONFIG

FUTURE = "2099-01-01T08:00"


@pytest.fixture
def database(migrated_db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", migrated_db_url)
    monkeypatch.setenv("IVR_CONFIG", str(CONFIG))
    monkeypatch.setattr(getpass, "getuser", lambda: "marie")
    return migrated_db_url


def stored(url: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            closures = session.execute(
                select(HelpdeskClosure.helpdesk_id, HelpdeskClosure.reason, HelpdeskClosure.closed_by)
            ).all()
            audit = session.execute(
                select(
                    ClosureAudit.helpdesk_id, ClosureAudit.action, ClosureAudit.reason, ClosureAudit.who
                ).order_by(ClosureAudit.id)
            ).all()
    finally:
        engine.dispose()
    return [tuple(row) for row in closures], [tuple(row) for row in audit]


def test_close_and_reopen(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["close", "voorkempen", "--reason", "stroompanne", "--until", FUTURE]) == 0
    assert stored(database)[0] == [("voorkempen", "stroompanne", "cli:marie")]
    assert (
        main(["close", "kempen-zuid", "--reason", "staking", "--message", "Vandaag gesloten. Zie {website}."])
        == 0
    )
    assert main(["reopen", "voorkempen"]) == 0
    assert main(["reopen", "voorkempen"]) == 1

    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "voorkempen closed until 2099-01-01 08:00: stroompanne",
        "kempen-zuid closed until reopened: staking",
        "voorkempen reopened",
    ]
    assert captured.err == "ivr reopen: voorkempen is not closed\n"
    closures, audit = stored(database)
    assert closures == [("kempen-zuid", "staking", "cli:marie")]
    assert audit == [
        ("voorkempen", "close", "stroompanne", "cli:marie"),
        ("kempen-zuid", "close", "staking", "cli:marie"),
        ("voorkempen", "reopen", "stroompanne", "cli:marie"),
    ]


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (
            ["close", "nergens", "--reason", "x"],
            "ivr close: unknown helpdesk 'nergens'; this file has: voorkempen, kempen-zuid",
        ),
        (
            ["close", "voorkempen", "--reason", "x", "--until", "2000-01-01T08:00"],
            'ivr close: --until: "2000-01-01T08:00" (2000-01-01 08:00) is not in the future',
        ),
        (
            ["close", "voorkempen", "--reason", "x", "--message", "Bel {central_number}."],
            "ivr close: message: {central_number} may only be used in overflow_wait",
        ),
        (["close", "voorkempen", "--reason", ""], "ivr close: reason: give the reason of the closure"),
    ],
    ids=["unknown-helpdesk", "past", "central-number", "no-reason"],
)
def test_bad_input_changes_nothing(
    database: str, capsys: pytest.CaptureFixture[str], argv: list[str], error: str
) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err == error + "\n"
    assert stored(database) == ([], [])


def test_check_config_lists_the_closures(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["close", "kempen-zuid", "--reason", "stroompanne", "--until", FUTURE]) == 0
    assert main(["check-config", str(CONFIG), "--from", "2026-12-14", "--days", "1"]) == 0
    out = capsys.readouterr().out
    assert out.endswith(
        "\n\nclosures set by ops (they beat the hours above):\n"
        "  kempen-zuid: closed until 2099-01-01 08:00: stroompanne (by cli:marie)\n"
    )
    assert main(["reopen", "kempen-zuid"]) == 0
    assert main(["check-config", str(CONFIG), "--from", "2026-12-14", "--days", "1"]) == 0
    assert capsys.readouterr().out.endswith("\n\nclosures set by ops: none\n")


def test_check_config_says_when_closures_were_not_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    assert main(["check-config", str(CONFIG), "--from", "2026-12-14", "--days", "1"]) == 0
    assert capsys.readouterr().out.endswith(
        "\n\nclosures set by ops: not checked (the database of DATABASE_URL does not exist)\n"
    )
    assert not missing.exists()

    unmigrated = tmp_path / "empty.sqlite3"
    unmigrated.touch()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{unmigrated}")
    assert main(["check-config", str(CONFIG), "--from", "2026-12-14", "--days", "1"]) == 0
    assert capsys.readouterr().out.endswith(
        "\n\nclosures set by ops: not checked (database error OperationalError)\n"
    )


@pytest.mark.parametrize(
    ("extra", "heard", "ending"),
    [
        (
            [],
            "+3227138700",
            "=> forwarded to the central back-up +3227138700 because the helpdesk is closed "
            "(outcome overflowed / closed); central leg: completed; the call lasted 65 s",
        ),
        (
            [
                "--when-closed",
                "closing_message",
                "--closure-message",
                "Vandaag gesloten door een stroompanne.",
            ],
            "Vandaag gesloten door een stroompanne.",
            "=> the closure's message, then the call ends (outcome closing_message); the call lasted 3 s",
        ),
    ],
    ids=["routed-to-central", "closure-message"],
)
def test_simulate_a_closed_helpdesk(
    capsys: pytest.CaptureFixture[str], extra: list[str], heard: str, ending: str
) -> None:
    argv = [
        "simulate",
        "--config",
        str(CONFIG),
        "--helpdesk",
        "voorkempen",
        "--at",
        "2026-12-02 10:00",
        "--closed",
    ]
    assert main([*argv, *extra]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith(
        "helpdesk open (today 09:00-16:00: weekday), but closed by ops until reopened, "
    )
    assert any(heard in line for line in lines[2:-1])
    assert lines[-1] == ending


def test_simulate_refuses_a_closure_message_without_closed(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--config", str(CONFIG), "--at", "2026-12-02 10:00", "--closure-message", "Gesloten."]
    assert main(argv) == 2
    assert capsys.readouterr().err == "--closure-message needs --closed\n"
