"""The people of a call list as ops hand them in: CSV reading and every row's checks, no database."""

from __future__ import annotations

import pytest

from outbound.people import (
    MAX_PEOPLE,
    CheckedPeople,
    ListRefusedError,
    Person,
    Row,
    RowProblem,
    check_people,
    list_problems,
    read_csv,
)

HELPDESKS = ("voorkempen", "kempen-zuid")


@pytest.mark.parametrize(
    ("data", "rows"),
    [
        (
            b"number,reference\n0470 12 34 56,R-1\n+32 3 310 01 00,\n",
            [Row(2, "0470 12 34 56", "R-1"), Row(3, "+32 3 310 01 00", "")],
        ),
        (b"number\r\n0470123456\r\n", [Row(2, "0470123456")]),
        (b"reference,number\nR-9,0470123456\n", [Row(2, "0470123456", "R-9")]),
        # What a Belgian spreadsheet saves: a BOM, semicolons, a capital, blank lines and cells.
        (
            "\ufeffNumber;Reference\n\n0470123456;R-1\n;\n0471 22 33 44;\n".encode(),
            [Row(3, "0470123456", "R-1"), Row(5, "0471 22 33 44", "")],
        ),
        (b'number,reference\n"0470 12 34 56","a, b"\n', [Row(2, "0470 12 34 56", "a, b")]),
        (b"number,reference\n0470123456\n", [Row(2, "0470123456", None)]),
        (b"number,reference\n0470123456,R-1,,\n", [Row(2, "0470123456", "R-1")]),
        (b"number,reference\n0470123456,R-1,extra,more\n", [Row(2, "0470123456", "R-1", surplus=2)]),
        (b"number,reference\n", []),
    ],
    ids=[
        "comma",
        "number-only-crlf",
        "columns-swapped",
        "spreadsheet-semicolons",
        "quoted",
        "short-row",
        "trailing-empty-cells",
        "surplus-cells",
        "header-only",
    ],
)
def test_csv_rows(data: bytes, rows: list[Row]) -> None:
    assert read_csv(data) == rows


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the file is empty: its first line must be the header number,reference"),
        (b"\n \n", "the file is empty: its first line must be the header number,reference"),
        (
            b"0470123456,R-1\n",
            "line 1: the header must be number,reference (reference may be left out), not 0470123456,r-1",
        ),
        (
            b"number,name\n0470123456,Jan\n",
            "line 1: the header must be number,reference (reference may be left out), not number,name",
        ),
        (
            b"number,number\n",
            "line 1: the header must be number,reference (reference may be left out), not number,number",
        ),
        (b"number\n\xff0470\n", "the file is not UTF-8 text (byte 8); save it as CSV UTF-8"),
        (b'number\n"0470\n', "line 2: not CSV (unexpected end of data)"),
    ],
    ids=["empty", "blank", "no-header", "unknown-column", "twice", "not-utf8", "open-quote"],
)
def test_unreadable_csv_is_refused(data: bytes, problem: str) -> None:
    with pytest.raises(ListRefusedError) as refused:
        read_csv(data)
    assert (refused.value.problems, refused.value.rows) == ((problem,), ())


@pytest.mark.parametrize(
    ("row", "person"),
    [
        (Row(1, "0470 12 34 56"), Person("+32470123456", None)),
        (Row(1, "+32470123456", " R-1 "), Person("+32470123456", "R-1")),
        (Row(1, "0032 3 310 01 00", ""), Person("+3233100100", None)),
        (Row(1, "470123456"), Person("+32470123456", None)),  # a spreadsheet dropped the 0
        (Row(1, "+31 6 12345678"), Person("+31612345678", None)),
        (Row(1, "03/310.01.00"), Person("+3233100100", None)),
        (Row(1, "+32470123456", "x" * 40), Person("+32470123456", "x" * 40)),
    ],
    ids=["mobile", "e164", "00-prefix", "no-leading-zero", "dutch", "punctuation", "reference-40"],
)
def test_good_rows(row: Row, person: Person) -> None:
    assert check_people([row]) == CheckedPeople((person,), ())


@pytest.mark.parametrize(
    ("row", "problems"),
    [
        (Row(4, ""), ["no number"]),
        (Row(4, "  "), ["no number"]),
        (Row(4, "Jan Peeters"), ["not a phone number"]),
        (Row(4, "0470 12 3"), ["the number is too short"]),
        (Row(4, "+32 1"), ["the number is too short"]),
        (Row(4, "0470 12 34"), ["the number is not valid: check its digits"]),
        (Row(4, "0470 12 34 56 78 90 12"), ["the number is too long"]),
        (Row(4, "+999 470123456"), ["the number has an unknown country code"]),
        (Row(4, "+32 470 12 34 56 7"), ["the number is too long"]),
        (Row(4, "x" * 300), ["the number is too long"]),
        (Row(4, "0470123456", "x" * 41), ["the reference has 41 characters; at most 40"]),
        (Row(4, "0470123456", "R\x001"), ["the reference holds a control character"]),
        (Row(4, "0470123456", "R-1", surplus=1), ["1 value(s) beyond the header's columns"]),
        (
            Row(4, "x", "x" * 50, surplus=2),
            [
                "not a phone number",
                "the reference has 50 characters; at most 40",
                "2 value(s) beyond the header's columns",
            ],
        ),
    ],
    ids=[
        "empty",
        "blank",
        "words",
        "too-short",
        "too-short-after-country-code",
        "digit-missing",
        "too-long",
        "unknown-country",
        "digit-too-many",
        "far-too-long",
        "reference-41",
        "control-character",
        "surplus",
        "everything",
    ],
)
def test_bad_rows(row: Row, problems: list[str]) -> None:
    assert check_people([row]) == CheckedPeople((), tuple(RowProblem(4, problem) for problem in problems))


def test_every_bad_row_is_named_and_duplicates_say_which_row_came_first() -> None:
    rows = [
        Row(2, "0470 12 34 56", "A"),
        Row(3, "03 310 01 00", "B"),
        Row(4, "+32470123456", "C"),
        Row(5, "nope"),
        Row(6, "0032 470 12 34 56"),
        Row(7, "0471 00 00 00"),
    ]
    checked = check_people(rows)
    assert [str(problem) for problem in checked.problems] == [
        "row 4: the same number as row 2",
        "row 5: not a phone number",
        "row 6: the same number as row 2",
    ]
    assert checked.people == (
        Person("+32470123456", "A"),
        Person("+3233100100", "B"),
        Person("+32471000000", None),
    )


def test_no_problem_repeats_a_number() -> None:
    rows = [Row(2, "0470123456"), Row(3, "0470123456"), Row(4, "0470 12 34"), Row(5, "+999470123456")]
    for problem in check_people(rows).problems:
        assert not any(digits in problem.problem for digits in ("470", "0470", "12 34"))


@pytest.mark.parametrize(
    ("helpdesk", "purpose", "label", "slots", "people", "problems"),
    [
        ("voorkempen", "reserve", "reservelijst dinsdag 14 uur", 1, 6, []),
        ("voorkempen", "volunteers", "x" * 80, None, MAX_PEOPLE, []),
        (
            "nergens",
            "reserve",
            "x",
            None,
            1,
            ["helpdesk: unknown helpdesk 'nergens'; known: voorkempen, kempen-zuid"],
        ),
        (
            "voorkempen",
            "party",
            "x",
            None,
            1,
            ["purpose: 'party' is not one of reserve, reschedule, volunteers"],
        ),
        (
            "voorkempen",
            "reserve",
            " ",
            None,
            1,
            ["label: give 1 to 80 characters, spoken to the agent before each call"],
        ),
        (
            "voorkempen",
            "reserve",
            "x" * 81,
            None,
            1,
            ["label: give 1 to 80 characters, spoken to the agent before each call"],
        ),
        ("voorkempen", "reserve", "a\nb", None, 1, ["label: holds a control character"]),
        ("voorkempen", "reserve", "x", 0, 1, ["slots: from 1 to 5000, or left out to call everyone once"]),
        ("voorkempen", "reserve", "x", None, 0, ["no people on the list"]),
        ("voorkempen", "reserve", "x", None, 5001, ["5,001 people; a list holds at most 5,000"]),
    ],
    ids=[
        "good",
        "largest",
        "unknown-helpdesk",
        "unknown-purpose",
        "blank-label",
        "long-label",
        "control-in-label",
        "no-slots",
        "empty",
        "too-many",
    ],
)
def test_list_problems(
    helpdesk: str, purpose: str, label: str, slots: int | None, people: int, problems: list[str]
) -> None:
    assert list_problems(helpdesk, HELPDESKS, purpose, label, slots, people) == problems


def test_the_refusal_says_everything_in_one_line() -> None:
    refused = ListRefusedError(["no people on the list"], [RowProblem(3, "no number")])
    assert str(refused) == "no people on the list; row 3: no number"
