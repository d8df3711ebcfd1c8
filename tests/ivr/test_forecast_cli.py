"""``ivr forecast`` and ``ivr forecast backtest`` on the synthetic ten weeks of voorkempen
(tests/planning/synthetic.py): a period in the past is forecast from the days before it, so the
answers do not depend on today's date."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

import pytest

from cli.main import main
from config import load_config
from database import make_engine, make_sessionmaker
from tests.conftest import _new_database
from tests.ivr.conftest import CONFIG
from tests.planning.synthetic import generate

WEEK = ("--helpdesk", "voorkempen", "--from", "2026-11-09", "--to", "2026-11-15")


@pytest.fixture(scope="module")
def database_url(
    db_backend: str, _migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with _new_database(
        db_backend, tmp_path_factory.mktemp("forecast-cli"), template=_migrated_template
    ) as url:
        engine = make_engine(url)
        try:
            with make_sessionmaker(engine)() as session, session.begin():
                generate(session, load_config(CONFIG), "voorkempen", dt.date(2026, 9, 7), weeks=10)
        finally:
            engine.dispose()
        yield url


@pytest.fixture
def ivr(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> pytest.CaptureFixture[str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("IVR_CONFIG", str(CONFIG))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "forecast-cli-auth-token-0123456789")
    return capsys


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["forecast", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_week_per_day_as_a_table(ivr: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(ivr, *WEEK)
    lines = out.splitlines()

    assert (code, err) == (0, "")
    assert lines[0] == "voorkempen, 2026-11-09 to 2026-11-15, per day (Europe/Brussels)"
    assert lines[1] == "basis: learned (54 open days of history, 2026-09-07 to 2026-11-08)"
    assert lines[2].startswith("contact rate 0.05")
    assert lines[3].endswith("target 80% within 60 s, at least 2 agents while open")
    assert lines[4].split() == ["start", "open", "invitations", "offered", "agents_needed"]
    # Wednesday 11 November is a holiday, Sunday 15 closed: no calls, no agents.
    assert [line.split()[:2] for line in lines[5:]] == [
        ["2026-11-09", "yes"],
        ["2026-11-10", "yes"],
        ["2026-11-11", "no"],
        ["2026-11-12", "yes"],
        ["2026-11-13", "yes"],
        ["2026-11-14", "yes"],
        ["2026-11-15", "no"],
    ]
    assert lines[7].split()[3:] == ["0.0", "0"]


def test_the_csv_says_what_the_table_says(ivr: pytest.CaptureFixture[str]) -> None:
    _, table, _ = _run(ivr, *WEEK, "--step", "hour")
    code, text, _ = _run(ivr, *WEEK, "--step", "hour", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    shown = [line.split() for line in table.splitlines()[5:]]

    assert code == 0
    assert len(rows) == len(shown) == 7 * 24
    assert rows[9] == {
        "start": "2026-11-09T09:00:00+01:00",
        "open": "true",
        "invitations": "",
        "offered": shown[9][3],
        "agents_needed": shown[9][4],
    }
    assert [[row["offered"], row["agents_needed"]] for row in rows] == [line[3:] for line in shown]


def test_the_backtest_scores_each_open_day_and_the_whole(ivr: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        ivr, "backtest", "--helpdesk", "voorkempen", "--from", "2026-10-19", "--to", "2026-11-15"
    )
    lines = out.splitlines()

    assert (code, err) == (0, "")
    assert lines[0] == (
        "voorkempen, 2026-10-19 to 2026-11-15 (Europe/Brussels): "
        "each open day forecast from the days before it"
    )
    assert lines[1].split() == ["day", "basis", "actual", "forecast", "wape"]
    assert len(lines) == 2 + 23 + 1
    assert {line.split()[1] for line in lines[2:-1]} == {"learned"}
    overall = lines[-1].split()
    assert overall[0] == "overall"
    assert float(overall[-1].removesuffix("%")) <= 15.0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("--helpdesk", "nergens", "--from", "2026-11-09", "--to", "2026-11-15"),
            "ivr forecast: unknown helpdesk 'nergens'; the helpdesks are voorkempen, kempen-zuid\n",
        ),
        (
            ("backtest", "--helpdesk", "voorkempen", "--from", "2026-11-15", "--to", "2026-11-09"),
            "ivr forecast backtest: from (2026-11-15) is after to (2026-11-09)\n",
        ),
        (
            ("--helpdesk", "voorkempen", "--from", "2026-11-01", "--to", "2027-02-01"),
            "ivr forecast: the period is longer than 92 days\n",
        ),
    ],
    ids=["unknown-helpdesk", "reversed", "too-long"],
)
def test_wrong_input_says_why(ivr: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str) -> None:
    assert _run(ivr, *argv) == (2, "", message)


def test_an_unknown_step_is_a_usage_error(ivr: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["forecast", *WEEK, "--step", "week"])
    assert exited.value.code == 2
    assert "invalid choice: 'week'" in ivr.readouterr().err
