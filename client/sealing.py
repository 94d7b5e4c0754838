"""Passphrase encryption of the keystore at rest: PBKDF2-HMAC-SHA256 → AES-256-GCM.

The same construction as the web client's identity backup (docs/threat-model.md §8), so one
review covers both. Sealed document (JSON)::

    {"kdf": {"name": "PBKDF2-SHA256", "iterations": N, "salt": b64(16)},
     "nonce": b64(12), "ciphertext": b64(AES-256-GCM(key, nonce, state JSON, aad))}
    aad = "iltapiiri/keystore/v1\\n" + str(N)

A fresh random nonce is drawn for every save; the key is derived once per salt and kept in the
``Sealer`` (never in its ``repr``). A wrong passphrase and a tampered file look the same:
``bad_passphrase``. Iteration counts above ``MAX_KDF_ITERATIONS`` are refused before any work,
so a crafted file cannot hang the client.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from client.clock import Rng, system_rng
from client.errors import (
    BAD_PASSPHRASE,
    BAD_REQUEST,
    KEYSTORE_CORRUPT,
    ClientError,
)

KDF_NAME = "PBKDF2-SHA256"
KDF_ITERATIONS = 600_000
"""OWASP 2023 figure for PBKDF2-HMAC-SHA256 (the web client's backup uses the same)."""
MIN_KDF_ITERATIONS = 1_000
MAX_KDF_ITERATIONS = 10_000_000
SALT_BYTES = 16
NONCE_BYTES = 12
AAD_LABEL = "iltapiiri/keystore/v1\n"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any, length: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise ClientError(KEYSTORE_CORRUPT, "sealed keystore field is not base64")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ClientError(KEYSTORE_CORRUPT, "sealed keystore field is not base64") from None
    if length is not None and len(raw) != length:
        raise ClientError(KEYSTORE_CORRUPT, "sealed keystore field has the wrong length")
    return raw


class Sealer:
    """Encrypts and decrypts keystore state under one passphrase."""

    def __init__(
        self, passphrase: str, *, iterations: int = KDF_ITERATIONS, rng: Rng = system_rng
    ) -> None:
        if not passphrase:
            raise ClientError(BAD_PASSPHRASE, "the passphrase is empty")
        if not MIN_KDF_ITERATIONS <= iterations <= MAX_KDF_ITERATIONS:
            raise ClientError(BAD_REQUEST, "iteration count out of range")
        self._passphrase = passphrase.encode("utf-8")
        self._iterations = iterations
        self._rng = rng
        self._salt: bytes | None = None
        self._key: bytes | None = None

    def __repr__(self) -> str:
        return f"Sealer(iterations={self._iterations})"

    def _derive(self, salt: bytes, iterations: int) -> bytes:
        kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations)
        return kdf.derive(self._passphrase)

    def seal(self, state: dict[str, Any]) -> dict[str, Any]:
        """The sealed document for ``state``."""
        if self._key is None or self._salt is None:
            self._salt = self._rng(SALT_BYTES)
            self._key = self._derive(self._salt, self._iterations)
        nonce = self._rng(NONCE_BYTES)
        plaintext = json.dumps(state, separators=(",", ":"), sort_keys=True).encode("utf-8")
        aad = f"{AAD_LABEL}{self._iterations}".encode()
        return {
            "kdf": {"name": KDF_NAME, "iterations": self._iterations, "salt": _b64(self._salt)},
            "nonce": _b64(nonce),
            "ciphertext": _b64(AESGCM(self._key).encrypt(nonce, plaintext, aad)),
        }

    def unseal(self, sealed: Any) -> dict[str, Any]:
        """The state inside a sealed document; ``bad_passphrase`` if it does not open."""
        if not isinstance(sealed, dict) or not isinstance(sealed.get("kdf"), dict):
            raise ClientError(KEYSTORE_CORRUPT, "sealed keystore is malformed")
        kdf = sealed["kdf"]
        iterations = kdf.get("iterations")
        if kdf.get("name") != KDF_NAME or isinstance(iterations, bool) \
                or not isinstance(iterations, int) \
                or not MIN_KDF_ITERATIONS <= iterations <= MAX_KDF_ITERATIONS:
            raise ClientError(KEYSTORE_CORRUPT, "sealed keystore has an unsupported KDF")
        salt = _unb64(kdf.get("salt"), SALT_BYTES)
        nonce = _unb64(sealed.get("nonce"), NONCE_BYTES)
        ciphertext = _unb64(sealed.get("ciphertext"))
        key = self._derive(salt, iterations)
        try:
            plaintext = AESGCM(key).decrypt(nonce, ciphertext, f"{AAD_LABEL}{iterations}".encode())
        except InvalidTag:
            raise ClientError(BAD_PASSPHRASE, "wrong passphrase, or the keystore was altered") from None
        state = json.loads(plaintext)
        if not isinstance(state, dict):
            raise ClientError(KEYSTORE_CORRUPT, "sealed keystore holds no state")
        # Keep salt, key and count: later saves reuse them (with fresh nonces).
        self._salt, self._key, self._iterations = salt, key, iterations
        return state
