"""Review: docs/crypto.md §1 says wire base64 decoders are strict (RFC 4648 §4 with padding).

``b64d`` used ``base64.b64decode(validate=True)``, which checks the alphabet and padding but not
the unused low bits of the last character, so several strings decoded to the same bytes
(``"QR=="`` and ``"QQ=="`` are both ``b"A"``). RFC 4648 §3.5 lets a decoder reject such
non-canonical input, and a port that does (or compares the b64 text, as membership signing does
with identity keys) would then disagree with Python on the same bytes. Strict means canonical.
"""

from __future__ import annotations

import pytest

from e2ee.encoding import b64d, b64e
from e2ee.errors import DecodeError


@pytest.mark.parametrize("text", ["QR==", "QUJ=", "QUJD\n", " QUJD", "QUJ", "QQ"])
def test_non_canonical_or_unpadded_base64_is_refused(text: str) -> None:
    with pytest.raises(DecodeError):
        b64d(text, "field")


@pytest.mark.parametrize("data", [b"", b"A", b"AB", b"ABC", bytes(range(256))])
def test_canonical_base64_round_trips(data: bytes) -> None:
    assert b64d(b64e(data), "field") == data
