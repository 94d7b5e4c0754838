"""The relay's own cryptography: challenge signatures, membership signatures, franking stamps.

The server holds two secrets, created once per deployment in a key file outside the data store
(server/keyfile.py) that every process reads: the Ed25519 room key that signs membership
events, and the HMAC key for franking stamps. Neither is ever logged, put in a `repr`, or
written to Redis or the SQLite file.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from e2ee.identity import auth_message
from server.clock import Random
from server.ed25519_check import is_acceptable_public_key
from server.keyfile import KeyFileError, load_or_create
from server.storage.ports import Store

FRANK_CONTEXT = b"iltapiiri/frank-stamp/v1\x00"
SIGNING_SECRET_NAME = "room_signing_key"  # noqa: S105 (a store key name)
FRANKING_SECRET_NAME = "franking_key"  # noqa: S105


@dataclass(frozen=True, repr=False)
class ServerKeys:
    """The server's room signing key and franking key."""

    signing_key: Ed25519PrivateKey
    franking_key: bytes

    def __repr__(self) -> str:
        return "ServerKeys(<redacted>)"

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key clients verify membership events with."""
        return self.signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


async def load_server_keys(store: Store, rng: Random, key_file: Path) -> ServerKeys:
    """Load the server's keys from `key_file`, creating it on first start; keys an older
    version kept in the store are moved into the file and deleted from the store."""
    names = (SIGNING_SECRET_NAME, FRANKING_SECRET_NAME)
    legacy = {name: await store.legacy_secret(name) for name in names}
    keys, drop = await asyncio.to_thread(load_or_create, key_file, lambda: rng.bytes(32), legacy)
    if drop:
        for name in names:
            await store.drop_legacy_secret(name)
    server_keys = ServerKeys(Ed25519PrivateKey.from_private_bytes(keys[SIGNING_SECRET_NAME]),
                             keys[FRANKING_SECRET_NAME])
    if await store.agree_public_key(server_keys.public_key) != server_keys.public_key:
        raise KeyFileError(f"the key file {key_file} differs from the other processes' on this "
                           "store: give every process the same key file")
    return server_keys


def verify_auth(identity_key: bytes, signature: bytes, challenge: bytes,
                server_key: bytes) -> bool:
    """True if `signature` is the identity key's v2 signature over this server's key and the
    challenge (`e2ee.identity.auth_message`), and the key is not a degenerate small-order point
    that any forged signature would pass for."""
    if not is_acceptable_public_key(identity_key):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(identity_key).verify(
            signature, auth_message(challenge, identity_key, server_key))
    except (InvalidSignature, ValueError):
        return False
    return True


def franking_stamp(key: bytes, commitment: bytes, sender_key: bytes, room: str, ts: int) -> bytes:
    """HMAC-SHA256 stamp binding a commitment to its sender, room (or `@recipient`) and time."""
    msg = FRANK_CONTEXT + commitment + sender_key + room.encode() + b"\x00" + ts.to_bytes(8, "big")
    return hmac.new(key, msg, hashlib.sha256).digest()


def user_id(identity_key: bytes) -> str:
    """A short stable id for logs and metrics: not reversible to the key in practice."""
    return hashlib.sha256(b"iltapiiri/user-id\x00" + identity_key).hexdigest()[:16]
