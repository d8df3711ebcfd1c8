"""Agent PINs: only a slow salted hash is ever stored (PRODUCT.md "Agent line").

Agents log in on the agent line by typing their code and their PIN on the phone keypad
(playbook 1.2.2: agents often work from home), so a PIN is short: 4 to 8 digits. A short PIN is
only safe against a stolen database when every guess is expensive, hence scrypt with a random
salt per agent, and against guessing on the line itself through the lockout in
``agents.lockouts``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from functools import cache
from typing import Final

PIN_PATTERN: Final = re.compile(r"[0-9]{4,8}")
CODE_PATTERN: Final = re.compile(r"[0-9]{3,8}")

_SCHEME: Final = "scrypt"
_N: Final = 2**14
_R: Final = 8
_P: Final = 1
_SALT_BYTES: Final = 16
_KEY_BYTES: Final = 32
# Refuse parameters far beyond ours in a stored hash, so a corrupt row cannot make one login
# allocate gigabytes.
_MAX_N: Final = 2**20
_MAXMEM: Final = 256 * 1024 * 1024


def is_valid_pin(pin: str) -> bool:
    """A PIN is 4 to 8 keypad digits (ASCII only: a keypad sends nothing else)."""
    return PIN_PATTERN.fullmatch(pin) is not None


def is_valid_code(code: str) -> bool:
    """An agent's login code is 3 to 8 keypad digits."""
    return CODE_PATTERN.fullmatch(code) is not None


def hash_pin(pin: str) -> str:
    """The stored form of ``pin``: ``scrypt$16384$8$1$<salt b64>$<key b64>``.

    The string names its own parameters, so they can be raised later without invalidating the
    PINs already stored.
    """
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _derive(pin, salt, _N, _R, _P, _KEY_BYTES)
    return "$".join((_SCHEME, str(_N), str(_R), str(_P), _b64(salt), _b64(key)))


def verify_pin(pin: str, stored: str) -> bool:
    """Whether ``pin`` matches the stored hash; a malformed stored value matches nothing."""
    parsed = _parse(stored)
    if parsed is None:
        return False
    n, r, p, salt, key = parsed
    return hmac.compare_digest(_derive(pin, salt, n, r, p, len(key)), key)


def dummy_hash() -> str:
    """A valid hash of no PIN anybody has, to spend the same time on an unknown code."""
    return _dummy()


@cache
def _dummy() -> str:
    return hash_pin(secrets.token_hex(8))


def _derive(pin: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=length)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != _SCHEME:
        return None
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.b64decode(parts[4], validate=True)
        key = base64.b64decode(parts[5], validate=True)
    except ValueError:  # binascii.Error is one
        return None
    if not (1 < n <= _MAX_N and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16 and salt and key):
        return None
    return n, r, p, salt, key
