"""Creating, reading, closing and retrying call lists, and erasing their numbers after retention
(on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outbound import (
    CallList,
    CallListEntry,
    DoNotCall,
    EntryView,
    ListClosedError,
    ListRefusedError,
    Outcome,
    Progress,
    RowProblem,
    UnknownListError,
    close_list,
    create_list,
    erase_closed_numbers,
    list_detail,
    list_summaries,
    list_summary,
    retry_unreached,
)
from tests.outbound.call_lists import (
    BRUSSELS,
    HELPDESKS,
    KEY,
    NUMBERS,
    called,
    filled,
    hashed,
    local,
    new_list,
    stored_list,
)

NOW = local("2026-12-02T09:00:00")


def _counts(session: Session) -> tuple[int, int]:
    lists = session.scalar(select(func.count()).select_from(CallList))
    entries = session.scalar(select(func.count()).select_from(CallListEntry))
    return int(lists or 0), int(entries or 0)


def test_a_list_is_stored_in_order_with_hash_and_masked_number(session: Session) -> None:
    created = create_list(
        session,
        new_list(["0470 00 00 01", "+32470000002", "03 310 01 00"], slots=1),
        helpdesks=HELPDESKS,
        key=KEY,
        now=NOW,
        created_by="api:ops#1",
    )
    summary = created.summary
    assert created.skipped_do_not_call == 0
    assert (summary.helpdesk_id, summary.purpose, summary.label, summary.slots) == (
        "voorkempen",
        "reserve",
        "reservelijst dinsdag 14 uur",
        1,
    )
    assert (summary.created_at, summary.created_by, summary.closed_at, summary.is_open) == (
        NOW,
        "api:ops#1",
        None,
        True,
    )
    assert summary.progress == Progress(people=3, pending=3, claimed=0, done=0, accepted=0)
    stored = session.execute(
        select(
            CallListEntry.position,
            CallListEntry.number,
            CallListEntry.number_hash,
            CallListEntry.masked,
            CallListEntry.reference,
            CallListEntry.state,
            CallListEntry.outcome,
            CallListEntry.attempts,
        )
        .where(CallListEntry.list_id == summary.id)
        .order_by(CallListEntry.position)
    ).all()
    assert [tuple(row) for row in stored] == [
        (1, "+32470000001", hashed("+32470000001"), "+32 4** ** ** 01", "R-1", "pending", None, 0),
        (2, "+32470000002", hashed("+32470000002"), "+32 4** ** ** 02", "R-2", "pending", None, 0),
        (3, "+3233100100", hashed("+3233100100"), "+32 3 *** ** 00", "R-3", "pending", None, 0),
    ]


def test_the_do_not_call_register_is_skipped_and_counted(session: Session) -> None:
    session.add(DoNotCall(number_hash=hashed(NUMBERS[1]), added_at=NOW, helpdesk_id="kempen-zuid"))
    session.add(DoNotCall(number_hash=hashed(NUMBERS[3]), added_at=NOW, helpdesk_id="voorkempen"))
    created = create_list(
        session, new_list(NUMBERS[:5]), helpdesks=HELPDESKS, key=KEY, now=NOW, created_by="test"
    )
    assert created.skipped_do_not_call == 2
    detail = list_detail(session, created.summary.id)
    assert detail is not None
    assert [(entry.position, entry.masked, entry.reference) for entry in detail.entries] == [
        (1, "+32 4** ** ** 01", "R-1"),
        (2, "+32 4** ** ** 03", "R-3"),
        (3, "+32 4** ** ** 05", "R-5"),
    ]


def test_a_list_of_do_not_call_numbers_only_is_refused(session: Session) -> None:
    session.add(DoNotCall(number_hash=hashed(NUMBERS[0]), added_at=NOW, helpdesk_id="voorkempen"))
    with pytest.raises(ListRefusedError) as refused:
        create_list(session, new_list(NUMBERS[:1]), helpdesks=HELPDESKS, key=KEY, now=NOW, created_by="test")
    assert refused.value.problems == ("every one of the 1 people is in the do-not-call register",)
    assert _counts(session) == (0, 0)


def test_bad_rows_refuse_the_whole_list_and_store_nothing(session: Session) -> None:
    numbers = [NUMBERS[0], "0470 12", NUMBERS[1], NUMBERS[0], ""]
    with pytest.raises(ListRefusedError) as refused:
        create_list(
            session,
            new_list(numbers, helpdesk="nergens", slots=0),
            helpdesks=HELPDESKS,
            key=KEY,
            now=NOW,
            created_by="test",
        )
    assert refused.value.problems == (
        "helpdesk: unknown helpdesk 'nergens'; known: voorkempen, kempen-zuid",
        "slots: from 1 to 5000, or left out to call everyone once",
    )
    assert refused.value.rows == (
        RowProblem(2, "the number is too short"),
        RowProblem(4, "the same number as row 1"),
        RowProblem(5, "no number"),
    )
    assert _counts(session) == (0, 0)


def test_close_and_close_again(session: Session) -> None:
    list_id = stored_list(session, NUMBERS[:2], NOW)
    later = NOW + timedelta(hours=2)
    closed = close_list(session, list_id, later)
    assert (closed.closed_at, closed.closed_reason, closed.is_open) == (later, "closed", False)
    with pytest.raises(ListClosedError) as refused:
        close_list(session, list_id, later)
    assert refused.value.describe(BRUSSELS) == f"call list {list_id} was closed at 2026-12-02 11:00"
    assert str(refused.value) == f"call list {list_id} was closed at 2026-12-02 10:00"
    with pytest.raises(UnknownListError, match="no call list 999999"):
        close_list(session, 999999, later)


def test_a_filled_list_cannot_be_closed_or_retried(session: Session) -> None:
    list_id = stored_list(session, NUMBERS[:2], NOW, slots=1)
    called(session, list_id, 1, NOW, Outcome.ACCEPTED, talk_s=60)
    filled(session, list_id, NOW + timedelta(minutes=2))
    with pytest.raises(ListClosedError, match="was filled at"):
        close_list(session, list_id, NOW)
    with pytest.raises(ListClosedError, match="was filled at"):
        retry_unreached(session, list_id, NOW)
    with pytest.raises(UnknownListError):
        retry_unreached(session, 999999, NOW)


def test_retry_puts_only_the_unreached_back_in_line(session: Session) -> None:
    list_id = stored_list(session, NUMBERS[:8], NOW)
    outcomes = [
        Outcome.NO_ANSWER,
        Outcome.BUSY,
        Outcome.FAILED,
        Outcome.VOICEMAIL,
        Outcome.KEPT,
        Outcome.DO_NOT_CALL,
        Outcome.WRONG_NUMBER,
    ]
    for position, outcome in enumerate(outcomes, start=1):
        called(session, list_id, position, NOW + timedelta(minutes=position), outcome)
    assert retry_unreached(session, list_id, NOW + timedelta(hours=1)) == 4
    detail = list_detail(session, list_id)
    assert detail is not None
    assert [(entry.state, entry.outcome, entry.attempts) for entry in detail.entries] == [
        ("pending", "no_answer", 1),
        ("pending", "busy", 1),
        ("pending", "failed", 1),
        ("pending", "voicemail", 1),
        ("done", "kept", 1),
        ("done", "do_not_call", 1),
        ("done", "wrong_number", 1),
        ("pending", None, 0),
    ]
    assert retry_unreached(session, list_id, NOW + timedelta(hours=1)) == 0


def test_the_detail_shows_masked_numbers_and_the_last_call(session: Session) -> None:
    list_id = stored_list(session, NUMBERS[:3], NOW)
    called(session, list_id, 1, local("2026-12-02T09:05:00"), Outcome.NO_ANSWER)
    called(session, list_id, 2, local("2026-12-02T09:06:00"), None)
    retry_unreached(session, list_id, NOW)
    called(session, list_id, 1, local("2026-12-02T10:30:00"), Outcome.ACCEPTED, talk_s=90)

    detail = list_detail(session, list_id)
    assert detail is not None
    assert detail.summary.progress == Progress(people=3, pending=1, claimed=1, done=1, accepted=1)
    assert detail.entries == (
        EntryView(1, "+32 4** ** ** 01", "R-1", "done", "accepted", 2, local("2026-12-02T10:30:00")),
        EntryView(2, "+32 4** ** ** 02", "R-2", "claimed", None, 1, local("2026-12-02T09:06:00")),
        EntryView(3, "+32 4** ** ** 03", "R-3", "pending", None, 0, None),
    )
    assert detail.entries[0].last_call_at is not None
    assert detail.entries[0].last_call_at.utcoffset() == timedelta(0)
    assert list_detail(session, 999999) is None
    assert list_summary(session, 999999) is None


def test_lists_open_first_oldest_first_then_closed_newest_first(session: Session) -> None:
    first = stored_list(session, NUMBERS[:1], NOW)
    second = stored_list(session, NUMBERS[:2], NOW + timedelta(minutes=1))
    third = stored_list(session, NUMBERS[:3], NOW + timedelta(minutes=2))
    other = stored_list(session, NUMBERS[:1], NOW + timedelta(minutes=3), helpdesk="kempen-zuid")
    fourth = stored_list(session, NUMBERS[:4], NOW + timedelta(minutes=4))
    close_list(session, first, NOW + timedelta(hours=1))
    close_list(session, third, NOW + timedelta(hours=2))

    def ids(**query: object) -> list[int]:
        return [summary.id for summary in list_summaries(session, **query)]  # type: ignore[arg-type]

    assert ids() == [second, other, fourth, third, first]
    assert ids(helpdesk_id="voorkempen") == [second, fourth, third, first]
    assert ids(helpdesk_id="voorkempen", state="open") == [second, fourth]
    assert ids(helpdesk_id="voorkempen", state="closed") == [third, first]
    assert ids(helpdesk_id="voorkempen", limit=3) == [second, fourth, third]
    assert ids(helpdesk_id="nergens") == []
    assert [summary.progress.people for summary in list_summaries(session, "voorkempen")] == [2, 4, 3, 1]


def test_numbers_of_lists_closed_longer_than_retention_are_erased(session: Session) -> None:
    now = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
    old = stored_list(session, NUMBERS[:2], now - timedelta(days=60))
    recent = stored_list(session, NUMBERS[2:4], now - timedelta(days=60))
    still_open = stored_list(session, NUMBERS[4:6], now - timedelta(days=60))
    close_list(session, old, now - timedelta(days=31))
    close_list(session, recent, now - timedelta(days=29))

    assert erase_closed_numbers(session, now - timedelta(days=30), now) == 1
    assert erase_closed_numbers(session, now - timedelta(days=30), now) == 0

    def numbers(list_id: int) -> list[tuple[str | None, str, str]]:
        rows = session.execute(
            select(CallListEntry.number, CallListEntry.number_hash, CallListEntry.masked)
            .where(CallListEntry.list_id == list_id)
            .order_by(CallListEntry.position)
        ).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]

    assert numbers(old) == [
        (None, hashed(NUMBERS[0]), "+32 4** ** ** 01"),
        (None, hashed(NUMBERS[1]), "+32 4** ** ** 02"),
    ]
    assert [number for number, _, _ in numbers(recent)] == NUMBERS[2:4]
    assert [number for number, _, _ in numbers(still_open)] == NUMBERS[4:6]
    erased = {summary.id: summary.erased_at for summary in list_summaries(session)}
    assert erased == {old: now, recent: None, still_open: None}

    assert erase_closed_numbers(session, now, now + timedelta(days=1)) == 1
    assert [number for number, _, _ in numbers(recent)] == [None, None]
    assert [number for number, _, _ in numbers(still_open)] == NUMBERS[4:6]


def test_erasing_needs_an_aware_cutoff(session: Session) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        erase_closed_numbers(session, datetime(2026, 12, 1), NOW)  # noqa: DTZ001
