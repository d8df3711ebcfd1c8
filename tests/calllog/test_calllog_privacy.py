"""Caller numbers: hashed with a key, masked for display, purged after the retention period."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import String, Text, column, inspect, select, table
from sqlalchemy.orm import Session

from calllog import DEFAULT_RETENTION_DAYS, CallRecord, caller_fields, mask_number, purge_raw_numbers
from tests.calllog.conftest import KEY, Ev, answered, local, play, record, sid


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        pytest.param("+32470123456", "+32 4** ** ** 56", id="belgian-mobile"),
        pytest.param("+32471987612", "+32 4** ** ** 12", id="belgian-mobile-ending-12"),
        pytest.param("+3233100100", "+32 3 *** ** 00", id="belgian-landline"),
        pytest.param("+31612345678", "+31 6 ******78", id="dutch-mobile"),
        pytest.param("anonymous", "withheld", id="withheld"),
        pytest.param("client:agent-an", "withheld", id="client"),
        pytest.param("+266696687", "withheld", id="impossible-number"),
    ],
)
def test_numbers_are_masked(number: str, masked: str) -> None:
    assert mask_number(number) == masked


def test_the_hash_is_keyed() -> None:
    fields = caller_fields("+32470123456", KEY)
    assert fields.hash == hmac.new(KEY, b"+32470123456", hashlib.sha256).hexdigest()
    assert fields.hash != hashlib.sha256(b"+32470123456").hexdigest()
    assert caller_fields("+32470123456", b"another key").hash != fields.hash
    assert (fields.masked, fields.raw) == ("+32 4** ** ** 56", "+32470123456")


def test_a_withheld_number_has_no_hash() -> None:
    assert tuple(caller_fields("anonymous", KEY)) == (None, "withheld", None)


def test_repeat_callers_share_a_hash(session: Session) -> None:
    for number, caller in enumerate(["+32470123456", "+32470123456", "+32470999999"]):
        play(session, sid(number), "voorkempen", local("2026-12-02 10:00:00"), [], caller=caller)
    hashes = [record(session, sid(number)).caller_hash for number in range(3)]
    assert hashes[0] == hashes[1] != hashes[2]


RAW = ["+32470111111", "+32470222222", "+32470333333"]


def _text_columns_containing(session: Session, needles: list[str]) -> set[tuple[str, str, str]]:
    """Every (table, column, needle) where a text column of any table holds a needle."""
    found: set[tuple[str, str, str]] = set()
    inspector = inspect(session.connection())
    for name in inspector.get_table_names():
        texts = [c["name"] for c in inspector.get_columns(name) if isinstance(c["type"], String | Text)]
        for column_name in texts:
            values: Iterable[str | None] = session.execute(
                select(column(column_name)).select_from(table(name))
            ).scalars()
            for value in values:
                for needle in needles:
                    if value is not None and (needle in value or needle.removeprefix("+32") in value):
                        found.add((name, column_name, needle))
    return found


def test_purge_leaves_no_raw_number_anywhere(session: Session) -> None:
    now = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
    for number, caller in enumerate(RAW):
        events = [*answered(20, 40), Ev("error", 50, {"where": "talk"})]
        play(
            session,
            sid(number),
            "voorkempen",
            local("2026-11-20 10:00:00") + timedelta(days=number),
            events,
            caller=caller,
        )
    play(session, sid(9), "voorkempen", local("2026-12-30 10:00:00"), [], caller="+32470999999")
    before = _text_columns_containing(session, [*RAW, "+32470999999"])

    purged = purge_raw_numbers(session, now - timedelta(days=DEFAULT_RETENTION_DAYS))
    after_retention = _text_columns_containing(session, [*RAW, "+32470999999"])
    again = purge_raw_numbers(session, now - timedelta(days=DEFAULT_RETENTION_DAYS))
    everything = purge_raw_numbers(session, now)

    assert before == {("call_records", "caller_raw", number) for number in [*RAW, "+32470999999"]}
    # 1 December 12:00 UTC is the cutoff: the calls of 20, 21 and 22 November go.
    assert (purged, again, everything) == (3, 0, 1)
    assert after_retention == {("call_records", "caller_raw", "+32470999999")}
    assert _text_columns_containing(session, [*RAW, "+32470999999"]) == set()
    kept = session.execute(
        select(CallRecord.caller_hash, CallRecord.caller_masked).order_by(CallRecord.call_sid)
    ).all()
    assert [masked for _hash, masked in kept] == [
        "+32 4** ** ** 11",
        "+32 4** ** ** 22",
        "+32 4** ** ** 33",
        "+32 4** ** ** 99",
    ]
    assert all(len(hashed or "") == 64 for hashed, _masked in kept)


def test_purge_needs_an_aware_cutoff(session: Session) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        purge_raw_numbers(session, datetime(2026, 12, 1))  # noqa: DTZ001


def test_the_hash_needs_a_key() -> None:
    with pytest.raises(ValueError, match="non-empty secret key"):
        caller_fields("+32470123456", b"")
