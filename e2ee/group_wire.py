"""Wire form and key schedule of group (sender-key) messages.

Chain: ``mk = HMAC(ck, 0x01)``, ``ck' = HMAC(ck, 0x02)``; AES key =
``HKDF(ikm=mk, salt=32 zero bytes, info="iltapiiri/group-msg/v1", L=32)``.
Associated data = ``"iltapiiri/group/v1\\0" || header``. Body = nonce (12) || AES-256-GCM
ciphertext+tag || Ed25519 signature (64) by the sender key's signing key over
``"iltapiiri/group-sig/v1\\0" || header || nonce || ciphertext+tag``.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import primitives as p
from .encoding import Reader, Writer, from_utf8, utf8
from .errors import DecodeError
from .limits import MAX_ROOM_ID_BYTES, PROTOCOL_VERSION

GROUP_MSG_INFO = b"iltapiiri/group-msg/v1"
GROUP_AD_LABEL = b"iltapiiri/group/v1\x00"
GROUP_SIG_LABEL = b"iltapiiri/group-sig/v1\x00"
GROUP_HEADER_TYPE = 0x03
FLAG_COMMITMENT = 0x01


def group_chain_step(chain_key: bytes) -> tuple[bytes, bytes]:
    """(message key, next chain key)."""
    return p.hmac_sha256(chain_key, b"\x01"), p.hmac_sha256(chain_key, b"\x02")


def group_aead_key(message_key: bytes) -> bytes:
    """AES-256-GCM key of one group message key."""
    return p.hkdf_sha256(message_key, bytes(32), GROUP_MSG_INFO, 32)


def group_message_ref(epoch: int, key_id: int, iteration: int) -> bytes:
    """Franking ``message_ref`` of a group message: epoch u32 || key_id u32 || iteration u32."""
    return epoch.to_bytes(4, "big") + key_id.to_bytes(4, "big") + iteration.to_bytes(4, "big")


@dataclass(frozen=True, repr=False)
class GroupHeader:
    """Header of a ``group`` message (all of it is AEAD associated data and signed)::

        +---------+------+--------+------+-----------+---------------------+
        | version | 0x03 | u8 len | room | epoch u32 | sender identity (32)|
        +---------+------+--------+------+-----------+---------------------+
        | key_id u32 | iteration u32 | flags u8 | [commitment (32)]        |
        +------------+---------------+----------+--------------------------+

    flags bit 0: a franking commitment follows (always set for text).
    """

    room: str
    epoch: int
    sender_key: bytes
    key_id: int
    iteration: int
    commitment: bytes | None

    def encode(self) -> bytes:
        """Bytes as drawn above."""
        w = Writer().u8(PROTOCOL_VERSION).u8(GROUP_HEADER_TYPE)
        w.var8(utf8(self.room, MAX_ROOM_ID_BYTES, "room")).u32(self.epoch).raw(self.sender_key)
        w.u32(self.key_id).u32(self.iteration)
        if self.commitment is None:
            return w.u8(0).bytes()
        return w.u8(FLAG_COMMITMENT).raw(self.commitment).bytes()

    @classmethod
    def decode(cls, data: bytes) -> GroupHeader:
        """Parse; ``DecodeError`` on any deviation."""
        r = Reader(data)
        r.version()
        if r.u8() != GROUP_HEADER_TYPE:
            raise DecodeError("not a group header")
        room = from_utf8(r.var8(MAX_ROOM_ID_BYTES), "room")
        epoch = r.u32()
        sender = r.take(32)
        kid, it = r.u32(), r.u32()
        flags = r.u8()
        if flags & ~FLAG_COMMITMENT:
            raise DecodeError("unknown header flags")
        cm = r.take(32) if flags & FLAG_COMMITMENT else None
        r.end()
        return cls(room, epoch, sender, kid, it, cm)

    def __repr__(self) -> str:
        return (
            f"GroupHeader(room={self.room!r}, epoch={self.epoch}, key_id={self.key_id}, "
            f"iteration={self.iteration})"
        )


def signature_input(header: bytes, nonce: bytes, ciphertext: bytes) -> bytes:
    """What the sender key's signing key signs."""
    return GROUP_SIG_LABEL + header + nonce + ciphertext


def split_body(body: bytes) -> tuple[bytes, bytes, bytes]:
    """(nonce, ciphertext+tag, signature) of a group body."""
    if len(body) < p.NONCE_LEN + p.TAG_LEN + p.SIG_LEN:
        raise DecodeError("group body too short")
    return body[: p.NONCE_LEN], body[p.NONCE_LEN : -p.SIG_LEN], body[-p.SIG_LEN :]
