"""Caller numbers are personal data (PRODUCT.md "Metrics"): kept as a keyed hash for counting repeat
callers, shown masked, and kept in clear no longer than the retention period."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Final, NamedTuple

import phonenumbers
from sqlalchemy import update
from sqlalchemy.orm import Session

from calllog.tables import CallRecord

DEFAULT_RETENTION_DAYS: Final = 30
WITHHELD: Final = "withheld"


class Caller(NamedTuple):
    """What the call log keeps of a caller's number."""

    hash: str | None
    masked: str
    raw: str | None


def caller_fields(number: str, key: bytes) -> Caller:
    """Hash, mask and clear text of Twilio's ``From`` for the call log.

    Only a possible E.164 number is personal data worth hashing; anything else (a withheld
    number arrives as "anonymous", a SIP or client address) is recorded as withheld, so that all
    anonymous callers do not count as one repeat caller.
    """
    parsed = _parse(number)
    if parsed is None:
        return Caller(hash=None, masked=WITHHELD, raw=None)
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return Caller(hash=caller_hash(e164, key), masked=_masked(parsed), raw=e164)


def caller_hash(e164: str, key: bytes) -> str:
    """HMAC-SHA256 of the number: without the key a list of hashes cannot be reversed by trying
    every Belgian number, which a plain hash of a 9-digit number can."""
    if not key:
        raise ValueError("the caller hash needs a non-empty secret key")
    return hmac.new(key, e164.encode(), hashlib.sha256).hexdigest()


def mask_number(number: str) -> str:
    """The number in international format with only the country code, the first digit after it
    and the last two digits shown: ``+32470123456`` → ``+32 4** ** ** 12``."""
    parsed = _parse(number)
    return WITHHELD if parsed is None else _masked(parsed)


def _masked(parsed: phonenumbers.PhoneNumber) -> str:
    formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    prefix = f"+{parsed.country_code}"
    national = formatted.removeprefix(prefix)
    digits = sum(char.isdigit() for char in national)
    shown_tail = 2 if digits >= 4 else 0
    shown_head = 1 if digits >= 4 else 0
    masked: list[str] = []
    seen = 0
    for char in national:
        if char.isdigit():
            keep = seen < shown_head or seen >= digits - shown_tail
            masked.append(char if keep else "*")
            seen += 1
        else:
            masked.append(char)
    return (prefix + "".join(masked))[:32]


def _parse(number: str) -> phonenumbers.PhoneNumber | None:
    if not number.startswith("+"):
        return None
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_possible_number(parsed) else None


def purge_raw_numbers(session: Session, before: dt.datetime) -> int:
    """Forget the clear-text number of every call that arrived before ``before``.

    The hash and the masked form stay, so repeat callers and the call list keep working. Returns
    how many records lost their number.
    """
    if before.tzinfo is None:
        raise ValueError(f"naive datetime {before.isoformat()} refused: pass a timezone-aware datetime")
    result = session.execute(
        update(CallRecord)
        .where(CallRecord.arrived_at < before, CallRecord.caller_raw.is_not(None))
        .values(caller_raw=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
