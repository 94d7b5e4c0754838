"""The signed request to erase an identity from a relay (`identity.erase`, docs/protocol.md).

A stolen or left-open socket must not be able to erase someone by accident or on purpose, so the
request carries a fresh signature by the identity key over a server-issued challenge::

    +------------------------+----------------+---------------+------------------+
    | "iltapiiri/erase/v1\0" | server_key(32) | challenge(32) | identity_key(32) |
    +------------------------+----------------+---------------+------------------+

The label differs from `auth`'s, so an auth signature can never be replayed as an erasure.
"""

from __future__ import annotations

from . import primitives as p
from .errors import DecodeError

ERASE_LABEL = b"iltapiiri/erase/v1\x00"
ERASE_KEY_BYTES = 32


def erase_message(challenge: bytes, identity_key: bytes, server_key: bytes) -> bytes:
    """Bytes the identity key signs to ask the relay holding `server_key` to erase it."""
    if len(server_key) != ERASE_KEY_BYTES or len(identity_key) != ERASE_KEY_BYTES:
        raise DecodeError("keys must be 32 bytes")
    return ERASE_LABEL + server_key + challenge + identity_key


def verify_erase(identity_key: bytes, challenge: bytes, signature: bytes,
                 server_key: bytes) -> None:
    """Server side: raise `SignatureError` unless `signature` is the key's erase signature."""
    p.ed25519_verify(identity_key, signature, erase_message(challenge, identity_key, server_key))
