"""The quarterly register for the Flemish government (playbook 1.4.3.3): every complaint received in
a quarter, without personal data: no name, contact, description, investigation or actions column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from calllog import Cell, to_csv
from complaints.register import ComplaintView, view
from complaints.tables import Complaint

EXPORT_COLUMNS: Final = (
    "id",
    "helpdesk",
    "received_on",
    "channel",
    "category",
    "local_or_central",
    "outcome",
    "answered_on",
    "days_to_answer",
    "within_deadline",
)
_QUARTER = re.compile(r"(\d{4})Q([1-4])")


def parse_quarter(text: str) -> tuple[dt.date, dt.date]:
    """``2026Q4`` → its first and last day; ``ValueError`` for anything else."""
    found = _QUARTER.fullmatch(text)
    if found is None or not 2020 <= int(found[1]) <= 2100:
        raise ValueError('a quarter is written like "2026Q4" (year 2020 to 2100, quarter 1 to 4)')
    year, quarter = int(found[1]), int(found[2])
    first = dt.date(year, 3 * quarter - 2, 1)
    after = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return first, after - dt.timedelta(days=1)


def quarter_complaints(session: Session, quarter: str, today: dt.date) -> list[ComplaintView]:
    """The complaints received in the quarter, by receipt then id."""
    first, last = parse_quarter(quarter)
    query = (
        select(Complaint)
        .where(Complaint.received_on >= first, Complaint.received_on <= last)
        .order_by(Complaint.received_on, Complaint.id)
    )
    return [view(row, today) for row in session.scalars(query)]


def export_row(complaint: ComplaintView) -> dict[str, Cell]:
    return {
        "id": complaint.id,
        "helpdesk": complaint.helpdesk_id,
        "received_on": complaint.received_on.isoformat(),
        "channel": complaint.channel.value,
        "category": complaint.category.value,
        "local_or_central": complaint.scope.value,
        "outcome": complaint.outcome.value if complaint.outcome is not None else None,
        "answered_on": complaint.answered_on.isoformat() if complaint.answered_on is not None else None,
        "days_to_answer": complaint.days_to_answer,
        "within_deadline": complaint.within_deadline,
    }


def export_csv(complaints: Iterable[ComplaintView]) -> str:
    """RFC 4180 CSV with a header line (the call log's CSV conventions)."""
    return to_csv(EXPORT_COLUMNS, (export_row(complaint) for complaint in complaints))
