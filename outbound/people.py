"""The people of a call list as ops hand them in, checked before anything is stored (playbook 1.5.2:
"welke lijst waar te vinden en hoe te volgen").

A list comes as JSON (one object per person) or as CSV with a header line ``number,reference``
(``reference`` optional; a spreadsheet's ``;`` works too). Every row is checked, and a list with
any bad row is refused whole, each bad row named with its problem, so that ops fix the file once
and nothing is ever half-imported. A number is read as a Belgian number when it has no country
code (``0470 12 34 56``) and stored in E.164 (``+32470123456``). Problems never repeat a number:
they name the row, which ops can look up in their own file.

Pure: no database, no clock.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import phonenumbers
from phonenumbers import NumberParseException, ValidationResult

from outbound.tables import Purpose

REGION: Final = "BE"
MAX_PEOPLE: Final = 5000
MAX_REFERENCE: Final = 40
MAX_LABEL: Final = 80
COLUMNS: Final = ("number", "reference")

_UNKNOWN_COUNTRY: Final = "the number has an unknown country code"
_TOO_SHORT: Final = "the number is too short"
_TOO_LONG: Final = "the number is too long"
_NOT_PARSED: Final = {
    NumberParseException.INVALID_COUNTRY_CODE: _UNKNOWN_COUNTRY,
    NumberParseException.TOO_SHORT_AFTER_IDD: _TOO_SHORT,
    NumberParseException.TOO_SHORT_NSN: _TOO_SHORT,
    NumberParseException.TOO_LONG: _TOO_LONG,
}
_NOT_POSSIBLE: Final = {
    ValidationResult.INVALID_COUNTRY_CODE: _UNKNOWN_COUNTRY,
    ValidationResult.TOO_SHORT: _TOO_SHORT,
    ValidationResult.TOO_LONG: _TOO_LONG,
}
# Characters that cannot be stored or spoken: control characters, lone surrogates.
_UNPRINTABLE: Final = frozenset({"Cc", "Cs"})


@dataclass(frozen=True, slots=True)
class Row:
    """One person as ops gave them.

    ``row`` says where, for the problems: in CSV the line of the file (the header is line 1, as a
    spreadsheet numbers its rows), in JSON the person's place in ``people`` counted from 1.
    ``surplus`` counts the filled CSV cells beyond the header's columns.
    """

    row: int
    number: str
    reference: str | None = None
    surplus: int = 0


@dataclass(frozen=True, slots=True)
class Person:
    """One person to call, checked: the number in E.164 and ops' reference."""

    number: str
    reference: str | None


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int
    problem: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.problem}"


@dataclass(frozen=True, slots=True)
class CheckedPeople:
    """The people in the given order, or the problems of the rows that are not right."""

    people: tuple[Person, ...]
    problems: tuple[RowProblem, ...]


class ListRefusedError(ValueError):
    """A list that cannot be imported: problems of the list (``problems``) and of its rows (``rows``)."""

    def __init__(self, problems: Iterable[str] = (), rows: Iterable[RowProblem] = ()) -> None:
        self.problems = tuple(problems)
        self.rows = tuple(rows)
        super().__init__("; ".join([*self.problems, *(str(row) for row in self.rows)]))


def read_csv(data: bytes) -> list[Row]:
    """The rows of a CSV file: UTF-8 (with or without the BOM a spreadsheet writes), a header line
    naming ``number`` and optionally ``reference``, separated by ``,`` or ``;``.

    Blank lines are skipped. Raises ``ListRefusedError`` when the file itself cannot be read (not
    UTF-8, no header, unknown columns); the rows are checked by ``check_people``.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problem = f"the file is not UTF-8 text (byte {exc.start + 1}); save it as CSV UTF-8"
        raise ListRefusedError([problem]) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next((cells for cells in reader if any(cell.strip() for cell in cells)), None)
        if header is None:
            raise ListRefusedError(["the file is empty: its first line must be the header number,reference"])
        where = _header(header, reader.line_num)
        rows: list[Row] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            number = cells[where["number"]] if where["number"] < len(cells) else ""
            reference: str | None = None
            if "reference" in where and where["reference"] < len(cells):
                reference = cells[where["reference"]]
            surplus = sum(1 for cell in cells[len(header) :] if cell.strip())
            rows.append(Row(reader.line_num, number, reference, surplus))
    except csv.Error as exc:
        raise ListRefusedError([f"line {reader.line_num}: not CSV ({exc})"]) from None
    return rows


def _header(cells: Sequence[str], line: int) -> dict[str, int]:
    names = [cell.strip().lower() for cell in cells]
    unknown = [name for name in names if name not in COLUMNS]
    if unknown or "number" not in names or len(set(names)) < len(names):
        given = ",".join(names)
        raise ListRefusedError(
            [f"line {line}: the header must be number,reference (reference may be left out), not {given}"]
        )
    return {name: index for index, name in enumerate(names)}


def check_people(rows: Sequence[Row]) -> CheckedPeople:
    """Check every row: a valid phone number (Belgian when written without country code), not
    twice on the list, a reference of at most 40 printable characters, no cells beyond the header.
    """
    people: list[Person] = []
    problems: list[RowProblem] = []
    first_row: dict[str, int] = {}
    for row in rows:
        number, problem = _e164(row.number)
        found = [problem] if problem is not None else []
        if number is not None:
            if number in first_row:
                found.append(f"the same number as row {first_row[number]}")
            else:
                first_row[number] = row.row
        reference = (row.reference or "").strip() or None
        if reference is not None:
            if len(reference) > MAX_REFERENCE:
                found.append(f"the reference has {len(reference)} characters; at most {MAX_REFERENCE}")
            elif not printable(reference):
                found.append("the reference holds a control character")
        if row.surplus:
            found.append(f"{row.surplus} value(s) beyond the header's columns")
        problems.extend(RowProblem(row.row, problem) for problem in found)
        if number is not None and not found:
            people.append(Person(number, reference))
    return CheckedPeople(tuple(people), tuple(problems))


def list_problems(
    helpdesk_id: str, known_helpdesks: Iterable[str], purpose: str, label: str, slots: int | None, people: int
) -> list[str]:
    """What is wrong with a list as a whole, beside its rows (empty when nothing is)."""
    problems: list[str] = []
    known = list(known_helpdesks)
    if helpdesk_id not in known:
        problems.append(f"helpdesk: unknown helpdesk {helpdesk_id!r}; known: {', '.join(known)}")
    if purpose not in set(Purpose):
        problems.append(f"purpose: {purpose!r} is not one of {', '.join(Purpose)}")
    stripped = label.strip()
    if not stripped or len(stripped) > MAX_LABEL:
        problems.append(f"label: give 1 to {MAX_LABEL} characters, spoken to the agent before each call")
    elif not printable(stripped):
        problems.append("label: holds a control character")
    if slots is not None and not 1 <= slots <= MAX_PEOPLE:
        problems.append(f"slots: from 1 to {MAX_PEOPLE}, or left out to call everyone once")
    if people == 0:
        problems.append("no people on the list")
    elif people > MAX_PEOPLE:
        problems.append(f"{people:,} people; a list holds at most {MAX_PEOPLE:,}")
    return problems


def printable(text: str) -> bool:
    """Whether ``text`` holds no control character and no lone surrogate."""
    return not any(unicodedata.category(char) in _UNPRINTABLE for char in text)


def _e164(raw: str) -> tuple[str | None, str | None]:
    """The number in E.164, or why it is not a phone number."""
    text = raw.strip()
    if not text:
        return None, "no number"
    try:
        parsed = phonenumbers.parse(text, REGION)
    except NumberParseException as exc:
        return None, _NOT_PARSED.get(exc.error_type, "not a phone number")
    if phonenumbers.is_valid_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), None
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    return None, _NOT_POSSIBLE.get(reason, "the number is not valid: check its digits")
