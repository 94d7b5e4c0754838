"""Loading the relay's two secrets. Every signed byte format they are used for (the auth
message, membership events, franking stamps) is `e2ee/`'s: the server imports the core.

The server holds two secrets, created once per deployment in a key file outside the data store
(server/keyfile.py) that every process reads: the Ed25519 room key that signs membership
events, and the HMAC key for franking stamps. Neither is ever logged, put in a `repr`, or
written to Redis or the SQLite file.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from server.clock import Random
from server.keyfile import KeyFileError, load_or_create
from server.storage.server_keys import ServerKeyStore

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


async def load_server_keys(store: ServerKeyStore, rng: Random, key_file: Path) -> ServerKeys:
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
