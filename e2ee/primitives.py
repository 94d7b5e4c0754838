"""Thin wrappers over the audited primitives of ``cryptography``.

Only X25519, Ed25519, HKDF-SHA256, HMAC-SHA256, AES-256-GCM and SHA-256/512: the set browser
WebCrypto also offers. Keys cross this boundary as raw bytes so state serialises trivially.
"""

from __future__ import annotations

import hashlib
import hmac as _hmac
import os
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import DecodeError, DecryptError, InvalidKeyError, SignatureError

Rng = Callable[[int], bytes]
"""A source of uniformly random bytes: ``rng(n)`` returns exactly n bytes."""

default_rng: Rng = os.urandom
"""The platform CSPRNG; only the outermost layer (the client) should pass it."""

KEY_LEN = 32
SIG_LEN = 64
NONCE_LEN = 12
TAG_LEN = 16
_ZERO32 = bytes(32)


def random_bytes(rng: Rng, n: int) -> bytes:
    """Draw ``n`` bytes from ``rng`` and check the length (a short read would be fatal)."""
    out = rng(n)
    if not isinstance(out, bytes | bytearray) or len(out) != n:
        raise InvalidKeyError("rng returned the wrong number of bytes")
    return bytes(out)


def _check_len(data: bytes, n: int, what: str) -> None:
    if len(data) != n:
        raise DecodeError(f"{what} must be {n} bytes, got {len(data)}")


# --- X25519 ---------------------------------------------------------------------------------


def x25519_public(private: bytes) -> bytes:
    """Public key for a 32-byte X25519 private key."""
    _check_len(private, KEY_LEN, "X25519 private key")
    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()


def x25519(private: bytes, public: bytes) -> bytes:
    """X25519 shared secret; refuses the all-zero output (low-order public keys)."""
    _check_len(private, KEY_LEN, "X25519 private key")
    _check_len(public, KEY_LEN, "X25519 public key")
    try:
        out = X25519PrivateKey.from_private_bytes(private).exchange(
            X25519PublicKey.from_public_bytes(public)
        )
    except ValueError as exc:  # cryptography itself refuses some all-zero results
        raise InvalidKeyError("X25519 produced the all-zero shared secret") from exc
    # Checked again ourselves: not every backend (or browser) refuses it.
    if _hmac.compare_digest(out, _ZERO32):
        raise InvalidKeyError("X25519 produced the all-zero shared secret")
    return out


# --- Ed25519 --------------------------------------------------------------------------------


def ed25519_public(seed: bytes) -> bytes:
    """Public key for a 32-byte Ed25519 private seed."""
    _check_len(seed, KEY_LEN, "Ed25519 seed")
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


def ed25519_sign(seed: bytes, message: bytes) -> bytes:
    """Ed25519 signature (64 bytes) of ``message`` with a 32-byte private seed."""
    _check_len(seed, KEY_LEN, "Ed25519 seed")
    return Ed25519PrivateKey.from_private_bytes(seed).sign(message)


def ed25519_verify(public: bytes, signature: bytes, message: bytes) -> None:
    """Raise ``SignatureError`` unless ``signature`` is valid for ``message`` under ``public``."""
    if len(public) != KEY_LEN or len(signature) != SIG_LEN:
        raise SignatureError("signature or key has the wrong length")
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError) as exc:
        raise SignatureError("signature does not verify") from exc


# --- hashes, HMAC, HKDF ---------------------------------------------------------------------


def sha256(data: bytes) -> bytes:
    """SHA-256 digest."""
    return hashlib.sha256(data).digest()


def sha512(data: bytes) -> bytes:
    """SHA-512 digest."""
    return hashlib.sha512(data).digest()


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    """HMAC-SHA256 (32 bytes)."""
    return _hmac.new(key, data, hashlib.sha256).digest()


def ct_equal(a: bytes, b: bytes) -> bool:
    """Constant-time comparison."""
    return _hmac.compare_digest(a, b)


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA256 (RFC 5869); an empty salt means HashLen zeros, as the RFC says."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt or None, info=info).derive(ikm)


# --- AES-256-GCM ----------------------------------------------------------------------------


def aead_encrypt(key: bytes, nonce: bytes, plaintext: bytes, ad: bytes) -> bytes:
    """AES-256-GCM: ciphertext followed by the full 16-byte tag."""
    _check_len(key, KEY_LEN, "AES-256 key")
    _check_len(nonce, NONCE_LEN, "GCM nonce")
    return AESGCM(key).encrypt(nonce, plaintext, ad)


def aead_decrypt(key: bytes, nonce: bytes, ciphertext: bytes, ad: bytes) -> bytes:
    """Inverse of ``aead_encrypt``; raises ``DecryptError`` on any authentication failure."""
    _check_len(key, KEY_LEN, "AES-256 key")
    _check_len(nonce, NONCE_LEN, "GCM nonce")
    if len(ciphertext) < TAG_LEN:
        raise DecryptError("ciphertext shorter than the tag")
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, ad)
    except InvalidTag as exc:
        raise DecryptError("authentication failed") from exc
