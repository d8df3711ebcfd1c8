"""A shared number's menu in the call log: its events, and its KPIs by local date."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from calllog import CallRecord, menu_summary, new_event, record_event, summary
from tests.calllog.conftest import BRUSSELS, local, offer

MENU = "menu:+3233100300"
KEYS = ["1", "2"]


def _call(
    session: Session, sid: str, at: str, key: str | None, how: str = "dtmf", target: str = "voorkempen"
) -> None:
    when = local(at)
    record_event(session, call_sid=sid, helpdesk_id=MENU, kind="menu_offered", at=when)
    if key is not None:
        chosen = {"key": key, "how": how, "target": target}
        record_event(session, call_sid=sid, helpdesk_id=MENU, kind="menu_choice", at=when, **chosen)


def test_the_menu_events_carry_what_was_chosen() -> None:
    at = local("2026-12-02 10:00")
    event = new_event(
        call_sid="CA1", helpdesk_id=MENU, kind="menu_choice", at=at, key="1", how="speech", target="x"
    )
    assert (event.dedupe, event.data) == ("menu_choice", '{"how":"speech","key":"1","target":"x"}')
    with pytest.raises(ValueError, match="menu_choice events need key"):
        new_event(call_sid="CA1", helpdesk_id=MENU, kind="menu_choice", at=at, how="dtmf", target="x")
    with pytest.raises(ValueError, match="do not carry"):
        new_event(call_sid="CA1", helpdesk_id=MENU, kind="menu_offered", at=at, key="1")


def test_menu_kpis_by_local_date(session: Session) -> None:
    _call(session, "CA01", "2026-12-01 23:59", "1")  # the day before
    _call(session, "CA02", "2026-12-02 00:00", "1")
    _call(session, "CA03", "2026-12-02 10:00", "2", "speech", "+3233100000")
    _call(session, "CA04", "2026-12-02 10:05", "1", "default")
    _call(session, "CA05", "2026-12-02 11:00", None)  # hung up in the menu
    _call(session, "CA06", "2026-12-02 23:59", "2")
    _call(session, "CA07", "2026-12-03 00:00", "2")  # the day after
    record_event(
        session,
        call_sid="CA08",
        helpdesk_id="menu:+3299999999",
        kind="menu_offered",
        at=local("2026-12-02 10:00"),
    )
    session.commit()

    kpis = menu_summary(session, MENU, KEYS, date(2026, 12, 2), date(2026, 12, 2), BRUSSELS)
    assert (kpis.menu_offered, dict(kpis.choices), dict(kpis.by_how), kpis.no_choice) == (
        5,
        {"1": 2, "2": 2},
        {"dtmf": 2, "speech": 1, "default": 1},
        1,
    )
    week = menu_summary(session, MENU, [*KEYS, "3"], date(2026, 11, 30), date(2026, 12, 6), BRUSSELS)
    assert (week.menu_offered, dict(week.choices)) == (7, {"1": 3, "2": 3, "3": 0})
    with pytest.raises(ValueError, match="starts"):
        menu_summary(session, MENU, KEYS, date(2026, 12, 3), date(2026, 12, 2), BRUSSELS)


def test_only_the_calls_that_reach_a_helpdesk_are_offered_to_it(session: Session) -> None:
    _call(session, "CA11", "2026-12-02 10:00", "1")
    offer(session, "CA11", "voorkempen", local("2026-12-02 10:00"))
    _call(session, "CA12", "2026-12-02 10:01", "2", target="+3233100000")
    session.commit()

    assert summary(session, "voorkempen", date(2026, 12, 2), date(2026, 12, 2)).offered == 1
    assert summary(session, None, date(2026, 12, 2), date(2026, 12, 2)).offered == 1
    records = {row.call_sid: row.helpdesk_id for row in session.execute(select(CallRecord)).scalars()}
    assert records == {"CA11": "voorkempen", "CA12": MENU}
