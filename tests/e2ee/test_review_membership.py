"""Review: the e2ee decoder must accept every membership event docs/protocol.md defines.

docs/protocol.md ("Membership"): for ``event: "closed"`` the ``identity_key`` and ``pseudonym``
are empty strings and ``members`` is empty, and the server (server/handlers/rooms.py ``close_room``) sends
exactly that. The decoder used to require a 32-byte identity key for every event, so a genuine,
correctly signed ``closed`` event was refused as ``malformed`` and never reached the client.
"""

from __future__ import annotations

import base64

import pytest

from e2ee import primitives as p
from e2ee.errors import DecodeError, SignatureError
from e2ee.membership import MembershipEvent, sign_membership, verify_membership

SEED = bytes(range(32))
ROOM = "open/2026-11-26"


def closed_event(**overrides: object) -> dict[str, object]:
    sig = sign_membership(SEED, ROOM, 9, "closed", b"", "", [], 1_764_000_000_000)
    d: dict[str, object] = {
        "room": ROOM, "epoch": 9, "event": "closed", "pseudonym": "", "identity_key": "",
        "role": "",
        "members": [], "at": 1_764_000_000_000, "sig": base64.b64encode(sig).decode(),
    }
    d.update(overrides)
    return d


def test_spec_closed_event_verifies() -> None:
    ev = verify_membership(p.ed25519_public(SEED), closed_event())
    assert ev.event == "closed" and ev.identity_key == b"" and ev.members == ()
    # the signed text is byte-for-byte the server's: empty identity key field
    assert ev.signed_bytes() == (
        f"iltapiiri/membership/v2\n{ROOM}\n9\nclosed\n:\n\n1764000000000".encode()
    )


def test_empty_identity_key_only_for_closed() -> None:
    with pytest.raises(DecodeError):
        MembershipEvent.from_wire(closed_event(event="left"))


def test_closed_event_still_needs_the_server_signature() -> None:
    with pytest.raises(SignatureError):
        verify_membership(p.ed25519_public(SEED), closed_event(epoch=10))
