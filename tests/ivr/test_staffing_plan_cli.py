"""``ivr staffing-plan`` on SQLite and PostgreSQL: the week as a table and as CSV, the infeasible
need named, and the exit codes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from agents import create_agent
from cli import staffing_plan as staffing_plan_cli
from cli.main import main
from database import make_engine, make_sessionmaker
from tests.ivr.conftest import CONFIG

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)  # Wednesday 10:00 in Brussels


class _FixedClock(dt.datetime):
    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _FixedClock:
        return cls.fromtimestamp(NOW.timestamp(), tz=dt.UTC)


@pytest.fixture
def database(migrated_db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("DATABASE_URL", migrated_db_url)
    monkeypatch.setenv("IVR_CONFIG", str(CONFIG))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "staffing-cli-auth-token-0123456789")
    monkeypatch.setattr(staffing_plan_cli, "datetime", _FixedClock)
    monkeypatch.chdir(tmp_path)
    return migrated_db_url


# kempen-zuid without history: the prior needs min_agents (2) in each open half hour, and each half
# of 09:00-12:30 and 13:30-17:00 is shorter than the 4-hour shift, so it is worked as one shift.
WEEK = ["staffing-plan", "--helpdesk", "kempen-zuid", "--week", "2026-W50"]


def test_the_week_is_printed_as_a_table(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(WEEK) == 0
    out = capsys.readouterr().out.splitlines()

    assert out[:3] == [
        "kempen-zuid 2026-W50 (Europe/Brussels): forecast prior, 0 open days of history",
        "agents on shift at once: no limit (no agent account)",
        "20 shifts, 70 agent-hours, lower bound 70.00, gap 0.0%",
    ]
    assert out[3:8] == [
        "",
        "2026-12-07  time  needed  planned  at lunch",
        "            09:00       2        2         0",
        "            09:30       2        2         0",
        "            10:00       2        2         0",
    ]
    assert out[19:24] == [
        "  shift 09:00-12:30, no lunch",
        "  shift 09:00-12:30, no lunch",
        "  shift 13:30-17:00, no lunch",
        "  shift 13:30-17:00, no lunch",
        "",
    ]


def test_the_csv_tables(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*WEEK, "--csv"]) == 0
    half_hours = capsys.readouterr().out.splitlines()
    assert main([*WEEK, "--csv", "--table", "shifts"]) == 0
    shifts = capsys.readouterr().out.splitlines()

    assert half_hours[:2] == ["day,time,needed,planned,at_lunch", "2026-12-07,09:00,2,2,0"]
    assert len(half_hours) == 1 + 5 * 14
    assert shifts[:3] == [
        "day,start,end,lunch_start,lunch_end",
        "2026-12-07,09:00,12:30,,",
        "2026-12-07,09:00,12:30,,",
    ]
    assert len(shifts) == 1 + 5 * 4


def test_a_need_above_the_agents_is_named(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(database)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            create_agent(session, "kempen-zuid", "501", "Enige Agent", "482913", NOW)
    finally:
        engine.dispose()

    assert main(WEEK) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "ivr staffing-plan: no rota covers every half hour: 2026-12-07 09:00 needs 2, but at most 1 agents "
        "are available; 2026-12-07 09:30 needs 2"
    )


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        pytest.param(
            ["--week", "2026W50"],
            "ivr staffing-plan: --week: week '2026W50' is not written like 2026-W50",
            id="week",
        ),
        pytest.param(
            ["--helpdesk", "nergens"],
            "ivr staffing-plan: unknown helpdesk 'nergens'; the helpdesks are voorkempen, kempen-zuid",
            id="helpdesk",
        ),
    ],
)
def test_wrong_input_exits_2(
    database: str, capsys: pytest.CaptureFixture[str], argv: list[str], error: str
) -> None:
    assert main([*WEEK, *argv]) == 2
    assert capsys.readouterr().err == error + "\n"
