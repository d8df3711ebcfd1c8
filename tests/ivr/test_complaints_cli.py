"""``ivr complaints export`` on SQLite and PostgreSQL: the quarter's CSV without personal data, on
standard output or in a file, and the exit codes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cli import complaints as complaints_cli
from cli.main import main
from complaints import (
    Category,
    Change,
    Channel,
    NewComplaint,
    Outcome,
    Scope,
    create_complaint,
    update_complaint,
)
from database import make_engine, make_sessionmaker
from tests.ivr.conftest import CONFIG

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)  # 10:00 in Brussels
TODAY = dt.date(2026, 12, 2)


class _FixedClock(dt.datetime):
    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _FixedClock:
        return cls.fromtimestamp(NOW.timestamp(), tz=dt.UTC)


@pytest.fixture
def database(migrated_db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[int]:
    monkeypatch.setenv("DATABASE_URL", migrated_db_url)
    monkeypatch.setenv("IVR_CONFIG", str(CONFIG))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "complaints-cli-auth-token-0123456789")
    monkeypatch.setattr(complaints_cli, "datetime", _FixedClock)
    monkeypatch.chdir(tmp_path)
    engine = make_engine(migrated_db_url)
    ids = []
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            for received, scope in (
                (dt.date(2026, 9, 30), Scope.LOCAL),
                (dt.date(2026, 10, 1), Scope.LOCAL),
                (dt.date(2026, 10, 2), Scope.CENTRAL),
            ):
                new = NewComplaint(
                    "voorkempen",
                    received,
                    Channel.EMAIL,
                    "Ann Geheim",
                    "ann@example.org",
                    "Vertrouwelijk verhaal",
                    Category.OTHER,
                    scope,
                )
                ids.append(create_complaint(session, new, now=NOW, today=TODAY, who="test").id)
            change = Change(
                outcome=Outcome.PARTLY_FOUNDED,
                answered_on=dt.date(2026, 11, 30),
                answer_channel=Channel.LETTER,
                actions="Geheime actie",
            )
            update_complaint(session, ids[1], change, now=NOW, today=TODAY, who="test")
    finally:
        engine.dispose()
    return ids


HEADER = (
    "id,helpdesk,received_on,channel,category,local_or_central,outcome,answered_on,days_to_answer,"
    "within_deadline"
)


def test_export_to_standard_output(database: list[int], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["complaints", "export", "--quarter", "2026Q4"]) == 0

    assert capsys.readouterr().out.split("\r\n") == [
        HEADER,
        f"{database[1]},voorkempen,2026-10-01,email,other,local,partly_founded,2026-11-30,60,false",
        f"{database[2]},voorkempen,2026-10-02,email,other,central,,,,",
        "",
    ]


def test_export_to_a_file(database: list[int], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["complaints", "export", "--quarter", "2026Q3", "--output", "q3.csv"]) == 0

    written = (tmp_path / "q3.csv").read_bytes().decode("utf-8")
    # Open past its deadline (14 November): not within it.
    assert written == f"{HEADER}\r\n{database[0]},voorkempen,2026-09-30,email,other,local,,,,false\r\n"
    assert capsys.readouterr().err == "q3.csv: 1 complaints received in 2026Q3\n"
    for secret in ("Ann Geheim", "ann@example.org", "Vertrouwelijk", "Geheime actie"):
        assert secret not in written


@pytest.mark.parametrize("quarter", ["2026Q5", "2026-Q4", "26Q1", ""])
def test_a_bad_quarter_is_a_usage_error(
    database: list[int], quarter: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["complaints", "export", "--quarter", quarter]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("ivr complaints export: --quarter: a quarter is written like")


def test_an_unwritable_output_fails(database: list[int], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["complaints", "export", "--quarter", "2026Q4", "--output", "missing/dir/q4.csv"]) == 1
    assert "cannot write missing/dir/q4.csv" in capsys.readouterr().err
