"""``ivr report``: the KPIs of a small day of calls, as an aligned table and as CSV."""

from __future__ import annotations

import argparse
from datetime import date

import pytest

from calllog import KPI_COLUMNS, set_invitations
from cli.report import add_arguments, run
from complaints import COMPLAINT_COLUMNS
from database import make_engine, make_sessionmaker
from escalations import ESCALATION_COLUMNS, Escalation
from outbound import Outcome
from tests.calllog.conftest import Ev, abandoned, answered, local, overflowed, play, sid
from tests.ivr.conftest import CONFIG
from tests.outbound.call_lists import NUMBERS, called, filled, stored_list


@pytest.fixture
def database(migrated_db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Six calls of voorkempen on 2 December 2026, 100 invitations and one escalation that day."""
    monkeypatch.setenv("DATABASE_URL", migrated_db_url)
    monkeypatch.setenv("IVR_CONFIG", str(CONFIG))
    engine = make_engine(migrated_db_url)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            play(session, sid(1), "voorkempen", local("2026-12-02 10:00:00"), answered(20, 100))
            # A citizen ringing back after a call of ours they missed.
            returning = Ev("returning_outbound", 0, {"attempt_id": 3})
            play(session, sid(2), "voorkempen", local("2026-12-02 10:05:00"), [returning, *answered(70, 200)])
            play(session, sid(3), "voorkempen", local("2026-12-02 10:20:00"), abandoned(3))
            play(session, sid(4), "voorkempen", local("2026-12-02 10:50:00"), abandoned(40))
            play(session, sid(5), "voorkempen", local("2026-12-02 11:10:00"), overflowed("wait_timeout", 180))
            play(
                session, sid(6), "voorkempen", local("2026-12-02 18:00:00"), overflowed("closed"), open_=False
            )
            play(session, sid(7), "kempen-zuid", local("2026-12-02 10:00:00"), answered(5, 60))
            set_invitations(session, "voorkempen", date(2026, 12, 2), 100)
            # A reserve list of 3 with 1 slot, filled 16 minutes after it was made.
            list_id = stored_list(session, NUMBERS[:3], local("2026-12-02 09:00:00"), slots=1)
            called(session, list_id, 1, local("2026-12-02 09:10:00"), Outcome.NO_ANSWER)
            called(session, list_id, 2, local("2026-12-02 09:11:00"), Outcome.BUSY)
            called(session, list_id, 3, local("2026-12-02 09:15:00"), Outcome.ACCEPTED, talk_s=120)
            filled(session, list_id, local("2026-12-02 09:16:00"))
            at = local("2026-12-02 10:30:00")
            session.add(
                Escalation(
                    token="e" * 32,
                    helpdesk_id="voorkempen",
                    priority="normal",
                    source="agent",
                    agent="1001",
                    call_sid=sid(1),
                    recording_call_sid=sid(8),
                    recording_status="completed",
                    status="open",
                    created_at=at,
                    updated_at=at,
                )
            )
    finally:
        engine.dispose()
    return migrated_db_url


def report(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="ivr report")
    add_arguments(parser)
    return run(parser.parse_args(list(argv)))


DAY = ("--helpdesk", "voorkempen", "--from", "2026-12-02", "--to", "2026-12-02")

TABLE = """\
voorkempen, 2026-12-02 to 2026-12-02 (Europe/Brussels)
offered                          6
offered_open                     5
answered                         2
abandoned                        2
short_abandoned                  1
overflowed                       2
overflowed_closed                1
overflowed_no_agents             0
overflowed_queue_full            0
overflowed_wait_timeout          1
overflowed_error                 0
closing_message                  0
busy_message                     0
in_progress                      0
entered_queue                    5
returning_calls                  1
reachability                   0.4
service_level                 0.25
asa_s                         45.0
avg_abandon_wait_s            21.5
max_wait_s                     180
avg_talk_s                   150.0
invitations                    100
contact_rate                  0.06
escalations                      1
escalations_urgent               0
one_and_done                   0.5
outbound_people_called           3
outbound_attempts                3
outbound_reached                 1
outbound_accepted                1
outbound_kept                    0
outbound_do_not_call             0
outbound_wrong_number            0
outbound_no_answer               1
outbound_voicemail               0
outbound_busy_failed             1
outbound_lists_filled            1
outbound_fill_s              960.0
outbound_talk_s                120
complaints_received              0
complaints_answered              0
complaints_answered_in_time      -
"""


def test_table(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert report(*DAY) == 0
    assert capsys.readouterr().out == TABLE


def test_csv(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert report(*DAY, "--format", "csv") == 0
    assert capsys.readouterr().out == (
        "helpdesk,from,to,offered,offered_open,answered,abandoned,short_abandoned,overflowed,"
        "overflowed_closed,overflowed_no_agents,overflowed_queue_full,overflowed_wait_timeout,"
        "overflowed_error,closing_message,busy_message,in_progress,entered_queue,returning_calls,"
        "reachability,service_level,asa_s,avg_abandon_wait_s,max_wait_s,avg_talk_s,invitations,contact_rate,"
        "escalations,escalations_urgent,one_and_done,"
        "outbound_people_called,outbound_attempts,outbound_reached,outbound_accepted,outbound_kept,"
        "outbound_do_not_call,outbound_wrong_number,outbound_no_answer,outbound_voicemail,"
        "outbound_busy_failed,outbound_lists_filled,outbound_fill_s,outbound_talk_s,"
        "complaints_received,complaints_answered,complaints_answered_in_time\r\n"
        "voorkempen,2026-12-02,2026-12-02,6,5,2,2,1,2,1,0,0,1,0,0,0,0,5,1,0.4,0.25,45.0,21.5,180,150.0,100,0.06,"
        "1,0,0.5,"
        "3,3,1,1,0,0,0,1,0,1,1,960.0,120,0,0,\r\n"
    )


def test_all_helpdesks_per_day(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert report("--from", "2026-12-01", "--to", "2026-12-02", "--step", "day", "--format", "csv") == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "2026-12-01T00:00:00+01:00,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,,,,,,,0,,0,0,,0,0,",
        "2026-12-02T00:00:00+01:00,7,6,3,2,1,2,1,0,0,1,0,0,0,0,6,1,0.5,0.4,31.7,21.5,180,120.0,100,0.07,"
        "1,0,0.6667,0,0,",
    ]


def test_a_series_as_a_table(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert report(*DAY, "--step", "hour") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "voorkempen, 2026-12-02 to 2026-12-02, per hour (Europe/Brussels)"
    # A series gives the call KPIs, the escalations and the complaints of the day (none per hour).
    assert lines[1].split() == ["start", *KPI_COLUMNS, *ESCALATION_COLUMNS, *COMPLAINT_COLUMNS]
    assert len(lines) == 2 + 24
    assert lines[12].split() == [
        "2026-12-02T10:00:00+01:00",
        *(
            ["4", "4", "2", "2", "1"]
            + ["0"] * 9
            + ["4", "1", "0.5", "0.3333", "45.0", "21.5", "70", "150.0", "-", "-"]
            + ["1", "0", "0.5"]
            + ["-"] * 3
        ),
    ]
    assert lines[2].split()[1:] == ["0"] * 16 + ["-"] * 8 + ["0", "0", "-"] + ["-"] * 3
    # Columns line up: every line as long as the header.
    assert {len(line) for line in lines[1:]} == {len(lines[1])}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            ("--helpdesk", "nergens", "--from", "2026-12-02", "--to", "2026-12-02"),
            "ivr report: unknown helpdesk 'nergens'; this file has: voorkempen, kempen-zuid\n",
            id="unknown-helpdesk",
        ),
        pytest.param(
            ("--from", "2026-12-03", "--to", "2026-12-02"),
            "ivr report: --from 2026-12-03 is after --to 2026-12-02\n",
            id="reversed",
        ),
        pytest.param(
            ("--from", "2026-01-01", "--to", "2027-01-02"),
            "ivr report: the period is longer than 366 days\n",
            id="too-long",
        ),
    ],
)
def test_bad_requests(
    database: str, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    assert report(*argv) == 2
    assert capsys.readouterr() == ("", message)


def test_a_date_that_is_not_one(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        report("--from", "gisteren", "--to", "2026-12-02")
    assert exit_info.value.code == 2
    assert "argument --from: 'gisteren' is not a date like 2026-12-01" in capsys.readouterr().err
