"""``ivr lists import|show|close`` on SQLite and PostgreSQL: what they print, the exit codes, and
that a refused import stores nothing."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from calllog.privacy import caller_hash
from cli import lists as lists_cli
from cli.main import main
from config import Settings
from database import make_engine, make_sessionmaker
from outbound import CallList, CallListEntry, DoNotCall, Outcome
from service.runtime import caller_hash_key
from tests.ivr.conftest import CONFIG
from tests.outbound.call_lists import called

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # 10:00 in Brussels
TOKEN = "lists-cli-auth-token-0123456789"
CSV = "number,reference\n0470 11 22 33,AFS-1\n+32 471 22 33 44,AFS-2\n03 310 01 01,\n"
IMPORT = ["lists", "import", "reservelijst.csv", "--helpdesk", "voorkempen", "--purpose", "reserve"]
LABEL = ["--label", "reservelijst dinsdag 14 uur"]


class _FixedClock(datetime):
    @classmethod
    def now(cls, tz: object = None) -> _FixedClock:
        return cls.fromtimestamp(NOW.timestamp(), tz=UTC)


@pytest.fixture
def database(migrated_db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("DATABASE_URL", migrated_db_url)
    monkeypatch.setenv("IVR_CONFIG", str(CONFIG))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.delenv("IVR_CALLER_HASH_KEY", raising=False)
    monkeypatch.setattr(getpass, "getuser", lambda: "marie")
    monkeypatch.setattr(lists_cli, "datetime", _FixedClock)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reservelijst.csv").write_text(CSV, encoding="utf-8")
    return migrated_db_url


def counts(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            lists = session.scalar(select(func.count()).select_from(CallList))
            entries = session.scalar(select(func.count()).select_from(CallListEntry))
    finally:
        engine.dispose()
    return int(lists or 0), int(entries or 0)


def the_services_key() -> bytes:
    """The key the service hashes with under the same settings."""
    return caller_hash_key(Settings(), TOKEN)


def test_import_show_and_close(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*IMPORT, *LABEL, "--slots", "1"]) == 0
    assert capsys.readouterr().out == "imported call list 1 for voorkempen: 3 people\n"

    engine = make_engine(database)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            called(session, 1, 2, datetime(2026, 12, 2, 9, 5, tzinfo=UTC), Outcome.NO_ANSWER)
            hashes = session.scalars(select(CallListEntry.number_hash).order_by(CallListEntry.position)).all()
            # The same hash as the service's: the do-not-call register and returning callers match.
            assert hashes[0] == caller_hash("+32470112233", the_services_key())
    finally:
        engine.dispose()

    assert main(["lists", "show"]) == 0
    assert capsys.readouterr().out == (
        "ID  HELPDESK    PURPOSE  STATE  SLOTS  PEOPLE  PENDING  ACCEPTED  CREATED           LABEL\n"
        "1   voorkempen  reserve  open   1      3       2        0         2026-12-02 10:00  "
        "reservelijst dinsdag 14 uur\n"
    )
    assert main(["lists", "show", "1"]) == 0
    assert capsys.readouterr().out == (
        "call list 1: reservelijst dinsdag 14 uur\n"
        "helpdesk       voorkempen\n"
        "purpose        reserve\n"
        "state          open\n"
        "slots          1\n"
        "created        2026-12-02 10:00 by cli:marie\n"
        "closed         -\n"
        "numbers        in clear while open and for retention_days after closing\n"
        "progress       3 people: 2 pending, 0 being called, 1 done, 0 accepted\n"
        "people_called  1\n"
        "attempts       1\n"
        "reached        0\n"
        "accepted       0\n"
        "kept           0\n"
        "do_not_call    0\n"
        "wrong_number   0\n"
        "no_answer      1\n"
        "voicemail      0\n"
        "busy_failed    0\n"
        "lists_filled   0\n"
        "fill_s         -\n"
        "talk_s         0\n"
        "\n"
        "POSITION  NUMBER            REFERENCE  STATE    OUTCOME    ATTEMPTS  LAST CALL\n"
        "1         +32 4** ** ** 33  AFS-1      pending  -          0         -\n"
        "2         +32 4** ** ** 44  AFS-2      done     no_answer  1         2026-12-02 10:05\n"
        "3         +32 3 *** ** 01   -          pending  -          0         -\n"
    )

    assert main(["lists", "close", "1"]) == 0
    assert main(["lists", "close", "1"]) == 1
    captured = capsys.readouterr()
    assert (
        captured.out == "closed call list 1 (reservelijst dinsdag 14 uur): nobody on it is called any more\n"
    )
    assert captured.err == "ivr lists close: call list 1 was closed at 2026-12-02 10:00\n"
    assert main(["lists", "show", "--helpdesk", "kempen-zuid"]) == 0
    assert capsys.readouterr().out == "no call lists\n"


def test_bad_rows_are_all_printed_and_nothing_is_imported(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("fout.csv").write_text(
        "number;reference\n0470 11 22 33;AFS-1\n0470 11 22;AFS-2\n\n+32470112233;AFS-3\nJan;AFS-4\n",
        encoding="utf-8",
    )
    assert main(["lists", "import", "fout.csv", "--helpdesk", "nergens", "--purpose", "reserve", *LABEL]) == 2
    assert capsys.readouterr() == (
        "",
        "ivr lists import: nothing imported\n"
        "  helpdesk: unknown helpdesk 'nergens'; known: voorkempen, kempen-zuid\n"
        "  row 3: the number is not valid: check its digits\n"
        "  row 5: the same number as row 2\n"
        "  row 6: not a phone number\n",
    )
    assert counts(database) == (0, 0)


def test_the_do_not_call_register_is_skipped(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(database)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            hashed = caller_hash("+32471223344", the_services_key())
            session.add(DoNotCall(number_hash=hashed, added_at=NOW, helpdesk_id="voorkempen"))
    finally:
        engine.dispose()
    assert main([*IMPORT, *LABEL]) == 0
    assert capsys.readouterr().out == (
        "imported call list 1 for voorkempen: 2 people; 1 left out: in the do-not-call register\n"
    )


@pytest.mark.parametrize(
    ("argv", "code", "error"),
    [
        (
            ["lists", "import", "missing.csv", "--helpdesk", "voorkempen", "--purpose", "reserve", *LABEL],
            2,
            "ivr lists import: cannot read missing.csv: No such file or directory",
        ),
        (["lists", "show", "7"], 2, "ivr lists show: no call list 7"),
        (["lists", "close", "7"], 2, "ivr lists close: no call list 7"),
        (
            ["lists", "show", "--helpdesk", "nergens"],
            2,
            "ivr lists show: unknown helpdesk 'nergens'; this file has: voorkempen, kempen-zuid",
        ),
        (
            [*IMPORT, "--label", " "],
            2,
            "ivr lists import: nothing imported\n"
            "  label: give 1 to 80 characters, spoken to the agent before each call",
        ),
    ],
    ids=["no-file", "show-unknown", "close-unknown", "unknown-helpdesk", "blank-label"],
)
def test_wrong_input(
    database: str, capsys: pytest.CaptureFixture[str], argv: list[str], code: int, error: str
) -> None:
    assert main(argv) == code
    assert capsys.readouterr() == ("", error + "\n")
    assert counts(database) == (0, 0)


def test_an_import_needs_the_services_hash_key(
    database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    assert main([*IMPORT, *LABEL]) == 1
    assert capsys.readouterr().err == (
        "ivr lists import: set IVR_CALLER_HASH_KEY (or TWILIO_AUTH_TOKEN) as the service has it: numbers "
        "are hashed with that key, and the do-not-call register only matches numbers hashed with it\n"
    )
    assert counts(database) == (0, 0)


def test_an_unmigrated_database_is_reported(
    database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert main(["lists", "show"]) == 1
    assert capsys.readouterr().err == (
        "ivr lists show: database error (OperationalError); is DATABASE_URL right and migrated "
        "(ivr db upgrade)?\n"
    )
