"""Verification of the server-signed membership events (docs/protocol.md, "Membership").

A client acts on a join, leave or removal (sending or rotating sender keys) only after the
event's signature by the server's room key checks out, so a forged push cannot make it hand
keys to a ghost member or keep a removed one in the loop.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from client.errors import BAD_MEMBERSHIP, ProtocolViolation
from client.wire import Membership

MEMBERSHIP_LABEL = "iltapiiri/membership/v1"


def signed_text(m: Membership) -> bytes:
    """The exact bytes the server signs for a membership event."""
    members = ",".join(sorted(member.identity_key_b64 for member in m.members))
    text = "\n".join(
        [MEMBERSHIP_LABEL, m.room, str(m.epoch), m.event, m.identity_key_b64, members, str(m.at)]
    )
    return text.encode("utf-8")


def verify_membership(m: Membership, server_key: bytes) -> None:
    """Raise ``ProtocolViolation(bad_membership)`` unless ``server_key`` signed ``m``."""
    try:
        Ed25519PublicKey.from_public_bytes(server_key).verify(m.sig, signed_text(m))
    except (InvalidSignature, ValueError):
        raise ProtocolViolation(BAD_MEMBERSHIP, f"membership of {m.room} fails its signature") from None
