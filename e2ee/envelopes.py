"""Typed forms of what goes over the wire (docs/protocol.md) around the ciphertexts.

Raw dicts stop here: ``from_wire`` validates the JSON of ``direct.envelope`` / ``room.envelope``
into frozen objects; ``Outgoing.to_wire`` gives the fields of ``direct.send`` / ``room.send``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .content import Content
from .encoding import b64d, b64e, field
from .errors import DecodeError
from .franking import FrankingOpening
from .identity import key_id
from .limits import MAX_BODY_BYTES, MAX_HEADER_BYTES, MAX_ROOM_ID_BYTES

KIND_PREKEY = "prekey"
"""1:1 message carrying the X3DH header (until the initiator hears back)."""
KIND_MSG = "msg"
"""1:1 Double Ratchet message."""
KIND_GROUP = "group"
"""Group (sender-key) message."""
KINDS = (KIND_PREKEY, KIND_MSG, KIND_GROUP)


def _optional_b64(d: Mapping[str, Any], name: str, length: int) -> bytes | None:
    v = d.get(name)
    return None if v is None else b64d(v, name, length)


def _ts(d: Mapping[str, Any], name: str = "ts") -> int:
    v = field(d, name, int)
    if not 0 <= v < 2**63:
        raise DecodeError(f"{name} out of range")
    return int(v)


def _kind(d: Mapping[str, Any]) -> str:
    k = field(d, "kind", str)
    if k not in KINDS:
        raise DecodeError("unknown kind")
    return str(k)


@dataclass(frozen=True, repr=False)
class Outgoing:
    """One encrypted message to send: ``kind``, ``header``, ``body`` and, for franked text, the
    32-byte ``commitment`` (also inside the authenticated header)."""

    kind: str
    header: bytes
    body: bytes
    commitment: bytes | None = None

    def to_wire(self) -> dict[str, Any]:
        """``{kind, header, body[, commitment]}`` with b64 bytes; add ``to``/``room`` yourself."""
        out: dict[str, Any] = {"kind": self.kind, "header": b64e(self.header), "body": b64e(self.body)}
        if self.commitment is not None:
            out["commitment"] = b64e(self.commitment)
        return out

    def __repr__(self) -> str:
        return f"Outgoing(kind={self.kind!r}, header_len={len(self.header)}, body_len={len(self.body)})"

    __str__ = __repr__


@dataclass(frozen=True, repr=False)
class DirectEnvelope:
    """A received ``direct.envelope``; ``sender_key`` is the server-stamped ``from_key``."""

    id: str
    ts: int
    sender: str
    sender_key: bytes
    kind: str
    header: bytes
    body: bytes
    commitment: bytes | None = None
    stamp: bytes | None = None

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> DirectEnvelope:
        """Validate the JSON of a ``direct.envelope``."""
        kind = _kind(d)
        if kind == KIND_GROUP:
            raise DecodeError("group kind in a direct envelope")
        return cls(
            id=field(d, "id", str), ts=_ts(d), sender=field(d, "from", str),
            sender_key=b64d(field(d, "from_key", str), "from_key", 32), kind=kind,
            header=b64d(field(d, "header", str), "header", max_len=MAX_HEADER_BYTES),
            body=b64d(field(d, "body", str), "body", max_len=MAX_BODY_BYTES),
            commitment=_optional_b64(d, "commitment", 32), stamp=_optional_b64(d, "stamp", 32),
        )

    def __repr__(self) -> str:
        return f"DirectEnvelope(id={self.id!r}, kind={self.kind!r}, from={key_id(self.sender_key)})"

    __str__ = __repr__


@dataclass(frozen=True, repr=False)
class GroupEnvelope:
    """A received ``room.envelope``; ``room``, ``seq``, ``ts``, ``sender``, ``sender_key`` are
    stamped by the server."""

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

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> GroupEnvelope:
        """Validate the JSON of a ``room.envelope``."""
        room = field(d, "room", str)
        if len(room.encode("utf-8")) > MAX_ROOM_ID_BYTES:
            raise DecodeError("room id too long")
        seq = field(d, "seq", int)
        if not 1 <= seq < 2**63:
            raise DecodeError("seq out of range")
        return cls(
            room=room, seq=seq, ts=_ts(d), sender=field(d, "sender", str),
            sender_key=b64d(field(d, "sender_key", str), "sender_key", 32), kind=_kind(d),
            header=b64d(field(d, "header", str), "header", max_len=MAX_HEADER_BYTES),
            body=b64d(field(d, "body", str), "body", max_len=MAX_BODY_BYTES),
            commitment=_optional_b64(d, "commitment", 32), stamp=_optional_b64(d, "stamp", 32),
        )

    def __repr__(self) -> str:
        return (
            f"GroupEnvelope(room={self.room!r}, seq={self.seq}, kind={self.kind!r}, "
            f"from={key_id(self.sender_key)})"
        )

    __str__ = __repr__


@dataclass(frozen=True, repr=False)
class Received:
    """A decrypted message: the typed ``content``, the authenticated sender identity key, and,
    for text, the ``opening`` a recipient can later hand to moderators as a report."""

    content: Content
    sender_key: bytes
    opening: FrankingOpening | None = None

    @property
    def text(self) -> str | None:
        """The chat text when ``content`` is a ``TextContent``, else None."""
        return getattr(self.content, "text", None)

    def __repr__(self) -> str:
        return f"Received(type={type(self.content).__name__}, from={key_id(self.sender_key)})"

    __str__ = __repr__
