"""Byte-level reader/writer and base64 helpers shared by every wire structure.

Integers are big-endian. Variable fields are length-prefixed (u8/u16/u32 as drawn per message).
"""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Mapping
from typing import Any

from .errors import DecodeError, VersionError
from .limits import PROTOCOL_VERSION


class Writer:
    """Append-only byte builder."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def u8(self, v: int) -> Writer:
        self._parts.append(struct.pack(">B", v))
        return self

    def u16(self, v: int) -> Writer:
        self._parts.append(struct.pack(">H", v))
        return self

    def u32(self, v: int) -> Writer:
        self._parts.append(struct.pack(">I", v))
        return self

    def u64(self, v: int) -> Writer:
        self._parts.append(struct.pack(">Q", v))
        return self

    def raw(self, b: bytes) -> Writer:
        self._parts.append(bytes(b))
        return self

    def var8(self, b: bytes) -> Writer:
        if len(b) > 0xFF:
            raise DecodeError("field too long for a u8 length")
        return self.u8(len(b)).raw(b)

    def var16(self, b: bytes) -> Writer:
        if len(b) > 0xFFFF:
            raise DecodeError("field too long for a u16 length")
        return self.u16(len(b)).raw(b)

    def var32(self, b: bytes) -> Writer:
        return self.u32(len(b)).raw(b)

    def bytes(self) -> bytes:
        return b"".join(self._parts)


class Reader:
    """Cursor over bytes; every read checks bounds and raises ``DecodeError``."""

    def __init__(self, data: bytes) -> None:
        self._data = bytes(data)
        self._pos = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self._pos + n > len(self._data):
            raise DecodeError("truncated input")
        out = self._data[self._pos : self._pos + n]
        self._pos += n
        return out

    def u8(self) -> int:
        return int(struct.unpack(">B", self.take(1))[0])

    def u16(self) -> int:
        return int(struct.unpack(">H", self.take(2))[0])

    def u32(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    def u64(self) -> int:
        return int(struct.unpack(">Q", self.take(8))[0])

    def var8(self, limit: int = 0xFF) -> bytes:
        n = self.u8()
        if n > limit:
            raise DecodeError("field longer than its limit")
        return self.take(n)

    def var16(self, limit: int = 0xFFFF) -> bytes:
        n = self.u16()
        if n > limit:
            raise DecodeError("field longer than its limit")
        return self.take(n)

    def var32(self, limit: int) -> bytes:
        n = self.u32()
        if n > limit:
            raise DecodeError("field longer than its limit")
        return self.take(n)

    def rest(self) -> bytes:
        out = self._data[self._pos :]
        self._pos = len(self._data)
        return out

    def remaining(self) -> int:
        return len(self._data) - self._pos

    def version(self, expected: int = PROTOCOL_VERSION) -> None:
        v = self.u8()
        if v != expected:
            raise VersionError(f"version {v} not supported")

    def end(self) -> None:
        if self._pos != len(self._data):
            raise DecodeError("trailing bytes")


def utf8(s: str, limit: int, what: str) -> bytes:
    """Encode ``s`` as UTF-8 and enforce a byte limit."""
    b = s.encode("utf-8")
    if len(b) > limit:
        raise DecodeError(f"{what} longer than {limit} bytes")
    return b


def from_utf8(b: bytes, what: str) -> str:
    """Strict UTF-8 decode raising ``DecodeError``."""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"{what} is not UTF-8") from exc


def b64e(b: bytes) -> str:
    """RFC 4648 §4 standard base64 with padding (docs/protocol.md)."""
    return base64.b64encode(b).decode("ascii")


def b64d(s: object, what: str, length: int | None = None, max_len: int | None = None) -> bytes:
    """Strict base64 decode with optional exact or maximum length."""
    if not isinstance(s, str):
        raise DecodeError(f"{what} must be a base64 string")
    try:
        out = base64.b64decode(s.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise DecodeError(f"{what} is not valid base64") from exc
    if base64.b64encode(out).decode("ascii") != s:
        # validate=True does not check the unused low bits of the last character.
        raise DecodeError(f"{what} is not canonical base64")
    if length is not None and len(out) != length:
        raise DecodeError(f"{what} must be {length} bytes, got {len(out)}")
    if max_len is not None and len(out) > max_len:
        raise DecodeError(f"{what} longer than {max_len} bytes")
    return out


def field(d: Mapping[str, Any], name: str, typ: type) -> Any:
    """Fetch a required JSON field of a given type."""
    if not isinstance(d, Mapping) or name not in d:
        raise DecodeError(f"missing field {name}")
    v = d[name]
    # bool is an int subclass; never accept it where an int is meant.
    if not isinstance(v, typ) or (typ is int and isinstance(v, bool)):
        raise DecodeError(f"field {name} has the wrong type")
    return v
