"""When a helpdesk is open: weekly hours, public holidays and dated exceptions in one time zone.

Precedence (product contract, "Configuration"): a dated exception wins over a public holiday, a
public holiday over the weekday. Holidays only change the hours when the ``holidays`` day key is
configured; otherwise the weekday's hours apply and the holiday is merely reported.

Time semantics. Ranges are local wall-clock times. ``is_open`` reads the wall clock, so on the
autumn switch both occurrences of 02:30 are "02:30". ``next_opening`` and ``next_closing`` return
real instants that agree with ``is_open``: a range boundary in the spring gap (02:00-03:00 does not
exist) takes effect at the first instant after the gap, and a boundary in the repeated autumn hour
at its first occurrence. Instants are computed on UTC and naive wall-clock values, never by
arithmetic on aware local datetimes, which Python performs in wall time across a switch.
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo

from schedules.hours import TimeRange, WeeklyHours
from schedules.public_holidays import HolidayCalendar

SEARCH_DAYS: Final = 400

# Every UTC offset in use lies within these bounds, so the instants whose local date is D lie
# within (D 00:00 - _MAX_AHEAD, D+1 00:00 + _MAX_BEHIND) read as UTC.
_MAX_AHEAD: Final = timedelta(hours=15)
_MAX_BEHIND: Final = timedelta(hours=13)
# Offsets change at most once within this step (real zones switch months apart).
_PROBE_STEP: Final = timedelta(hours=3)

_Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class DayPlan:
    """The hours that apply on one local date, and why."""

    day: date
    ranges: tuple[TimeRange, ...]
    source: Literal["exception", "holiday", "weekday"]
    holiday: str | None


def _offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    if offset is None:  # pragma: no cover - a ZoneInfo always has an offset
        raise ValueError(f"time zone {zone.key} has no UTC offset at {instant.isoformat()}")
    return offset


def _transition(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The first whole-second instant in (before, after] with another offset than ``before``."""
    offset = _offset(zone, before)
    low, high = int(before.timestamp()), int(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(zone, datetime.fromtimestamp(middle, UTC)) == offset:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


@functools.lru_cache(maxsize=4096)
def _offset_pieces(zone: ZoneInfo, day: date) -> tuple[tuple[datetime, datetime, timedelta], ...]:
    """UTC spans with a constant offset, covering every instant whose local date is ``day``."""
    midnight = datetime.combine(day, time(), tzinfo=UTC)
    start, end = midnight - _MAX_AHEAD, midnight + timedelta(days=1) + _MAX_BEHIND
    pieces: list[tuple[datetime, datetime, timedelta]] = []
    piece_start, probe = start, start
    while probe < end:
        following = min(probe + _PROBE_STEP, end)
        if _offset(zone, following) != _offset(zone, probe):
            switch = _transition(zone, probe, following)
            pieces.append((piece_start, switch, _offset(zone, piece_start)))
            piece_start = switch
        probe = following
    pieces.append((piece_start, end, _offset(zone, piece_start)))
    return tuple(pieces)


def _naive_utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(tzinfo=None)


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no time zone; pass an aware datetime")


@dataclass(frozen=True)
class Schedule:
    """Opening hours of one helpdesk (or of the central back-up, playbook 1.2.3.1)."""

    zone: ZoneInfo
    weekly: WeeklyHours
    holidays: HolidayCalendar | None
    exceptions: Mapping[date, tuple[TimeRange, ...]]

    def plan(self, day: date) -> DayPlan:
        """The hours of a local date: exception, else holiday hours if configured, else weekday."""
        holiday = self.holidays.name(day) if self.holidays is not None else None
        if day in self.exceptions:
            return DayPlan(day, tuple(sorted(self.exceptions[day])), "exception", holiday)
        if holiday is not None and self.weekly.holidays is not None:
            return DayPlan(day, self.weekly.holidays, "holiday", holiday)
        return DayPlan(day, self.weekly.days[day.weekday()], "weekday", holiday)

    def week(self, start: date, days: int = 7) -> list[DayPlan]:
        return [self.plan(start + timedelta(days=offset)) for offset in range(days)]

    def coming_holidays(self, start: date, count: int = 3) -> list[tuple[date, str]] | None:
        """The first ``count`` public holidays from ``start`` on, within a year; ``None`` when the
        schedule keeps no holiday calendar."""
        if self.holidays is None:
            return None
        return self.holidays.between(start, start + timedelta(days=365))[:count]

    def is_open(self, at: datetime) -> bool:
        """Whether a range of the local date contains the local wall-clock minute of ``at``."""
        _require_aware(at)
        local = at.astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        return any(item.contains(minute) for item in self.plan(local.date()).ranges)

    def next_opening(self, at: datetime) -> datetime | None:
        """The first instant from ``at`` on at which the helpdesk opens, in ``zone``.

        While open, that is the start of the next open period, not ``at`` itself. ``None`` when
        it does not open within 400 days.
        """
        _require_aware(at)
        moment = _naive_utc(at)
        # Periods are disjoint and never touch, so the one open at ``at`` starts at or before it.
        start = next((start for start, _ in self._periods(at) if start > moment), None)
        return None if start is None else self._local(start)

    def next_closing(self, at: datetime) -> datetime | None:
        """The instant at which the open period around ``at`` ends, in ``zone``.

        A range ending at 24:00 followed by one starting at 00:00 the next day is one period.
        When closed at ``at``, the end of the next open period. ``None`` when that period is still
        going on after 400 days, or when there is none.
        """
        _require_aware(at)
        moment = _naive_utc(at)
        end = next((end for _, end in self._periods(at) if end > moment), None)
        if end is None:
            return None
        closing = self._local(end)
        # Only a range of the last searched day ending at 24:00 ends on a later date; the period
        # may then go on.
        return None if closing.date() > self._last_day(at) else closing

    def _local(self, naive_utc: datetime) -> datetime:
        return naive_utc.replace(tzinfo=UTC).astimezone(self.zone)

    def _first_day(self, at: datetime) -> date:
        # From the day before: a period running on from it may contain ``at``.
        return at.astimezone(self.zone).date() - timedelta(days=1)

    def _last_day(self, at: datetime) -> date:
        return self._first_day(at) + timedelta(days=SEARCH_DAYS + 1)

    def _pieces(self, day: date) -> list[tuple[datetime, datetime, timedelta]]:
        return [
            (start.replace(tzinfo=None), end.replace(tzinfo=None), offset)
            for start, end, offset in _offset_pieces(self.zone, day)
        ]

    def _day_intervals(self, day: date) -> list[_Interval]:
        """Naive UTC intervals during which the wall clock of ``day`` is inside one of its ranges."""
        midnight = datetime.combine(day, time())
        ranges = self.plan(day).ranges
        found: list[_Interval] = []
        for piece_start, piece_end, offset in self._pieces(day):
            for item in ranges:
                start = max(piece_start, midnight + timedelta(minutes=item.start) - offset)
                end = min(piece_end, midnight + timedelta(minutes=item.end) - offset)
                if start < end:
                    found.append((start, end))
        return sorted(found)

    def _periods(self, at: datetime) -> Iterator[_Interval]:
        """Open periods (naive UTC, merged where one ends as the next starts) in order, from the
        day before ``at`` to the end of the search."""
        first = self._first_day(at)
        waiting: list[_Interval] = []
        current: _Interval | None = None
        for offset in range(SEARCH_DAYS + 2):
            day = first + timedelta(days=offset)
            for interval in self._day_intervals(day):
                heapq.heappush(waiting, interval)
            last = offset == SEARCH_DAYS + 1
            # Intervals of later dates start after this bound, so everything before it is final.
            settled = datetime.combine(day + timedelta(days=1), time()) - _MAX_AHEAD
            while waiting and (last or waiting[0][0] < settled):
                start, end = heapq.heappop(waiting)
                if current is not None and start <= current[1]:
                    current = (current[0], max(current[1], end))
                    continue
                if current is not None:
                    yield current
                current = (start, end)
        if current is not None:
            yield current
