from __future__ import annotations

import pytest

from messages import join_dutch, spoken_phone_number


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
