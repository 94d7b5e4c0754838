"""Server-signed membership events (``room.membership`` in docs/protocol.md).

Clients rotate and distribute sender keys only on a membership event whose signature verifies
under the server key learnt at ``hello`` (or ``GET /api/server-key``): never on an unsigned word.
Since v2 the signature covers every member's role and the subject's, so a badge ("moderator")
shown next to a name is the server's signed word, not an unsigned field of the push
(docs/decisions.md, "Roles under the membership signature").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import primitives as p
from .encoding import b64d, b64e, field
from .errors import DecodeError
from .identity import key_id
from .limits import MAX_ROOM_ID_BYTES

MEMBERSHIP_LABEL = "iltapiiri/membership/v2"
EVENTS = ("joined", "left", "removed", "closed")
ROLES = ("peer", "moderator", "counsellor", "admin")
"""Roles a member may have; a role is a token, so ``key:role`` is unambiguous in the signed text."""
MAX_MEMBERS = 1000
"""Most members a membership event may list."""


@dataclass(frozen=True, repr=False)
class Member:
    """One room member as the server lists it."""

    pseudonym: str
    identity_key: bytes
    role: str

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> Member:
        """Validate ``{pseudonym, identity_key, role}``."""
        role = field(d, "role", str)
        if role not in ROLES:
            raise DecodeError("unknown member role")
        return cls(
            field(d, "pseudonym", str),
            b64d(field(d, "identity_key", str), "identity_key", 32),
            role,
        )

    def __repr__(self) -> str:
        return f"Member({self.pseudonym!r}, id={key_id(self.identity_key)}, role={self.role!r})"


@dataclass(frozen=True, repr=False)
class MembershipEvent:
    """A decoded ``room.membership``; ``verify`` before acting on it."""

    room: str
    epoch: int
    event: str
    pseudonym: str
    identity_key: bytes
    role: str
    members: tuple[Member, ...]
    at: int
    sig: bytes

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> MembershipEvent:
        """Validate the JSON shape (does not verify the signature)."""
        room = field(d, "room", str)
        if len(room.encode("utf-8")) > MAX_ROOM_ID_BYTES:
            raise DecodeError("room id too long")
        epoch, at = field(d, "epoch", int), field(d, "at", int)
        if not 0 <= epoch < 2**63 or not 0 <= at < 2**63:
            raise DecodeError("epoch or at out of range")
        event = field(d, "event", str)
        if event not in EVENTS:
            raise DecodeError("unknown membership event")
        members = field(d, "members", list)
        if len(members) > MAX_MEMBERS:
            raise DecodeError("too many members")
        ik_text = field(d, "identity_key", str)
        # docs/protocol.md: a "closed" event names nobody (identity_key is the empty string).
        ik = b"" if event == "closed" and ik_text == "" else b64d(ik_text, "identity_key", 32)
        role = field(d, "role", str)
        if not (role == "" if event == "closed" else role in ROLES):
            raise DecodeError("unknown subject role")
        return cls(
            room, epoch, event, field(d, "pseudonym", str), ik, role,
            tuple(Member.from_wire(m) for m in members), at,
            b64d(field(d, "sig", str), "sig", 64),
        )

    def signed_bytes(self) -> bytes:
        """The UTF-8 text the server signs (keys in canonical b64, members sorted)."""
        return membership_message(
            self.room, self.epoch, self.event, self.identity_key, self.role,
            [(m.identity_key, m.role) for m in self.members], self.at,
        )

    def verify(self, server_key: bytes) -> None:
        """Raise ``SignatureError`` unless signed by ``server_key`` (Ed25519, 32 bytes)."""
        p.ed25519_verify(server_key, self.sig, self.signed_bytes())

    def member_keys(self) -> frozenset[bytes]:
        """Identity keys of the members after this event."""
        return frozenset(m.identity_key for m in self.members)

    def role_of(self, identity_key: bytes) -> str | None:
        """The signed role of a member after this event (None: not a member)."""
        for m in self.members:
            if m.identity_key == identity_key:
                return m.role
        return None

    def __repr__(self) -> str:
        return (
            f"MembershipEvent(room={self.room!r}, epoch={self.epoch}, event={self.event!r}, "
            f"members={len(self.members)})"
        )


def membership_message(
    room: str, epoch: int, event: str, identity_key: bytes, role: str,
    members: Sequence[tuple[bytes, str]], at: int,
) -> bytes:
    """The UTF-8 text the server signs (v2)::

        "iltapiiri/membership/v2" \n room \n epoch \n event \n
        b64(subject key) ":" subject role \n
        ",".join(sorted(b64(member key) ":" member role)) \n at

    ``epoch`` and ``at`` in decimal; a ``closed`` event has an empty subject (the line is ":").
    Every role is one of ``ROLES`` (``""`` only for the subject of ``closed``), so no role can
    smuggle a separator into the text."""
    if not (role == "" if event == "closed" else role in ROLES):
        raise DecodeError("unknown subject role")
    if any(r not in ROLES for _, r in members):
        raise DecodeError("unknown member role")
    listed = ",".join(sorted(f"{b64e(k)}:{r}" for k, r in members))
    text = "\n".join([
        MEMBERSHIP_LABEL, room, str(epoch), event, f"{b64e(identity_key)}:{role}", listed, str(at),
    ])
    return text.encode("utf-8")


def verify_membership(server_key: bytes, event: MembershipEvent | Mapping[str, Any]) -> MembershipEvent:
    """Decode (if given JSON) and verify a membership event; returns the typed event."""
    ev = event if isinstance(event, MembershipEvent) else MembershipEvent.from_wire(event)
    ev.verify(server_key)
    return ev


def sign_membership(
    server_seed: bytes, room: str, epoch: int, event: str, identity_key: bytes, role: str,
    members: Sequence[tuple[bytes, str]], at: int,
) -> bytes:
    """Server side: the ``sig`` field (Ed25519 with the server's 32-byte private seed)."""
    return p.ed25519_sign(
        server_seed, membership_message(room, epoch, event, identity_key, role, members, at)
    )
