"""Message franking: verifiable abuse reports without the server reading traffic.

Sender: ``commitment = HMAC(franking_key, FRANK_LABEL || context || sender || message_ref ||
text)`` (lengths prefixed, see ``commitment_input``), franking key inside the ciphertext,
commitment in the authenticated header. Relay: ``stamp`` over (commitment, sender, room, ts)
exactly as docs/protocol.md. Recipient: recompute and refuse a mismatch. Moderators: verify an
opened report with ``verify_commitment`` and the server checks ``verify_stamp``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import primitives as p
from .encoding import Reader, Writer, b64d, b64e, field, from_utf8, utf8
from .errors import DecodeError, FrankingError
from .identity import key_id
from .limits import MAX_CONTEXT_BYTES, MAX_TEXT_BYTES, PROTOCOL_VERSION

FRANK_LABEL = b"iltapiiri/frank/v1\x00"
STAMP_LABEL = b"iltapiiri/frank-stamp/v1\x00"
DIRECT_CONTEXT = "direct"
"""Franking context of 1:1 messages (group messages use the room id)."""

_OPENING_TAG = 0x40


def commitment_input(context: str, sender_key: bytes, message_ref: bytes, text: str) -> bytes:
    """Bytes under the franking HMAC::

        FRANK_LABEL | u16 len | context UTF-8 | sender identity key (32) |
        u16 len | message_ref | u32 len | text UTF-8
    """
    if len(sender_key) != 32:
        raise DecodeError("sender key must be 32 bytes")
    return (
        Writer().raw(FRANK_LABEL).var16(utf8(context, MAX_CONTEXT_BYTES, "context"))
        .raw(sender_key).var16(message_ref)
        .var32(utf8(text, MAX_TEXT_BYTES, "text")).bytes()
    )


def make_commitment(
    franking_key: bytes, context: str, sender_key: bytes, message_ref: bytes, text: str
) -> bytes:
    """Sender's 32-byte commitment to one message."""
    if len(franking_key) != 32:
        raise DecodeError("franking key must be 32 bytes")
    return p.hmac_sha256(franking_key, commitment_input(context, sender_key, message_ref, text))


def stamp_input(commitment: bytes, sender_identity_key: bytes, room: str, ts: int) -> bytes:
    """``STAMP_LABEL || commitment || sender_identity_key || room UTF-8 || 0x00 || ts u64 BE``."""
    if len(commitment) != 32 or len(sender_identity_key) != 32:
        raise DecodeError("commitment and sender key must be 32 bytes")
    if not 0 <= ts < 2**64:
        raise DecodeError("ts out of range")
    return (
        STAMP_LABEL + commitment + sender_identity_key
        + utf8(room, MAX_CONTEXT_BYTES, "room") + b"\x00" + ts.to_bytes(8, "big")
    )


def make_stamp(
    server_key: bytes, commitment: bytes, sender_identity_key: bytes, room: str, ts: int
) -> bytes:
    """Relay's stamp (docs/protocol.md): HMAC-SHA256 under the server's franking key."""
    return p.hmac_sha256(server_key, stamp_input(commitment, sender_identity_key, room, ts))


def verify_stamp(
    server_key: bytes,
    stamp: bytes,
    commitment: bytes,
    sender_identity_key: bytes,
    room: str,
    ts: int,
) -> bool:
    """True iff ``stamp`` is the relay's stamp over these fields (constant-time)."""
    try:
        expected = make_stamp(server_key, commitment, sender_identity_key, room, ts)
    except DecodeError:
        return False
    return p.ct_equal(expected, stamp)


@dataclass(frozen=True, repr=False)
class FrankingOpening:
    """Everything a recipient reveals to report one message.

    ``context``/``message_ref`` feed the commitment; ``room``/``ts``/``stamp`` are the relay's
    (``stamp`` is None when the relay gave none). ``sender_key`` is the sender's identity key.

    Layout of ``to_bytes()``::

        version | 0x40 | u32 len text | franking_key 32 | commitment 32 | sender_key 32 |
        u16 len context | u16 len message_ref | u16 len room | ts u64 | has_stamp u8 | [stamp 32]
    """

    text: str
    franking_key: bytes
    commitment: bytes
    context: str
    sender_key: bytes
    message_ref: bytes
    room: str
    ts: int
    stamp: bytes | None

    def verify_commitment(self) -> bool:
        """True iff the commitment matches the revealed text, key, sender and context."""
        return verify_commitment(self)

    def to_bytes(self) -> bytes:
        """Binary form (for encrypting to the moderator team)."""
        w = Writer().u8(PROTOCOL_VERSION).u8(_OPENING_TAG)
        w.var32(utf8(self.text, MAX_TEXT_BYTES, "text")).raw(self.franking_key)
        w.raw(self.commitment).raw(self.sender_key)
        w.var16(utf8(self.context, MAX_CONTEXT_BYTES, "context")).var16(self.message_ref)
        w.var16(utf8(self.room, MAX_CONTEXT_BYTES, "room")).u64(self.ts)
        if self.stamp is None:
            w.u8(0)
        else:
            w.u8(1).raw(self.stamp)
        return w.bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> FrankingOpening:
        """Inverse of ``to_bytes``."""
        r = Reader(data)
        r.version()
        if r.u8() != _OPENING_TAG:
            raise DecodeError("not a franking opening")
        text = from_utf8(r.var32(MAX_TEXT_BYTES), "text")
        fk, cm, sk = r.take(32), r.take(32), r.take(32)
        ctx = from_utf8(r.var16(MAX_CONTEXT_BYTES), "context")
        ref = r.var16(256)
        room = from_utf8(r.var16(MAX_CONTEXT_BYTES), "room")
        ts = r.u64()
        flag = r.u8()
        if flag not in (0, 1):
            raise DecodeError("bad stamp flag")
        stamp = r.take(32) if flag else None
        r.end()
        return cls(text, fk, cm, ctx, sk, ref, room, ts, stamp)

    def to_wire(self) -> dict[str, Any]:
        """JSON-ready dict (bytes as b64) for a report payload."""
        return {
            "text": self.text,
            "franking_key": b64e(self.franking_key),
            "commitment": b64e(self.commitment),
            "context": self.context,
            "sender_key": b64e(self.sender_key),
            "message_ref": b64e(self.message_ref),
            "room": self.room,
            "ts": self.ts,
            "stamp": None if self.stamp is None else b64e(self.stamp),
        }

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> FrankingOpening:
        """Inverse of ``to_wire`` with validation."""
        stamp_v = d.get("stamp") if isinstance(d, Mapping) else None
        ts = field(d, "ts", int)
        if not 0 <= ts < 2**64:
            raise DecodeError("ts out of range")
        return cls(
            text=field(d, "text", str),
            franking_key=b64d(field(d, "franking_key", str), "franking_key", 32),
            commitment=b64d(field(d, "commitment", str), "commitment", 32),
            context=field(d, "context", str),
            sender_key=b64d(field(d, "sender_key", str), "sender_key", 32),
            message_ref=b64d(field(d, "message_ref", str), "message_ref", max_len=256),
            room=field(d, "room", str),
            ts=ts,
            stamp=None if stamp_v is None else b64d(stamp_v, "stamp", 32),
        )

    def __repr__(self) -> str:
        return f"FrankingOpening(sender={key_id(self.sender_key)}, room={self.room!r}, ts={self.ts})"

    __str__ = __repr__


def verify_commitment(opening: FrankingOpening) -> bool:
    """Moderator side: True iff the opening's commitment matches its revealed contents."""
    try:
        expected = make_commitment(
            opening.franking_key, opening.context, opening.sender_key,
            opening.message_ref, opening.text,
        )
    except DecodeError:
        return False
    return p.ct_equal(expected, opening.commitment)


def verify_report(opening: FrankingOpening, server_franking_key: bytes) -> None:
    """Server + moderator check of a report; raises ``FrankingError`` naming nothing secret."""
    if not verify_commitment(opening):
        raise FrankingError("commitment does not match the revealed message")
    # Recipients only display messages whose commitment context is the room they arrived in
    # ("direct" for 1:1), so a genuine report always has context == stamped room.
    if opening.context != opening.room:
        raise FrankingError("commitment context differs from the stamped room")
    if opening.stamp is None or not verify_stamp(
        server_franking_key, opening.stamp, opening.commitment, opening.sender_key,
        opening.room, opening.ts,
    ):
        raise FrankingError("relay stamp does not verify")
