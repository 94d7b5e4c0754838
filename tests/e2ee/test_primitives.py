"""Primitive wrappers: all-zero X25519 refused, lengths checked, errors typed."""

from __future__ import annotations

import pytest

from e2ee import DecodeError, DecryptError, InvalidKeyError, SignatureError
from e2ee import primitives as p

# Points of small order on Curve25519 (and their non-canonical encodings) give an all-zero
# shared secret for every private key.
LOW_ORDER = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
]


@pytest.mark.parametrize("point", LOW_ORDER)
def test_all_zero_x25519_rejected(point: str) -> None:
    with pytest.raises(InvalidKeyError):
        p.x25519(b"\x11" * 32, bytes.fromhex(point))


def test_all_zero_rejected_even_if_the_backend_returns_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Our own check must not depend on the library refusing (browsers differ)."""
    from cryptography.hazmat.primitives.asymmetric import x25519 as x

    class Fake:
        def exchange(self, _pub: object) -> bytes:
            return bytes(32)

    monkeypatch.setattr(x.X25519PrivateKey, "from_private_bytes", staticmethod(lambda _b: Fake()))
    monkeypatch.setattr(p, "X25519PrivateKey", x.X25519PrivateKey)
    with pytest.raises(InvalidKeyError):
        p.x25519(b"\x11" * 32, b"\x22" * 32)


def test_lengths_and_errors() -> None:
    with pytest.raises(DecodeError):
        p.x25519(b"\x11" * 31, b"\x09" + bytes(31))
    with pytest.raises(SignatureError):
        p.ed25519_verify(b"\x01" * 32, bytes(64), b"m")
    with pytest.raises(SignatureError):
        p.ed25519_verify(b"\x01" * 31, bytes(64), b"m")
    with pytest.raises(DecryptError):
        p.aead_decrypt(bytes(32), bytes(12), bytes(15), b"")
    with pytest.raises(DecodeError):
        p.aead_encrypt(bytes(32), bytes(8), b"x", b"")  # only 96-bit nonces
    with pytest.raises(InvalidKeyError):
        p.random_bytes(lambda n: b"short", 32)


def test_aead_output_is_ciphertext_then_full_tag() -> None:
    out = p.aead_encrypt(bytes(32), bytes(12), b"abc", b"ad")
    assert len(out) == 3 + 16
    assert p.aead_decrypt(bytes(32), bytes(12), out, b"ad") == b"abc"
    with pytest.raises(DecryptError):
        p.aead_decrypt(bytes(32), bytes(12), out, b"other ad")
