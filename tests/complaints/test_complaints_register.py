"""The complaints register's rules on their own: the quarter, the deadline and the overdue window,
the figures of a period, the erasure after retention and the draft answer (on SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from complaints import (
    Category,
    Change,
    Channel,
    ComplaintClosedError,
    ComplaintRefusedError,
    NewComplaint,
    Outcome,
    Scope,
    answer_letter,
    complaint,
    complaint_figures,
    complaints,
    create_complaint,
    deadline,
    erase_closed_complaints,
    overdue_counts,
    parse_quarter,
    update_complaint,
)

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 12, 2)


def new(received: dt.date, desk: str = "voorkempen", scope: Scope = Scope.LOCAL) -> NewComplaint:
    return NewComplaint(
        desk, received, Channel.PHONE, "Ann", "0470 00 00 00", "Te lang gewacht", Category.OTHER, scope
    )


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2026Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("2026Q2", dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        ("2026Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
        ("2026Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    ],
)
def test_a_quarter_is_its_first_and_last_day(text: str, first: dt.date, last: dt.date) -> None:
    assert parse_quarter(text) == (first, last)


@pytest.mark.parametrize("text", ["2026Q0", "2026Q5", "2026q4", "2026-Q4", "Q4", "1999Q1", " 2026Q4"])
def test_a_malformed_quarter_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="like"):
        parse_quarter(text)


def test_the_deadline_is_45_calendar_days() -> None:
    assert deadline(dt.date(2026, 11, 20)) == dt.date(2027, 1, 4)
    assert deadline(dt.date(2028, 2, 1)) == dt.date(2028, 3, 17)  # a leap year's 29 February counts


def test_overdue_from_seven_days_before_the_deadline(session: Session) -> None:
    received = dt.date(2026, 10, 1)  # deadline 15 November
    late = create_complaint(session, new(received), now=NOW, today=TODAY, who="t")
    create_complaint(session, new(received, "kempen-zuid", Scope.CENTRAL), now=NOW, today=TODAY, who="t")

    on = {
        day: [c.id for c in complaints(session, dt.date(2026, 11, day), overdue=True)]
        for day in (7, 8, 15, 16)
    }

    assert on == {7: [], 8: [late.id], 15: [late.id], 16: [late.id]}
    assert overdue_counts(session, dt.date(2026, 11, 8)) == {"voorkempen": 1}
    assert complaint(session, late.id, dt.date(2026, 11, 16)).within_deadline is False


def test_handling_refusals_and_closing(session: Session) -> None:
    found = create_complaint(session, new(dt.date(2026, 11, 30)), now=NOW, today=TODAY, who="t")
    with pytest.raises(ComplaintRefusedError, match="answered_on: not in the future"):
        update_complaint(
            session,
            found.id,
            Change(outcome=Outcome.FOUNDED, answered_on=dt.date(2026, 12, 3), answer_channel=Channel.PHONE),
            now=NOW,
            today=TODAY,
            who="t",
        )
    with pytest.raises(ComplaintRefusedError, match="answer_channel: one of email, letter, phone"):
        update_complaint(
            session, found.id, Change(answer_channel=Channel.DESK), now=NOW, today=TODAY, who="t"
        )
    closing = Change(outcome=Outcome.FOUNDED, answered_on=TODAY, answer_channel=Channel.EMAIL)
    answered = update_complaint(session, found.id, closing, now=NOW, today=TODAY, who="t")
    assert (answered.days_to_answer, answered.within_deadline, answered.closed_at) == (2, True, NOW)
    with pytest.raises(ComplaintClosedError):
        update_complaint(session, found.id, Change(actions="x"), now=NOW, today=TODAY, who="t")


def test_the_figures_of_a_period(session: Session) -> None:
    in_time = create_complaint(session, new(dt.date(2026, 9, 1)), now=NOW, today=TODAY, who="t")
    late = create_complaint(session, new(dt.date(2026, 9, 2), "kempen-zuid"), now=NOW, today=TODAY, who="t")
    create_complaint(session, new(dt.date(2026, 11, 2)), now=NOW, today=TODAY, who="t")
    for found, day in ((in_time, dt.date(2026, 10, 16)), (late, dt.date(2026, 10, 18))):
        change = Change(outcome=Outcome.UNFOUNDED, answered_on=day, answer_channel=Channel.LETTER)
        update_complaint(session, found.id, change, now=NOW, today=TODAY, who="t")

    october = complaint_figures(session, None, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert (october.received, october.answered, october.answered_in_time) == (0, 2, 0.5)
    autumn = complaint_figures(session, "voorkempen", dt.date(2026, 9, 1), dt.date(2026, 11, 30))
    assert (autumn.received, autumn.answered, autumn.answered_in_time) == (2, 1, 1.0)
    none = complaint_figures(session, "kempen-zuid", dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert (none.received, none.answered, none.answered_in_time) == (0, 0, None)


def test_erasure_only_of_complaints_closed_before_the_cut(session: Session) -> None:
    forwarded = create_complaint(session, new(TODAY, scope=Scope.CENTRAL), now=NOW, today=TODAY, who="t")
    still_open = create_complaint(session, new(TODAY), now=NOW, today=TODAY, who="t")
    later = NOW + dt.timedelta(days=400)

    assert erase_closed_complaints(session, NOW, later) == 0
    assert erase_closed_complaints(session, NOW + dt.timedelta(seconds=1), later) == 1
    session.expire_all()
    gone = complaint(session, forwarded.id, TODAY)
    assert (gone.name, gone.contact, gone.description, gone.erased_at) == (None, None, None, later)
    assert complaint(session, still_open.id, TODAY).name == "Ann"
    assert erase_closed_complaints(session, later, later) == 0  # erased once


@pytest.mark.parametrize(
    ("outcome", "sentence"),
    [
        (Outcome.FOUNDED, "Uw klacht is gegrond. Onze excuses voor wat er is misgelopen."),
        (Outcome.PARTLY_FOUNDED, "Uw klacht is deels gegrond. Onze excuses voor wat er is misgelopen."),
        (
            Outcome.UNFOUNDED,
            "Uw klacht is ongegrond. We begrijpen dat dit niet het antwoord is waarop u hoopte.",
        ),
    ],
)
def test_the_letter_names_the_outcome(session: Session, outcome: Outcome, sentence: str) -> None:
    found = create_complaint(session, new(dt.date(2026, 3, 9)), now=NOW, today=TODAY, who="t")
    change = Change(outcome=outcome, answered_on=dt.date(2026, 4, 1), answer_channel=Channel.LETTER)
    answered = update_complaint(session, found.id, change, now=NOW, today=TODAY, who="t")

    letter = answer_letter(answered, "Vaccinatiecentrum Voorkempen").split("\n\n")

    assert letter[0] == f"Betreft: uw klacht van 9 maart 2026 (dossier {found.id})"
    assert letter[3] == sentence
    assert "Wat we hebben gedaan" not in "\n".join(letter)  # no actions recorded
    assert letter[-2].endswith("klachtencoördinatie van Zorg en Gezondheid: vaccinatiecentra@vlaanderen.be.")
