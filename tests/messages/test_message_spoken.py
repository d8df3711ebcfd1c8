from __future__ import annotations

import pytest

from messages import (
    join_dutch,
    spoken_digits,
    spoken_minutes,
    spoken_outcome,
    spoken_phone_number,
    spoken_position,
)


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ((), ""),
        (("Herentals",), "Herentals"),
        (("Brecht", "Malle"), "Brecht en Malle"),
        (("Brecht", "Malle", "Zoersel"), "Brecht, Malle en Zoersel"),
        (("Brecht", "Malle", "Schilde", "Zoersel"), "Brecht, Malle, Schilde en Zoersel"),
    ],
    ids=["none", "one", "two", "three", "four"],
)
def test_join_dutch(items: tuple[str, ...], expected: str) -> None:
    assert join_dutch(items) == expected


def test_join_dutch_accepts_a_list() -> None:
    assert join_dutch(["Lier", "Nijlen"]) == "Lier en Nijlen"


@pytest.mark.parametrize(
    ("e164", "expected"),
    [
        ("+3227138700", "0 2, 7 1 3, 8 7, 0 0"),
        ("+3233100100", "0 3, 3 1 0, 0 1, 0 0"),
        ("+3214200200", "0 1 4, 2 0, 0 2, 0 0"),
        ("+32470123456", "0 4 7 0, 1 2, 3 4, 5 6"),
        ("+31201234567", "0 2 0, 1 2 3, 4 5 6 7"),
    ],
    ids=["central-brussels", "antwerp-zone", "herentals-zone", "mobile", "netherlands"],
)
def test_spoken_phone_number(e164: str, expected: str) -> None:
    assert spoken_phone_number(e164) == expected


@pytest.mark.parametrize(
    ("e164", "message"),
    [
        ("02 713 87 00", "'02 713 87 00' is not a phone number in E.164 form"),
        ("bel ons", "'bel ons' is not a phone number in E.164 form"),
        ("+3227", "'\\+3227' is not a possible phone number"),
    ],
    ids=["national-form", "not-a-number", "too-short"],
)
def test_spoken_phone_number_refuses(e164: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        spoken_phone_number(e164)


POSITIONS = [
    (1, "de eerste"),
    (2, "de tweede"),
    (3, "de derde"),
    (4, "de vierde"),
    (5, "de vijfde"),
    (6, "de zesde"),
    (7, "de zevende"),
    (8, "de achtste"),
    (9, "de negende"),
    (10, "de tiende"),
    (11, "de elfde"),
    (12, "de twaalfde"),
    (13, "de dertiende"),
    (19, "de negentiende"),
    (20, "de twintigste"),
    (21, "nummer 21"),
    (150, "nummer 150"),
]


@pytest.mark.parametrize(("position", "expected"), POSITIONS, ids=[f"p{p}" for p, _ in POSITIONS])
def test_spoken_position(position: int, expected: str) -> None:
    assert spoken_position(position) == expected


@pytest.mark.parametrize("position", [0, -1], ids=["zero", "negative"])
def test_spoken_position_counts_from_one(position: int) -> None:
    with pytest.raises(ValueError, match=f"^a place in the queue counts from 1, got {position}$"):
        spoken_position(position)


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(1, "1 minuut"), (2, "2 minuten"), (4, "4 minuten"), (15, "15 minuten")],
    ids=["one", "two", "four", "fifteen"],
)
def test_spoken_minutes(minutes: int, expected: str) -> None:
    assert spoken_minutes(minutes) == expected


def test_spoken_minutes_never_under_one() -> None:
    with pytest.raises(ValueError, match=r"^an estimate is at least 1 minute, got 0$"):
        spoken_minutes(0)


@pytest.mark.parametrize(
    ("digits", "expected"), [("56", "5 6"), ("00", "0 0"), ("7", "7")], ids=["two", "zeros", "one"]
)
def test_spoken_digits_one_by_one(digits: str, expected: str) -> None:
    assert spoken_digits(digits) == expected


@pytest.mark.parametrize(
    "digits", ["", "5a", "\u0665\u0666", "+3"], ids=["empty", "letter", "arabic-indic", "plus"]
)
def test_spoken_digits_are_ascii_digits(digits: str) -> None:
    with pytest.raises(ValueError, match="is not a run of digits"):
        spoken_digits(digits)


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("accepted", "aanvaard"),
        ("kept", "nu niet, maar blijft op de lijst"),
        ("do_not_call", "nooit meer bellen"),
        ("wrong_number", "verkeerd nummer"),
    ],
    ids=["accepted", "kept", "do-not-call", "wrong-number"],
)
def test_spoken_outcome(outcome: str, expected: str) -> None:
    assert spoken_outcome(outcome) == expected


def test_an_automatic_outcome_is_never_confirmed_as_keyed() -> None:
    with pytest.raises(ValueError, match=r"^no spoken form for the outcome 'busy'$"):
        spoken_outcome("busy")
