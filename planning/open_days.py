"""Counting in a helpdesk's open days, as the response to a batch of invitations is counted
(playbook 1.4.1: letters sent in the morning arrive the next day; people call when the helpdesk
is open, so a closed weekend or holiday does not use up a day of the response).

A batch's day +0 is the day it is sent when the helpdesk is open that day; when it is closed (a
batch sent on a Saturday, Sunday or holiday), +0 is the first open day after it, and +1 … +6 are
the open days after +0. Whether a date is open comes from the helpdesk's ``Schedule``: weekly
hours, public holidays and dated exceptions, so a day with at least one opening range is open.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from schedules import Schedule

# The lag profile's length: the day of sending (+0) to +6.
LAGS: Final = 7


@dataclass(frozen=True)
class OpenDays:
    """The open dates of a schedule between two dates, in order."""

    days: tuple[dt.date, ...]

    @classmethod
    def between(cls, schedule: Schedule, first: dt.date, last: dt.date) -> OpenDays:
        span = (last - first).days + 1
        dates = (first + dt.timedelta(days=offset) for offset in range(max(span, 0)))
        return cls(tuple(day for day in dates if schedule.plan(day).ranges))

    def position(self, day: dt.date) -> int | None:
        """The place of an open ``day`` among the open days; ``None`` when it is not one of them."""
        index = bisect.bisect_left(self.days, day)
        return index if index < len(self.days) and self.days[index] == day else None

    def day_zero(self, sent: dt.date) -> int:
        """The place of a batch's +0: the first open day on or after ``sent`` (``len(days)`` when
        none is left)."""
        return bisect.bisect_left(self.days, sent)

    def lagged_sizes(
        self, invitations: Mapping[dt.date, int], rows: Sequence[dt.date]
    ) -> npt.NDArray[np.float64]:
        """For each open date of ``rows`` and each lag k, the invitations sent whose +k it is.

        The expected calls of those dates are this matrix times (the contact rate times the lag profile); the
        learning solves the same product for those coefficients.
        """
        matrix = np.zeros((len(rows), LAGS))
        row_of = {self.days[index]: row for row, index in _positions(self, rows)}
        for sent, count in invitations.items():
            zero = self.day_zero(sent)
            for lag in range(LAGS):
                if zero + lag >= len(self.days):
                    break
                row = row_of.get(self.days[zero + lag])
                if row is not None:
                    matrix[row, lag] += count
        return matrix


def _positions(calendar: OpenDays, rows: Iterable[dt.date]) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for row, day in enumerate(rows):
        index = calendar.position(day)
        if index is None:
            raise ValueError(f"{day} is not an open day of this calendar")
        found.append((row, index))
    return found
