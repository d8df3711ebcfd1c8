"""Belgian public holidays in Dutch, plus the closing days a helpdesk adds itself."""

from __future__ import annotations

import re
from datetime import date

import pytest

from schedules import HolidayCalendar
from schedules.public_holidays import _public_holidays

FLEMISH = HolidayCalendar(country="BE", subdivision="Flemish", language="nl", extra=frozenset())

BELGIUM_2026 = [
    (date(2026, 1, 1), "Nieuwjaar"),
    (date(2026, 4, 5), "Pasen"),
    (date(2026, 4, 6), "Paasmaandag"),
    (date(2026, 5, 1), "Dag van de Arbeid"),
    (date(2026, 5, 14), "O. L. H. Hemelvaart"),
    (date(2026, 5, 24), "Pinksteren"),
    (date(2026, 5, 25), "Pinkstermaandag"),
    (date(2026, 7, 21), "Nationale feestdag"),
    (date(2026, 8, 15), "O. L. V. Hemelvaart"),
    (date(2026, 11, 1), "Allerheiligen"),
    (date(2026, 11, 11), "Wapenstilstand"),
    (date(2026, 12, 25), "Kerstmis"),
]
BELGIUM_2027 = [
    (date(2027, 1, 1), "Nieuwjaar"),
    (date(2027, 3, 28), "Pasen"),
    (date(2027, 3, 29), "Paasmaandag"),
    (date(2027, 5, 1), "Dag van de Arbeid"),
    (date(2027, 5, 6), "O. L. H. Hemelvaart"),
    (date(2027, 5, 16), "Pinksteren"),
    (date(2027, 5, 17), "Pinkstermaandag"),
    (date(2027, 7, 21), "Nationale feestdag"),
    (date(2027, 8, 15), "O. L. V. Hemelvaart"),
    (date(2027, 11, 1), "Allerheiligen"),
    (date(2027, 11, 11), "Wapenstilstand"),
    (date(2027, 12, 25), "Kerstmis"),
]


def exactly(message: str) -> str:
    """A ``match`` pattern for the whole message, nothing more and nothing less."""
    return f"^{re.escape(message)}$"


@pytest.mark.parametrize(
    ("day", "name"),
    [pytest.param(day, name, id=f"{day}-{name}") for day, name in BELGIUM_2026 + BELGIUM_2027],
)
def test_holiday_name(day: date, name: str) -> None:
    assert FLEMISH.name(day) == name


@pytest.mark.parametrize(
    ("year", "expected"),
    [pytest.param(2026, BELGIUM_2026, id="2026"), pytest.param(2027, BELGIUM_2027, id="2027")],
)
def test_holidays_of_a_year(year: int, expected: list[tuple[date, str]]) -> None:
    assert FLEMISH.between(date(year, 1, 1), date(year, 12, 31)) == expected


@pytest.mark.parametrize(
    ("day", "name"),
    [
        pytest.param(date(2026, 7, 11), "extra sluitingsdag", id="extra-date"),
        pytest.param(date(2026, 7, 21), "Nationale feestdag", id="extra-on-public-holiday-keeps-its-name"),
        pytest.param(date(2026, 7, 10), None, id="ordinary-friday"),
        pytest.param(date(2027, 7, 11), None, id="extra-is-one-date-not-every-year"),
        pytest.param(date(2026, 12, 24), None, id="christmas-eve"),
    ],
)
def test_extra_dates(day: date, name: str | None) -> None:
    calendar = HolidayCalendar(
        country="BE",
        subdivision="Flemish",
        language="nl",
        extra=frozenset({date(2026, 7, 11), date(2026, 7, 21)}),
    )
    assert calendar.name(day) == name


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(
            date(2026, 7, 1),
            date(2026, 8, 15),
            [
                (date(2026, 7, 11), "extra sluitingsdag"),
                (date(2026, 7, 21), "Nationale feestdag"),
                (date(2026, 8, 15), "O. L. V. Hemelvaart"),
            ],
            id="inclusive-with-extra",
        ),
        pytest.param(
            date(2026, 12, 25),
            date(2027, 1, 1),
            [(date(2026, 12, 25), "Kerstmis"), (date(2027, 1, 1), "Nieuwjaar")],
            id="across-new-year",
        ),
        pytest.param(date(2026, 7, 12), date(2026, 7, 20), [], id="none"),
        pytest.param(date(2026, 12, 31), date(2026, 1, 1), [], id="end-before-start"),
    ],
)
def test_between(start: date, end: date, expected: list[tuple[date, str]]) -> None:
    calendar = HolidayCalendar(
        country="BE", subdivision="Flemish", language="nl", extra=frozenset({date(2026, 7, 11)})
    )
    assert calendar.between(start, end) == expected


@pytest.mark.parametrize(
    ("language", "name"),
    [
        pytest.param("nl", "Kerstmis", id="nl"),
        pytest.param("fr", "Noël", id="fr"),
        pytest.param("de", "Weihnachten", id="de"),
    ],
)
def test_language_is_passed_explicitly(language: str, name: str) -> None:
    calendar = HolidayCalendar(country="BE", subdivision=None, language=language, extra=frozenset())
    assert calendar.name(date(2026, 12, 25)) == name


@pytest.mark.parametrize(
    ("country", "subdivision", "language", "message"),
    [
        pytest.param("XX", None, "nl", 'unknown country "XX"', id="unknown-country"),
        pytest.param("be", None, "nl", 'unknown country "be"', id="lower-case-country"),
        pytest.param(
            "BE",
            "Foo",
            "nl",
            'unknown subdivision "Foo" for BE; use one of Flemish, French, German',
            id="unknown-subdivision",
        ),
        pytest.param(
            "AL",
            "Foo",
            "en_US",
            'unknown subdivision "Foo" for AL; AL has none, leave it out',
            id="no-subdivisions",
        ),
        pytest.param(
            "BE",
            "Flemish",
            "xx",
            'language "xx" is not available for BE; use one of de, en_US, fr, nl, uk',
            id="unknown-language",
        ),
    ],
)
def test_calendar_refused(country: str, subdivision: str | None, language: str, message: str) -> None:
    with pytest.raises(ValueError, match=exactly(message)):
        HolidayCalendar.check(country, subdivision, language)
    with pytest.raises(ValueError, match=exactly(message)):
        HolidayCalendar(country=country, subdivision=subdivision, language=language, extra=frozenset())


def test_a_year_is_computed_once() -> None:
    _public_holidays.cache_clear()
    for day in (date(2026, 1, 1), date(2026, 6, 1), date(2026, 12, 25), date(2026, 12, 31)):
        FLEMISH.name(day)
    FLEMISH.between(date(2026, 3, 1), date(2026, 9, 30))
    info = _public_holidays.cache_info()
    assert (info.misses, info.hits) == (1, 4)
