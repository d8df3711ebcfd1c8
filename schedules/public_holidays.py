"""Public holidays from the ``holidays`` package plus the closing days a site adds itself.

The playbook (1.2.3.1) opens the central back-up on "zon- en feestdagen" with weekend hours, so a
helpdesk needs to know which dates are public holidays. Country, subdivision and language are
always passed to ``holidays`` explicitly: left out, the package guesses the language from the
host's locale and silently falls back to English for an unknown one, so a name would depend on
the machine the service runs on.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Final

import holidays

EXTRA_CLOSING_DAY: Final = "extra sluitingsdag"


@functools.lru_cache(maxsize=512)
def _public_holidays(country: str, subdivision: str | None, language: str, year: int) -> Mapping[date, str]:
    # One computation per calendar and year: the call flow asks on every incoming call.
    found = holidays.country_holidays(country, subdiv=subdivision, years=year, language=language)
    return MappingProxyType(dict(found.items()))


@dataclass(frozen=True)
class HolidayCalendar:
    """Public holidays of ``country`` (and ``subdivision``), named in ``language``, plus ``extra``.

    A date that is both a public holiday and an extra date keeps its public name.
    """

    country: str
    subdivision: str | None
    language: str
    extra: frozenset[date]

    def __post_init__(self) -> None:
        self.check(self.country, self.subdivision, self.language)

    @staticmethod
    def check(country: str, subdivision: str | None, language: str) -> None:
        """Refuse a country, subdivision or language that the ``holidays`` package does not know."""
        supported = holidays.list_supported_countries()
        if country not in supported:
            raise ValueError(f'unknown country "{country}"')
        if subdivision is not None:
            codes = list(supported[country])
            entity = type(holidays.country_holidays(country, subdiv=None, years=(), language=None))
            if subdivision not in codes and subdivision not in entity.subdivisions_aliases:
                if not codes:
                    raise ValueError(
                        f'unknown subdivision "{subdivision}" for {country}; {country} has none, leave it out'
                    )
                raise ValueError(
                    f'unknown subdivision "{subdivision}" for {country}; use one of {", ".join(codes)}'
                )
        languages = sorted(holidays.list_localized_countries().get(country, ()))
        # A country without translations names its holidays in one language only; any value is
        # then equally (in)correct and refusing it would only block the file.
        if languages and language not in languages:
            raise ValueError(
                f'language "{language}" is not available for {country}; use one of {", ".join(languages)}'
            )

    def name(self, day: date) -> str | None:
        """The holiday's name on ``day``, ``"extra sluitingsdag"`` for an extra date, else ``None``."""
        public = _public_holidays(self.country, self.subdivision, self.language, day.year).get(day)
        if public is not None:
            return public
        return EXTRA_CLOSING_DAY if day in self.extra else None

    def between(self, start: date, end: date) -> list[tuple[date, str]]:
        """Every holiday from ``start`` to ``end`` inclusive, sorted by date."""
        found: dict[date, str] = {}
        for year in range(start.year, end.year + 1):
            for day, name in _public_holidays(self.country, self.subdivision, self.language, year).items():
                if start <= day <= end:
                    found[day] = name
        for day in self.extra:
            if start <= day <= end:
                found.setdefault(day, EXTRA_CLOSING_DAY)
        return sorted(found.items())
