"""Sign-in proof of work (e2ee/pow.py): checked against hashlib directly and a fixed vector."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from e2ee.errors import DecodeError
from e2ee.pow import MAX_NONCE, check, leading_zero_bits, pow_input, solve

VECTOR = Path(__file__).resolve().parents[1] / "vectors" / "iltapiiri_pow.json"


def test_leading_zero_bits() -> None:
    assert leading_zero_bits(b"\x00\x00\x01") == 23
    assert leading_zero_bits(b"\x80") == 0
    assert leading_zero_bits(b"\x00\x0f") == 12
    assert leading_zero_bits(bytes(4)) == 32


def test_solve_finds_the_first_solution_and_check_agrees() -> None:
    challenge, key = bytes(range(32)), bytes(range(32, 64))
    nonce = solve(challenge, key, 10)
    digest = hashlib.sha256(b"iltapiiri/pow/v1\x00" + challenge + key
                            + nonce.to_bytes(8, "big")).digest()
    assert leading_zero_bits(digest) >= 10
    assert check(challenge, key, nonce, 10)
    assert all(not check(challenge, key, n, 10) for n in range(nonce))


def test_bounds() -> None:
    assert check(b"c" * 32, b"k" * 32, 12345, 0)
    assert not check(b"c" * 32, b"k" * 32, -1, 4)
    assert not check(b"c" * 32, b"k" * 32, MAX_NONCE + 1, 4)
    with pytest.raises(DecodeError):
        pow_input(b"c" * 32, b"k" * 32, MAX_NONCE + 1)
    with pytest.raises(DecodeError):
        solve(b"c" * 32, b"k" * 32, 33)


def test_vector() -> None:
    v = json.loads(VECTOR.read_text(encoding="utf-8"))
    challenge, key = bytes.fromhex(v["challenge"]), bytes.fromhex(v["identity_key"])
    assert solve(challenge, key, v["bits"]) == v["nonce"]
    assert check(challenge, key, v["nonce"], v["bits"])
