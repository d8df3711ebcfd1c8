"""The webhook form parser and signature give exactly what parse_qsl and Twilio's validator give."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from ivr.signature import FormParams, compute_signature, form_pairs, is_valid

# Characters that matter to form encoding, and a few beyond ASCII.
ALPHABET = st.sampled_from([*"aZ09&=+%;.-_~ /?#\x00\x1f", "%2B", "%3D", "%26", "%zz", "%e2%82", "é", "€"])


@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_any_body_parses_as_parse_qsl_parses_it(body: str) -> None:
    assert form_pairs(body) == parse_qsl(body, keep_blank_values=True)


@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12)), max_size=8))
def test_encoded_forms_come_back_as_sent(fields: list[tuple[str, str]]) -> None:
    assert form_pairs(urlencode(fields)) == fields


def test_a_twilio_form() -> None:
    body = "CallSid=CA123&From=%2B32470123456&CalledCity=&Digits&CallerName=Jan+Peeters&x=a%3Db"
    assert form_pairs(body) == [
        ("CallSid", "CA123"),
        ("From", "+32470123456"),
        ("CalledCity", ""),
        ("Digits", ""),
        ("CallerName", "Jan Peeters"),
        ("x", "a=b"),
    ]


FIELDS = st.lists(
    st.tuples(st.sampled_from(["CallSid", "From", "To", "Digits", "é"]), st.text(max_size=8)), max_size=10
)


@given(st.text(max_size=30), FIELDS)
def test_the_signature_is_twilios(url: str, fields: list[tuple[str, str]]) -> None:
    validator = RequestValidator("12345678901234567890123456789012")
    form = FormParams(fields)
    expected = validator.compute_signature(url, form)
    assert compute_signature(validator.token, url, form) == expected
    assert is_valid(validator, url, form, expected)
    assert not is_valid(validator, url, form, expected[:-2] + "==")
