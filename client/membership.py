"""Verification of the server-signed membership events (docs/protocol.md, "Membership").

A client acts on a join, leave or removal (sending or rotating sender keys) only after the
event's signature by the server's room key checks out, so a forged push cannot make it hand
keys to a ghost member or keep a removed one in the loop. The signed bytes are defined once,
in ``e2ee.membership``.
"""

from __future__ import annotations

from client.errors import BAD_MEMBERSHIP, ProtocolViolation
from e2ee.errors import E2EEError
from e2ee.membership import MembershipEvent
from e2ee.membership import verify_membership as _verify


def verify_membership(event: MembershipEvent, server_key: bytes) -> None:
    """Raise ``ProtocolViolation(bad_membership)`` unless ``server_key`` signed ``event``."""
    try:
        _verify(server_key, event)
    except E2EEError:
        raise ProtocolViolation(BAD_MEMBERSHIP, f"membership of {event.room} fails its signature") from None
