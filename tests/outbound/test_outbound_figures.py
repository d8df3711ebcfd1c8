"""The outbound figures per list and per helpdesk and period, on calls whose figures are worked out
by hand (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from outbound import (
    OUTBOUND_COLUMNS,
    OutboundFigures,
    Outcome,
    list_figures,
    outbound_row,
    period_figures,
    retry_unreached,
)
from tests.outbound.call_lists import BRUSSELS, NUMBERS, called, filled, local, stored_list

ZERO = OutboundFigures(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, None, 0)


def build_calls(session: Session) -> dict[str, int]:
    """Three lists and their calls; returns the lists' ids by name."""
    # A: voorkempen, 6 people, 1 slot, filled 13 minutes after it was made.
    a = stored_list(session, NUMBERS[:6], local("2026-12-01T09:00:00"), slots=1)
    called(session, a, 1, local("2026-12-01T09:05:00"), Outcome.NO_ANSWER)
    called(session, a, 2, local("2026-12-01T09:06:00"), Outcome.VOICEMAIL)
    called(session, a, 3, local("2026-12-01T09:07:00"), Outcome.BUSY)
    called(session, a, 4, local("2026-12-01T09:08:00"), Outcome.KEPT, talk_s=30)
    called(session, a, 5, local("2026-12-01T09:10:00"), Outcome.DO_NOT_CALL, talk_s=20)
    retry_unreached(session, a, local("2026-12-01T09:11:00"))
    called(session, a, 1, local("2026-12-01T09:11:00"), Outcome.NO_ANSWER)
    called(session, a, 6, local("2026-12-01T09:12:00"), Outcome.ACCEPTED, talk_s=60)
    filled(session, a, local("2026-12-01T09:13:00"))

    # B: voorkempen, no slots; one call still going, one put through and not keyed yet, one the
    # next day.
    b = stored_list(session, NUMBERS[10:16], local("2026-12-02T08:00:00"))
    called(session, b, 1, local("2026-12-02T08:05:00"), Outcome.FAILED)
    called(session, b, 2, local("2026-12-02T08:06:00"), Outcome.WRONG_NUMBER, talk_s=10)
    called(session, b, 3, local("2026-12-02T08:10:00"), None)
    called(session, b, 4, local("2026-12-02T08:11:00"), None, talk_s=45)
    called(session, b, 5, local("2026-12-03T00:00:30"), Outcome.NO_ANSWER)

    # C: kempen-zuid, filled at 00:31 on 1 December local time, still 30 November in UTC.
    c = stored_list(session, NUMBERS[20:22], local("2026-11-30T20:00:00"), helpdesk="kempen-zuid", slots=1)
    called(session, c, 1, local("2026-12-01T00:30:00"), Outcome.ACCEPTED, talk_s=100)
    filled(session, c, local("2026-12-01T00:31:00"))
    return {"A": a, "B": b, "C": c}


LIST_A = OutboundFigures(
    people_called=6,
    attempts=7,
    reached=3,  # kept, do-not-call, accepted
    accepted=1,
    kept=1,
    do_not_call=1,
    wrong_number=0,
    no_answer=2,  # the same person twice
    voicemail=1,
    busy_failed=1,
    lists_filled=1,
    fill_s=780.0,
    talk_s=110,
)
LIST_B = OutboundFigures(
    people_called=5,
    attempts=5,
    reached=2,  # the wrong number, and the person put through whose outcome is not keyed yet
    accepted=0,
    kept=0,
    do_not_call=0,
    wrong_number=1,
    no_answer=1,
    voicemail=0,
    busy_failed=1,
    lists_filled=0,
    fill_s=None,
    talk_s=55,
)
LIST_C = OutboundFigures(1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 16260.0, 100)


@pytest.mark.parametrize(
    ("name", "figures"), [("A", LIST_A), ("B", LIST_B), ("C", LIST_C)], ids=["A", "B", "C"]
)
def test_figures_of_a_list(session: Session, name: str, figures: OutboundFigures) -> None:
    lists = build_calls(session)
    assert list_figures(session, lists[name]) == figures


def test_a_list_without_calls(session: Session) -> None:
    list_id = stored_list(session, NUMBERS[:2], local("2026-12-01T09:00:00"))
    assert list_figures(session, list_id) == ZERO


@pytest.mark.parametrize(
    ("helpdesk", "first", "last", "figures"),
    [
        (
            "voorkempen",
            date(2026, 12, 1),
            date(2026, 12, 2),
            OutboundFigures(10, 11, 5, 1, 1, 1, 1, 2, 1, 2, 1, 780.0, 165),
        ),
        (
            None,
            date(2026, 12, 1),
            date(2026, 12, 2),
            OutboundFigures(11, 12, 6, 2, 1, 1, 1, 2, 1, 2, 2, 8520.0, 265),
        ),
        (
            "voorkempen",
            date(2026, 12, 2),
            date(2026, 12, 2),
            OutboundFigures(4, 4, 2, 0, 0, 0, 1, 0, 0, 1, 0, None, 55),
        ),
        (
            "voorkempen",
            date(2026, 12, 3),
            date(2026, 12, 3),
            OutboundFigures(1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, None, 0),
        ),
        ("kempen-zuid", date(2026, 12, 1), date(2026, 12, 1), LIST_C),
        ("kempen-zuid", date(2026, 11, 30), date(2026, 11, 30), ZERO),
        ("nergens", date(2026, 12, 1), date(2026, 12, 31), ZERO),
    ],
    ids=[
        "voorkempen-both-days",
        "all-helpdesks",
        "second-day",
        "after-midnight-local",
        "local-date-not-utc",
        "the-utc-date-is-not-counted",
        "unknown-helpdesk",
    ],
)
def test_figures_of_a_helpdesk_and_period(
    session: Session, helpdesk: str | None, first: date, last: date, figures: OutboundFigures
) -> None:
    build_calls(session)
    assert period_figures(session, helpdesk, first, last, BRUSSELS) == figures


def test_a_period_the_wrong_way_round_is_refused(session: Session) -> None:
    with pytest.raises(ValueError, match=r"the period starts \(2026-12-02\) after it ends \(2026-12-01\)"):
        period_figures(session, None, date(2026, 12, 2), date(2026, 12, 1), BRUSSELS)


def test_a_list_filled_on_a_summer_time_day_counts_on_its_local_date(session: Session) -> None:
    # 29 March 2026: the clocks go forward at 02:00, so the day has 23 hours.
    list_id = stored_list(session, NUMBERS[:1], local("2026-03-28T23:30:00"), slots=1)
    called(session, list_id, 1, local("2026-03-29T23:30:00"), Outcome.ACCEPTED, talk_s=5)
    filled(session, list_id, local("2026-03-29T23:31:00"))
    day = period_figures(session, "voorkempen", date(2026, 3, 29), date(2026, 3, 29), BRUSSELS)
    # 24 hours and a minute on the wall clock, an hour less in real time.
    assert (day.attempts, day.lists_filled, day.fill_s) == (1, 1, 23 * 3600 + 60.0)
    assert period_figures(session, "voorkempen", date(2026, 3, 30), date(2026, 3, 30), BRUSSELS) == ZERO


def test_the_figures_as_columns() -> None:
    assert outbound_row(LIST_A) == {
        "outbound_people_called": 6,
        "outbound_attempts": 7,
        "outbound_reached": 3,
        "outbound_accepted": 1,
        "outbound_kept": 1,
        "outbound_do_not_call": 1,
        "outbound_wrong_number": 0,
        "outbound_no_answer": 2,
        "outbound_voicemail": 1,
        "outbound_busy_failed": 1,
        "outbound_lists_filled": 1,
        "outbound_fill_s": 780.0,
        "outbound_talk_s": 110,
    }
    assert tuple(outbound_row(LIST_A)) == OUTBOUND_COLUMNS
