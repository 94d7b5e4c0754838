"""Degenerate Ed25519 keys are refused; real keys pass."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from e2ee.identity import auth_message
from server.domain.ed25519_check import is_acceptable_public_key
from server.handlers.session import signature_ok as verify_auth

P = 2**255 - 19
# The small-order points (libsodium's blocklist), canonical encodings.
SMALL_ORDER = [
    bytes(32),
    bytes([1]) + bytes(31),
    bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    (P - 1).to_bytes(32, "little"),
]


def test_real_keys_pass() -> None:
    for _ in range(50):
        key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        assert is_acceptable_public_key(key)


def test_small_order_and_non_canonical_keys_fail() -> None:
    for point in SMALL_ORDER:
        assert not is_acceptable_public_key(point), point.hex()
        flipped = point[:31] + bytes([point[31] | 0x80])
        assert not is_acceptable_public_key(flipped), flipped.hex()
    assert not is_acceptable_public_key(P.to_bytes(32, "little"))  # y = p: non-canonical
    assert not is_acceptable_public_key((P + 1).to_bytes(32, "little"))
    assert not is_acceptable_public_key(bytes(31))


def test_forged_signature_for_the_identity_key_is_refused() -> None:
    identity = bytes([1]) + bytes(31)
    forged = identity + bytes(32)  # R = identity, S = 0: OpenSSL alone would accept it
    assert not verify_auth(identity, forged, b"c" * 32, b"s" * 32)
    real = Ed25519PrivateKey.generate()
    pub = real.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert verify_auth(pub, real.sign(auth_message(b"c" * 32, pub, b"s" * 32)), b"c" * 32,
                       b"s" * 32)
