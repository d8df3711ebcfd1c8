"""The call list: pages by arrival that return every call exactly once, numbers masked."""

from __future__ import annotations

import base64
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from calllog import CallEntry, InvalidCursorError, list_calls
from tests.calllog.conftest import abandoned, answered, local, play, sid

DESK = "voorkempen"
DAY = date(2026, 12, 2)


def _calls(session: Session) -> list[str]:
    """25 calls on 2 December, five of them arriving at the very same instant."""
    start = local("2026-12-02 09:00:00")
    sids = []
    for number in range(25):
        at = start + timedelta(minutes=number if number < 20 else 30)
        call = sid(1000 - number)  # CallSids do not follow arrival
        play(session, call, DESK, at, answered(10, 30) if number % 2 else abandoned(3))
        sids.append(call)
    play(session, sid(1), "kempen-zuid", start, abandoned(3))
    play(session, sid(2), DESK, local("2026-12-03 09:00:00"), abandoned(3))
    return sids


def _in_arrival_order(sids: list[str]) -> list[str]:
    # The first 20 arrive a minute apart; the last five together, then by CallSid.
    return sids[:20] + sorted(sids[20:])


@pytest.mark.parametrize("limit", [1, 7, 25, 100])
def test_paging_returns_every_call_exactly_once_in_order(session: Session, limit: int) -> None:
    sids = _calls(session)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = list_calls(session, DESK, DAY, DAY, limit=limit, cursor=cursor)
        pages += 1
        seen += [call.call_sid for call in page.calls]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert seen == _in_arrival_order(sids)
    assert pages == -(-25 // limit)


def test_a_call_recorded_between_pages_is_not_skipped(session: Session) -> None:
    _calls(session)
    page = list_calls(session, DESK, DAY, DAY, limit=10)
    play(session, sid(3), DESK, local("2026-12-02 08:00:00"), abandoned(3))
    play(session, sid(4), DESK, local("2026-12-02 18:00:00"), abandoned(3))
    rest = list_calls(session, DESK, DAY, DAY, limit=100, cursor=page.next_cursor)
    assert rest.calls[-1].call_sid == sid(4)
    assert sid(3) not in [call.call_sid for call in rest.calls]
    assert len(rest.calls) == 16


def test_all_helpdesks(session: Session) -> None:
    _calls(session)
    page = list_calls(session, None, DAY, date(2026, 12, 3), limit=100)
    assert len(page.calls) == 27
    assert {call.helpdesk for call in page.calls} == {"voorkempen", "kempen-zuid"}


def test_a_call_shows_the_masked_number_only(session: Session) -> None:
    play(
        session,
        sid(5),
        DESK,
        local("2026-12-02 10:00:00"),
        answered(12, 95, agent="an"),
        caller="+32470123456",
    )
    (call,) = list_calls(session, DESK, DAY, DAY).calls
    assert call == CallEntry(
        call_sid=sid(5),
        helpdesk=DESK,
        arrived_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
        arrival_date=DAY,
        open_on_arrival=True,
        caller="+32 4** ** ** 56",
        outcome="answered",
        overflow_reason=None,
        entered_queue=True,
        wait_s=12,
        answered_by="an",
        talk_s=95,
        central_status=None,
        call_status="completed",
        call_duration_s=300,
        ended_at=datetime(2026, 12, 2, 9, 5, tzinfo=UTC),
    )
    assert {field.name for field in fields(CallEntry)} & {"caller_raw", "caller_hash"} == set()


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        base64.urlsafe_b64encode(b'["2026-12-02T09:00:00", "CA1"]').decode(),  # naive time
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),
        "",
    ],
    ids=["garbage", "naive-time", "wrong-shape", "empty"],
)
def test_a_foreign_cursor_is_refused(session: Session, cursor: str) -> None:
    with pytest.raises(InvalidCursorError, match="not a cursor"):
        list_calls(session, DESK, DAY, DAY, cursor=cursor)


@pytest.mark.parametrize("limit", [0, 1001])
def test_the_page_size_is_bounded(session: Session, limit: int) -> None:
    with pytest.raises(ValueError, match="limit must be 1 to 1000"):
        list_calls(session, DESK, DAY, DAY, limit=limit)
