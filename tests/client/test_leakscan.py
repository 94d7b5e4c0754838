"""The canary search finds a secret however it is embedded, and nothing when it is absent."""

from __future__ import annotations

import base64
import binascii
import os

import pytest

from tests.client.leakscan import find

SECRET = b"the quiet canary sings at 42 past nine o'clock"


@pytest.mark.parametrize("offset", range(6))
@pytest.mark.parametrize(
    "encode",
    [
        lambda b: b,
        binascii.hexlify,
        lambda b: binascii.hexlify(b).upper(),
        base64.b64encode,
        base64.urlsafe_b64encode,
    ],
)
def test_secret_is_found_at_any_offset_and_encoding(offset, encode) -> None:
    blob = encode(os.urandom(offset) + SECRET + os.urandom(7))
    assert find(SECRET, [("blob", b"prefix " + blob + b" suffix")])


def test_absent_secret_is_not_found() -> None:
    blob = base64.b64encode(os.urandom(500)) + binascii.hexlify(os.urandom(500))
    assert find(SECRET, [("blob", blob)]) == []
