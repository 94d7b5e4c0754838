"""Typed server pushes, one class per server→client event (the requests' counterpart).

Handlers build these and hand them to the Emitter port; `to_wire()` is the payload. Python
attribute names are the same across pushes (`sender`, `sender_key`); the wire keeps the names
clients already read (a group envelope's `sender`/`sender_key`, a 1:1 envelope's
`from`/`from_key`, docs/protocol.md), so the format is unchanged. No push's `repr` shows a key,
a pseudonym or ciphertext.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import ClassVar

from server.domain.records import Member, QueuedEnvelope


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True, kw_only=True)
class Push:
    """A server push: `EVENT` is its Socket.IO event name."""

    EVENT: ClassVar[str] = ""

    def to_wire(self) -> dict[str, object]:
        """The payload."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class Membership(Push):
    """`room.membership`: a signed change of a room's members (also in `group.join`'s reply).
    `identity_key` is empty for `closed`; `sig` covers `e2ee.membership.membership_message`."""

    EVENT: ClassVar[str] = "room.membership"
    room: str
    epoch: int
    event: str
    pseudonym: str
    identity_key: bytes
    members: tuple[Member, ...]
    at: int
    sig: bytes

    def __repr__(self) -> str:
        return f"Membership(room={self.room!r}, epoch={self.epoch}, event={self.event!r})"

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"room": self.room, "epoch": self.epoch, "event": self.event,
                "pseudonym": self.pseudonym, "identity_key": _b64(self.identity_key),
                "members": [m.to_dict() for m in self.members], "at": self.at,
                "sig": _b64(self.sig)}


@dataclass(frozen=True, kw_only=True)
class RoomEnvelope(Push):
    """`room.envelope`: a group envelope relayed to the room's other connections."""

    EVENT: ClassVar[str] = "room.envelope"
    room: str
    seq: int
    ts: int
    sender: str
    sender_key: bytes
    kind: str
    header: bytes
    body: bytes
    commitment: bytes | None = None
    stamp: bytes | None = None

    def __repr__(self) -> str:
        return f"RoomEnvelope(room={self.room!r}, seq={self.seq}, bytes={len(self.body)})"

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        d: dict[str, object] = {
            "room": self.room, "seq": self.seq, "ts": self.ts, "sender": self.sender,
            "sender_key": _b64(self.sender_key), "kind": self.kind,
            "header": _b64(self.header), "body": _b64(self.body)}
        if self.commitment is not None and self.stamp is not None:
            d["commitment"] = _b64(self.commitment)
            d["stamp"] = _b64(self.stamp)
        return d


@dataclass(frozen=True, kw_only=True)
class DirectEnvelope(Push):
    """`direct.envelope`: a 1:1 envelope, pushed as it is queued (and as `inbox.fetch` lists
    it)."""

    EVENT: ClassVar[str] = "direct.envelope"
    envelope: QueuedEnvelope

    def __repr__(self) -> str:
        return f"DirectEnvelope({self.envelope!r})"

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return self.envelope.to_dict()


@dataclass(frozen=True, kw_only=True)
class GroupOpened(Push):
    """`group.opened`: tonight's room is open for messages."""

    EVENT: ClassVar[str] = "group.opened"
    room: str

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"room": self.room}


@dataclass(frozen=True, kw_only=True)
class GroupClosing(Push):
    """`group.closing`: the room closes at `closes_at` (ISO 8601, the group's offset)."""

    EVENT: ClassVar[str] = "group.closing"
    room: str
    closes_at: str

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"room": self.room, "closes_at": self.closes_at}


@dataclass(frozen=True, kw_only=True)
class GroupClosed(Push):
    """`group.closed`: the room has ended and everyone was removed."""

    EVENT: ClassVar[str] = "group.closed"
    room: str
    reason: str

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"room": self.room, "reason": self.reason}


@dataclass(frozen=True, kw_only=True)
class KeysLow(Push):
    """`keys.low`: the owner's one-time prekeys ran low; publish more."""

    EVENT: ClassVar[str] = "keys.low"
    one_time_prekeys: int

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"one_time_prekeys": self.one_time_prekeys}


PUSHES: tuple[type[Push], ...] = (Membership, RoomEnvelope, DirectEnvelope, GroupOpened,
                                  GroupClosing, GroupClosed, KeysLow)
