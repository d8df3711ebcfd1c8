"""Opening hours as operations staff write them in the configuration file.

Rules (product contract, "Configuration"): day keys ``mon`` … ``sun``, forward spans such as
``mon-fri``, and ``holidays``; a value is one range ``"09:00-16:00"``, a list of ranges, or
``closed``; a range includes its start and excludes its end, ``24:00`` may end a range, and ranges
may neither overlap nor cross midnight. The playbook (1.2.1) asks for at least 9-16 h on weekdays
and lunch breaks staggered between agents, which is why a day may hold several ranges.

Every error message names the offending text and says how to write it correctly, because the
people reading it edit YAML, not Python.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

MINUTES_PER_DAY: Final = 24 * 60
DAY_KEYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAYS: Final = "holidays"
CLOSED: Final = "closed"

_RANGE = re.compile(r"([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})")
_UNKNOWN_KEY = (
    'unknown day key "{key}"; use mon, tue, wed, thu, fri, sat, sun, a span like mon-fri, or holidays'
)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True, order=True)
class TimeRange:
    """Local wall-clock minutes since midnight; ``start`` included, ``end`` excluded.

    ``end`` may be 1440 ("24:00") so that a range can run up to midnight; a period that goes on
    after midnight is written as two ranges on consecutive days.
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise ValueError(
                f"a time range needs 0 <= start < end <= {MINUTES_PER_DAY} minutes, "
                f"got start={self.start} end={self.end}"
            )

    def contains(self, minute: int) -> bool:
        return self.start <= minute < self.end

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


def parse_day_key(key: str) -> tuple[int, ...] | Literal["holidays"]:
    """Weekday numbers (Monday = 0) for a day key, or ``"holidays"``.

    A span must run forward inside one week (Monday to Sunday): ``fri-mon`` is refused rather
    than guessed, since reading it as "Friday to Monday" or as a typo are both plausible.
    """
    if not isinstance(key, str):
        raise ValueError(_UNKNOWN_KEY.format(key=key))
    if key == HOLIDAYS:
        return HOLIDAYS
    if key in DAY_KEYS:
        return (DAY_KEYS.index(key),)
    first, dash, last = key.partition("-")
    if not dash or first not in DAY_KEYS or last not in DAY_KEYS:
        raise ValueError(_UNKNOWN_KEY.format(key=key))
    start, end = DAY_KEYS.index(first), DAY_KEYS.index(last)
    if start > end:
        head = first if first == "sun" else f"{first}-sun"
        tail = last if last == "mon" else f"mon-{last}"
        raise ValueError(f'day span "{key}" runs backwards; write it as "{head}" and "{tail}"')
    return tuple(range(start, end + 1))


def _parse_range(item: object) -> TimeRange:
    shown = f'"{item}"' if isinstance(item, str) else repr(item)
    malformed = ValueError(f'{shown} is not a range like "09:00-16:00"')
    if not isinstance(item, str):
        raise malformed
    match = _RANGE.fullmatch(item)
    if match is None:
        raise malformed
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    # 24:00 exists only as the end of a day, never as a start.
    if max(start_m, end_m) >= 60 or start >= MINUTES_PER_DAY or end > MINUTES_PER_DAY:
        raise malformed
    if start == end:
        raise ValueError(f"{shown} is empty; use closed")
    if end == 0:
        raise ValueError(f'{shown} ends at midnight; write it as "{_clock(start)}-24:00"')
    if start > end:
        raise ValueError(
            f"{shown} crosses midnight or ends before it starts; split it into "
            f'"{_clock(start)}-24:00" and "00:00-{_clock(end)}" on the next day'
        )
    return TimeRange(start, end)


def parse_day_hours(value: object) -> tuple[TimeRange, ...]:
    """The ranges of one day key's value, sorted by start; ``()`` for ``closed``.

    All problems of a list are reported at once, in list order, so that one round of edits can
    fix the whole day.
    """
    if value == CLOSED:
        return ()
    if isinstance(value, list | tuple):
        items: list[object] = list(value)
        if not items:
            raise ValueError("an empty list is not allowed; use closed")
    else:
        items = [value]
    problems: list[str] = []
    ranges: list[TimeRange] = []
    for item in items:
        try:
            parsed = _parse_range(item)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        problems.extend(
            f'ranges "{earlier}" and "{parsed}" overlap'
            for earlier in ranges
            if parsed.start < earlier.end and earlier.start < parsed.end
        )
        ranges.append(parsed)
    if problems:
        raise ValueError("; ".join(problems))
    return tuple(sorted(ranges))


@dataclass(frozen=True)
class WeeklyHours:
    """The regular week (Monday = 0) plus the hours on public holidays.

    ``holidays`` is ``None`` when the key was not given: a public holiday then keeps the hours of
    its weekday. ``()`` means closed, on a weekday as on holidays.
    """

    days: tuple[tuple[TimeRange, ...], ...]
    holidays: tuple[TimeRange, ...] | None

    def __post_init__(self) -> None:
        if len(self.days) != len(DAY_KEYS):
            raise ValueError(f"a week has {len(DAY_KEYS)} days, got {len(self.days)}")

    @classmethod
    def from_days(cls, mapping: Mapping[str, tuple[TimeRange, ...]]) -> WeeklyHours:
        """Build the week from validated day keys; days that are not listed are closed."""
        days: list[tuple[TimeRange, ...]] = [() for _ in DAY_KEYS]
        holidays: tuple[TimeRange, ...] | None = None
        given_in: dict[int, str] = {}
        problems: list[str] = []
        for key, ranges in mapping.items():
            parsed = parse_day_key(key)
            if parsed == HOLIDAYS:
                holidays = tuple(sorted(ranges))
                continue
            for day in parsed:
                if day in given_in:
                    problems.append(f'{DAY_KEYS[day]} is given twice (in "{given_in[day]}" and "{key}")')
                    continue
                given_in[day] = key
                days[day] = tuple(sorted(ranges))
        if problems:
            raise ValueError("; ".join(problems))
        return cls(days=tuple(days), holidays=holidays)
