"""Sealing TOTP secrets for the store: AES-256-GCM under the staff key file's key.

    sealed = version (1 byte, 0x01) || nonce (12 bytes) || ciphertext + tag (secret + 16 bytes)
    associated data = b"iltapiiri/staff-totp/v1\\x00" || folded username (UTF-8)

The associated data binds a sealed secret to its account, so a store-only attacker cannot move
one account's secret onto another. The key never enters the store (docs/decisions.md).
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from server.clock import Random

SEAL_VERSION = 1
SEAL_KEY_BYTES = 32
NONCE_BYTES = 12
_AAD = b"iltapiiri/staff-totp/v1\x00"


class SealError(Exception):
    """A sealed secret did not open (wrong key file, altered, or moved to another account)."""

    def __repr__(self) -> str:
        return "SealError()"


def seal_totp(key: bytes, folded: str, secret: str, rng: Random) -> bytes:
    """Encrypt a base32 TOTP secret for the account `folded`."""
    nonce = rng.bytes(NONCE_BYTES)
    body = AESGCM(key).encrypt(nonce, secret.encode("ascii"), _AAD + folded.encode("utf-8"))
    return bytes([SEAL_VERSION]) + nonce + body


def open_totp(key: bytes, folded: str, sealed: bytes) -> str:
    """The base32 secret sealed for `folded`, or SealError."""
    if len(sealed) < 1 + NONCE_BYTES + 16 or sealed[0] != SEAL_VERSION:
        raise SealError()
    nonce, body = sealed[1:1 + NONCE_BYTES], sealed[1 + NONCE_BYTES:]
    try:
        plain = AESGCM(key).decrypt(nonce, body, _AAD + folded.encode("utf-8"))
    except InvalidTag:
        raise SealError() from None
    return plain.decode("ascii")
