"""Hashcash-style proof of work for sign-in: a new identity costs CPU time (issue 8, finding 8).

The server's `hello` gives a challenge and a difficulty `bits`; the client finds a nonce so that

    SHA-256("iltapiiri/pow/v1\\0" || challenge(32) || identity_key(32) || nonce(u64 BE))

starts with `bits` zero bits, and sends it with `auth`. Checking costs one hash; solving costs
2^bits hashes on average. The identity key is inside, so one solution serves one key and one
challenge only. Pure: no clock, no randomness (the search simply counts up from `start`).
"""

from __future__ import annotations

import hashlib

from .errors import DecodeError

POW_LABEL = b"iltapiiri/pow/v1\x00"
MAX_POW_BITS = 32
MAX_NONCE = 2**53 - 1  # a JSON number every client (JavaScript included) holds exactly


def pow_input(challenge: bytes, identity_key: bytes, nonce: int) -> bytes:
    """The hashed bytes for one nonce."""
    if not 0 <= nonce <= MAX_NONCE:
        raise DecodeError("nonce out of range")
    return POW_LABEL + challenge + identity_key + nonce.to_bytes(8, "big")


def leading_zero_bits(digest: bytes) -> int:
    """How many zero bits open `digest`."""
    value = int.from_bytes(digest, "big")
    return len(digest) * 8 - value.bit_length()


def check(challenge: bytes, identity_key: bytes, nonce: int, bits: int) -> bool:
    """True if `nonce` solves the challenge at difficulty `bits` (0 always passes)."""
    if bits <= 0:
        return True
    if not 0 <= nonce <= MAX_NONCE:
        return False
    digest = hashlib.sha256(pow_input(challenge, identity_key, nonce)).digest()
    return leading_zero_bits(digest) >= bits


def solve(challenge: bytes, identity_key: bytes, bits: int, start: int = 0) -> int:
    """The first nonce from `start` that solves the challenge (2^bits hashes on average)."""
    if not 0 <= bits <= MAX_POW_BITS:
        raise DecodeError(f"difficulty must be 0..{MAX_POW_BITS} bits")
    if bits == 0:
        return start
    prefix = hashlib.sha256(POW_LABEL + challenge + identity_key)
    nonce = start
    while nonce <= MAX_NONCE:
        h = prefix.copy()
        h.update(nonce.to_bytes(8, "big"))
        if leading_zero_bits(h.digest()) >= bits:
            return nonce
        nonce += 1
    raise DecodeError("no nonce found")  # pragma: no cover (2^53 tries)
