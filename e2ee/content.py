"""Inner content: the typed, versioned, padded plaintext inside every ciphertext.

Padded plaintext (what AES-GCM encrypts)::

    +---------+------+-----------------+------+-------------------------------+
    | version | type | payload (below) | 0x80 | 0x00 ... to a multiple of 160 |
    +---------+------+-----------------+------+-------------------------------+

type 0x01 TextContent::            franking_key (32) | u32 len | text UTF-8
type 0x02 SenderKeyDistribution::  (layout in its class docstring)
type 0x03 ControlContent::         u8 len | action ASCII | u16 len | data
"""

from __future__ import annotations

from dataclasses import dataclass

from . import primitives as p
from .encoding import Reader, Writer, from_utf8, utf8
from .errors import DecodeError, LimitError, PaddingError, SignatureError
from .identity import key_id
from .limits import (
    MAX_CONTROL_DATA,
    MAX_PLAINTEXT_BYTES,
    MAX_ROOM_ID_BYTES,
    MAX_TEXT_BYTES,
    PAD_BLOCK,
    PROTOCOL_VERSION,
)

TYPE_TEXT = 0x01
TYPE_SENDER_KEY = 0x02
TYPE_CONTROL = 0x03
SKD_LABEL = b"iltapiiri/sender-key/v1\x00"


def pad(data: bytes, block: int = PAD_BLOCK) -> bytes:
    """Append 0x80 then zeros up to the next multiple of ``block`` (always at least one byte)."""
    n = len(data) + 1
    return data + b"\x80" + bytes((-n) % block)


def unpad(data: bytes, block: int = PAD_BLOCK) -> bytes:
    """Remove padding; ``PaddingError`` unless the length is a block multiple and the tail is
    exactly 0x80 followed by zeros."""
    if not data or len(data) % block:
        raise PaddingError("padded length is not a block multiple")
    stripped = data.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise PaddingError("padding marker missing")
    body = stripped[:-1]
    if len(data) - len(body) > block:
        raise PaddingError("padding longer than one block")
    return body


@dataclass(frozen=True, repr=False)
class TextContent:
    """A chat message and the sender's fresh franking key for it."""

    text: str
    franking_key: bytes

    def __post_init__(self) -> None:
        if len(self.franking_key) != 32:
            raise DecodeError("franking key must be 32 bytes")
        if len(self.text.encode("utf-8")) > MAX_TEXT_BYTES:
            raise LimitError("text too long")

    @classmethod
    def new(cls, text: str, rng: p.Rng = p.default_rng) -> TextContent:
        """Text with a franking key freshly drawn from ``rng``."""
        return cls(text, p.random_bytes(rng, 32))

    def __repr__(self) -> str:
        return f"TextContent(len={len(self.text)})"

    __str__ = __repr__


@dataclass(frozen=True, repr=False)
class SenderKeyDistribution:
    """A sender's group key for one (room, epoch) at ``iteration``, signed by its identity key.

    Payload layout (also the exact bytes signed, after ``SKD_LABEL``, minus the signature)::

        u8 len | room UTF-8 | epoch u32 | sender identity key 32 | key_id u32 |
        iteration u32 | chain_key 32 | signing public key 32 | signature 64
    """

    room: str
    epoch: int
    sender_key: bytes
    key_id: int
    iteration: int
    chain_key: bytes
    signing_key: bytes
    signature: bytes

    def signed_bytes(self) -> bytes:
        """``SKD_LABEL ||`` every field before the signature, as laid out above."""
        return SKD_LABEL + self._fields()

    def _fields(self) -> bytes:
        return (
            Writer().var8(utf8(self.room, MAX_ROOM_ID_BYTES, "room")).u32(self.epoch)
            .raw(self.sender_key).u32(self.key_id).u32(self.iteration)
            .raw(self.chain_key).raw(self.signing_key).bytes()
        )

    def encode_payload(self) -> bytes:
        """Fields then the signature."""
        return self._fields() + self.signature

    @classmethod
    def decode_payload(cls, r: Reader) -> SenderKeyDistribution:
        """Read the payload from ``r``."""
        room = from_utf8(r.var8(MAX_ROOM_ID_BYTES), "room")
        epoch = r.u32()
        sender = r.take(32)
        kid, it = r.u32(), r.u32()
        ck, sk, sig = r.take(32), r.take(32), r.take(64)
        return cls(room, epoch, sender, kid, it, ck, sk, sig)

    def verify(self) -> None:
        """Raise ``SignatureError`` unless signed by ``sender_key`` (the identity key)."""
        try:
            msg = self.signed_bytes()
        except DecodeError as exc:
            raise SignatureError("distribution fields out of range") from exc
        p.ed25519_verify(self.sender_key, self.signature, msg)

    def __repr__(self) -> str:
        return (
            f"SenderKeyDistribution(room={self.room!r}, epoch={self.epoch}, "
            f"sender={key_id(self.sender_key)}, key_id={self.key_id}, iteration={self.iteration})"
        )

    __str__ = __repr__


@dataclass(frozen=True)
class ControlContent:
    """A small protocol signal, e.g. ``action="dm_request"`` or ``"rotated"`` (not secret)."""

    action: str
    data: bytes = b""

    def __post_init__(self) -> None:
        if not self.action.isascii() or not 0 < len(self.action) <= 64:
            raise DecodeError("control action must be 1..64 ASCII characters")
        if len(self.data) > MAX_CONTROL_DATA:
            raise LimitError("control data too long")

    def __repr__(self) -> str:
        return f"ControlContent(action={self.action!r}, data_len={len(self.data)})"

    __str__ = __repr__


Content = TextContent | SenderKeyDistribution | ControlContent
"""Everything that can be inside a ciphertext."""


def encode_content(content: Content) -> bytes:
    """Serialise and pad ``content``."""
    w = Writer().u8(PROTOCOL_VERSION)
    if isinstance(content, TextContent):
        w.u8(TYPE_TEXT).raw(content.franking_key)
        w.var32(utf8(content.text, MAX_TEXT_BYTES, "text"))
    elif isinstance(content, SenderKeyDistribution):
        w.u8(TYPE_SENDER_KEY).raw(content.encode_payload())
    else:
        w.u8(TYPE_CONTROL).var8(content.action.encode("ascii")).var16(content.data)
    out = pad(w.bytes())
    if len(out) > MAX_PLAINTEXT_BYTES:
        raise LimitError("plaintext too long")
    return out


def decode_content(padded: bytes) -> Content:
    """Unpad and parse; every malformed input raises a ``DecodeError`` subclass."""
    if len(padded) > MAX_PLAINTEXT_BYTES:
        raise LimitError("plaintext too long")
    r = Reader(unpad(padded))
    r.version()
    kind = r.u8()
    out: Content
    if kind == TYPE_TEXT:
        fk = r.take(32)
        out = TextContent(from_utf8(r.var32(MAX_TEXT_BYTES), "text"), fk)
    elif kind == TYPE_SENDER_KEY:
        out = SenderKeyDistribution.decode_payload(r)
    elif kind == TYPE_CONTROL:
        action = r.var8(64)
        if not action.isascii():
            raise DecodeError("control action must be ASCII")
        out = ControlContent(action.decode("ascii"), r.var16(MAX_CONTROL_DATA))
    else:
        raise DecodeError("unknown content type")
    r.end()
    return out
