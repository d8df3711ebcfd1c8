"""Staffing alerts: raised once per stretch, resolved once, and the rule that decides them."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from staffing import Alert, alerts, open_alerts, raise_alert, resolve_alert, understaffed

TICK = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return TICK + dt.timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("open_now", "agents", "required", "expected"),
    [
        pytest.param(True, 1, 2, True, id="open-one-of-two"),
        pytest.param(True, 0, 2, True, id="open-nobody"),
        pytest.param(True, 2, 2, False, id="open-exactly-enough"),
        pytest.param(True, 5, 2, False, id="open-more-than-enough"),
        pytest.param(True, 0, 0, False, id="open-none-required"),
        pytest.param(False, 0, 2, False, id="closed-nobody"),
        pytest.param(False, 1, 2, False, id="closed-one-of-two"),
    ],
)
def test_understaffed_only_while_open_and_below_the_minimum(
    open_now: bool, agents: int, required: int, expected: bool
) -> None:
    assert understaffed(open_now, agents, required) is expected


def test_an_alert_is_raised_once_per_minute(session: Session) -> None:
    first = raise_alert(session, "voorkempen", TICK, 1, 2)
    again = raise_alert(session, "voorkempen", TICK, 0, 2)

    assert (first, again) == (True, False)
    assert alerts(session, "voorkempen") == [Alert("voorkempen", TICK, 1, 2, None)]
    assert open_alerts(session) == {"voorkempen": Alert("voorkempen", TICK, 1, 2, None)}


def test_resolving_ends_the_alert_going_on(session: Session) -> None:
    raise_alert(session, "voorkempen", TICK, 1, 2)
    raise_alert(session, "kempen-zuid", at(1), 0, 2)

    resolved = resolve_alert(session, "voorkempen", at(7))
    again = resolve_alert(session, "voorkempen", at(8))

    assert resolved == Alert("voorkempen", TICK, 1, 2, at(7))
    assert again is None
    assert open_alerts(session) == {"kempen-zuid": Alert("kempen-zuid", at(1), 0, 2, None)}


def test_alerts_of_a_helpdesk_oldest_first(session: Session) -> None:
    raise_alert(session, "voorkempen", at(30), 0, 2)
    resolve_alert(session, "voorkempen", at(40))
    raise_alert(session, "voorkempen", TICK, 1, 2)
    raise_alert(session, "kempen-zuid", at(5), 1, 3)

    assert alerts(session, "voorkempen") == [
        Alert("voorkempen", TICK, 1, 2, None),
        Alert("voorkempen", at(30), 0, 2, at(40)),
    ]
    assert alerts(session, "nowhere") == []
