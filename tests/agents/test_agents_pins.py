"""PIN hashing: scrypt with a salt per hash, in a self-describing string; formats of PINs and codes."""

from __future__ import annotations

import base64
import hashlib

import pytest

from agents import hash_pin, is_valid_code, is_valid_pin, verify_pin


def test_a_pin_verifies_against_its_own_hash() -> None:
    assert verify_pin("482913", hash_pin("482913")) is True


def test_a_wrong_pin_does_not_verify() -> None:
    stored = hash_pin("482913")

    assert [verify_pin(pin, stored) for pin in ("482914", "48291", "4829130", "")] == [False] * 4


def test_the_stored_form_names_scrypt_and_its_parameters() -> None:
    scheme, n, r, p, salt, key = hash_pin("482913").split("$")

    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert (len(base64.b64decode(salt)), len(base64.b64decode(key))) == (16, 32)
    assert base64.b64decode(key) == hashlib.scrypt(
        b"482913", salt=base64.b64decode(salt), n=16384, r=8, p=1, dklen=32
    )


def test_the_same_pin_hashes_differently_every_time() -> None:
    first, second = hash_pin("482913"), hash_pin("482913")

    assert first != second
    assert first.split("$")[4] != second.split("$")[4]
    assert (verify_pin("482913", first), verify_pin("482913", second)) == (True, True)


def test_hashes_with_other_parameters_still_verify() -> None:
    # Raising the cost later must not lock out the agents whose PIN was stored before.
    salt = b"0123456789abcdef"
    key = hashlib.scrypt(b"482913", salt=salt, n=1024, r=4, p=2, dklen=32)
    stored = f"scrypt$1024$4$2${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"

    assert (verify_pin("482913", stored), verify_pin("482914", stored)) == (True, False)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "482913",
        "bcrypt$16384$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$AAAA",
        "scrypt$16384$8$1$MDEyMzQ1Njc4OWFiY2RlZg==",
        "scrypt$sixteen$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$AAAA",
        "scrypt$1000$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$AAAA",
        "scrypt$1073741824$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$AAAA",
        "scrypt$16384$8$1$not base64!$AAAA",
        "scrypt$16384$8$1$$AAAA",
    ],
    ids=[
        "empty",
        "plain-pin",
        "other-scheme",
        "missing-key",
        "n-not-a-number",
        "n-not-a-power-of-two",
        "n-absurdly-large",
        "salt-not-base64",
        "empty-salt",
    ],
)
def test_a_malformed_stored_hash_matches_nothing(stored: str) -> None:
    assert verify_pin("482913", stored) is False


@pytest.mark.parametrize(
    ("pin", "valid"),
    [
        ("1234", True),
        ("12345678", True),
        ("123", False),
        ("123456789", False),
        ("12a4", False),
        (" 1234", False),
        ("1234\n", False),
        ("١٢٣٤", False),
        ("", False),
    ],
    ids=["four", "eight", "three", "nine", "letter", "blank", "newline", "arabic-digits", "empty"],
)
def test_pin_format(pin: str, valid: bool) -> None:
    assert is_valid_pin(pin) is valid


@pytest.mark.parametrize(
    ("code", "valid"),
    [("101", True), ("12345678", True), ("12", False), ("123456789", False), ("10a", False), ("", False)],
    ids=["three", "eight", "two", "nine", "letter", "empty"],
)
def test_code_format(code: str, valid: bool) -> None:
    assert is_valid_code(code) is valid
