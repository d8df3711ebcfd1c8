"""The distribution of waits on the 30 calls of the KPI tests, worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from calllog import WaitBand, summary, wait_distribution
from tests.calllog.test_calllog_kpis import DESK, FIRST, LAST, OTHER, build_calls

# Voorkempen, 1 and 2 December: the answered waits 0 5 10 20 30 45 60 61 90 120 150 170, the
# abandoned 0 (in the welcome) 2 4 5 30 100 179, overflowed after 20 s (error) and 180 s
# (wait_timeout); the caller still waiting has no wait yet and the other calls never queued.
VOORKEMPEN = [
    WaitBand(from_s=0, to_s=15, calls=7, answered=3, abandoned=4, overflowed=0),
    WaitBand(from_s=15, to_s=30, calls=2, answered=1, abandoned=0, overflowed=1),
    WaitBand(from_s=30, to_s=60, calls=3, answered=2, abandoned=1, overflowed=0),
    WaitBand(from_s=60, to_s=120, calls=4, answered=3, abandoned=1, overflowed=0),
    WaitBand(from_s=120, to_s=180, calls=4, answered=3, abandoned=1, overflowed=0),
    WaitBand(from_s=180, to_s=None, calls=1, answered=0, abandoned=0, overflowed=1),
]


def test_the_waits_of_one_helpdesk_per_band(session: Session) -> None:
    build_calls(session)

    bands = wait_distribution(session, DESK, FIRST, LAST)

    assert bands == VOORKEMPEN
    kpis = summary(session, DESK, FIRST, LAST)
    # Every call in the queue but the one still waiting; the bands agree with the KPIs.
    assert sum(band.calls for band in bands) == kpis.entered_queue - 1
    assert sum(band.answered for band in bands) == kpis.answered
    assert sum(band.abandoned for band in bands) == kpis.abandoned


def test_all_helpdesks_add_kempen_zuid(session: Session) -> None:
    build_calls(session)

    bands = wait_distribution(session, None, FIRST, LAST)

    # Kempen Zuid: answered after 30 s, abandoned after 4 s.
    assert [(band.calls, band.answered, band.abandoned) for band in bands] == [
        (8, 3, 5),
        (2, 1, 0),
        (4, 3, 1),
        (4, 3, 1),
        (4, 3, 1),
        (1, 0, 0),
    ]
    assert [band.calls for band in wait_distribution(session, OTHER, FIRST, LAST)] == [1, 0, 1, 0, 0, 0]


def test_a_period_without_calls_has_every_band_empty(session: Session) -> None:
    build_calls(session)

    bands = wait_distribution(session, DESK, date(2026, 11, 1), date(2026, 11, 29))

    assert [(band.from_s, band.to_s, band.calls) for band in bands] == [
        (0, 15, 0),
        (15, 30, 0),
        (30, 60, 0),
        (60, 120, 0),
        (120, 180, 0),
        (180, None, 0),
    ]


def test_a_reversed_period_is_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="starts"):
        wait_distribution(session, DESK, LAST, FIRST)
