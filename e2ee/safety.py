"""Safety numbers: a 60-digit comparable fingerprint of two identities (Signal style).

Per identity key ``k``: ``d = SHA-512("iltapiiri/safety/v1\\0" || k)`` then 5199 times
``d = SHA-512(d || k)`` (5200 hashes, ``SAFETY_ITERATIONS``). The first 30 bytes of ``d`` are six
5-byte big-endian integers, each ``mod 100000`` written as 5 digits: 30 digits per identity.
The safety number is the two 30-digit strings sorted and concatenated, so both sides see the same.
"""

from __future__ import annotations

from . import primitives as p
from .errors import DecodeError
from .limits import SAFETY_ITERATIONS

SAFETY_LABEL = b"iltapiiri/safety/v1\x00"


def fingerprint_digits(identity_key: bytes) -> str:
    """30 decimal digits for one identity key."""
    if len(identity_key) != 32:
        raise DecodeError("identity key must be 32 bytes")
    d = p.sha512(SAFETY_LABEL + identity_key)
    for _ in range(SAFETY_ITERATIONS - 1):
        d = p.sha512(d + identity_key)
    return "".join(
        f"{int.from_bytes(d[i : i + 5], 'big') % 100000:05d}" for i in range(0, 30, 5)
    )


def safety_number(key_a: bytes, key_b: bytes) -> str:
    """60 digits, the same whichever order the two identity keys are given."""
    return "".join(sorted((fingerprint_digits(key_a), fingerprint_digits(key_b))))


def format_safety_number(number: str) -> str:
    """``"12345 67890 ..."``: 12 groups of 5 digits."""
    return " ".join(number[i : i + 5] for i in range(0, len(number), 5))
