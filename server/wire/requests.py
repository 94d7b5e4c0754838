"""Typed requests, one class per client→server event, validated when decoded.

Raw dicts stop here: `decode(EventClass, payload)` returns a frozen instance or raises ApiError
(`bad_request` for shape/type errors, `too_large` for size breaches). Bytes on the wire are
standard base64 with padding; they are checked to be canonical so one value has one spelling.
Unknown fields are ignored so that clients may be newer than the server.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from e2ee.pow import MAX_NONCE
from server.limits import (
    COMMITMENT_BYTES,
    KEY_BYTES,
    MAX_ACK_IDS,
    MAX_BODY_BYTES,
    MAX_GROUP_ID_CHARS,
    MAX_HEADER_BYTES,
    MAX_KIND_CHARS,
    MAX_ONE_TIME_PREKEYS_PER_PUBLISH,
    MAX_PREKEY_ID,
    MAX_ROOM_ID_CHARS,
    PSEUDONYM_MAX_CHARS,
    SIGNATURE_BYTES,
)
from server.wire.errors import ApiError

# Checked with `fullmatch`: `$` also matches before a final newline ("group\n").
_KIND_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")
_ID_RE = re.compile(r"[0-9a-f]{32}")


def is_text(value: str) -> bool:
    """True if `value` is valid Unicode text (no lone surrogate: it has no UTF-8 form, so a
    store or a log could not hold it)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def b64decode_field(value: object, name: str, *, exact: int | None = None,
                    maximum: int | None = None) -> bytes:
    """Decode a base64 field; enforce an exact or maximum decoded size."""
    if not isinstance(value, str):
        raise ApiError("bad_request", f"{name} must be base64 text")
    limit = exact if exact is not None else maximum
    if limit is not None and len(value) > 4 * ((limit + 2) // 3):
        raise ApiError("too_large" if exact is None else "bad_request", f"{name} is too large")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiError("bad_request", f"{name} is not valid base64") from exc
    if base64.b64encode(raw).decode("ascii") != value:
        raise ApiError("bad_request", f"{name} is not canonical base64")
    if exact is not None and len(raw) != exact:
        raise ApiError("bad_request", f"{name} must be {exact} bytes")
    if maximum is not None and len(raw) > maximum:
        raise ApiError("too_large", f"{name} is larger than {maximum} bytes")
    return raw


def _obj(payload: object) -> dict[str, Any]:
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise ApiError("bad_request", "payload must be a JSON object")
    return payload


def _str(d: dict[str, Any], name: str, max_chars: int, *, optional: bool = False) -> str | None:
    value = d.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise ApiError("bad_request", f"{name} must be a non-empty string")
    if len(value) > max_chars:
        raise ApiError("bad_request", f"{name} is too long")
    if not is_text(value):
        raise ApiError("bad_request", f"{name} is not valid text")
    return value


def _int(d: dict[str, Any], name: str) -> int:
    value = d.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PREKEY_ID:
        raise ApiError("bad_request", f"{name} must be an integer in [0, {MAX_PREKEY_ID}]")
    return value


def _pow_nonce(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_NONCE:
        raise ApiError("bad_request", "pow must be an integer 0..2^53-1")
    return value


def _kind(d: dict[str, Any]) -> str:
    kind = _str(d, "kind", MAX_KIND_CHARS)
    assert kind is not None
    if not _KIND_RE.fullmatch(kind):
        raise ApiError("bad_request", "kind must be lowercase letters, digits, . _ -")
    return kind


@dataclass(frozen=True, kw_only=True)
class Hello:
    """`hello {}`."""

    @classmethod
    def decode(cls, payload: object) -> Hello:
        _obj(payload)
        return cls()


@dataclass(frozen=True, kw_only=True, repr=False)
class Auth:
    """`auth {identity_key, signature, pseudonym?, pow?}` (`pow`: the proof-of-work nonce)."""

    identity_key: bytes
    signature: bytes
    pseudonym: str | None
    pow: int = 0

    @classmethod
    def decode(cls, payload: object) -> Auth:
        d = _obj(payload)
        pseudonym = d.get("pseudonym")
        if pseudonym is not None and (not isinstance(pseudonym, str)
                                      or len(pseudonym) > 4 * PSEUDONYM_MAX_CHARS
                                      or not is_text(pseudonym)):
            raise ApiError("pseudonym_invalid", "pseudonym must be a short string")
        return cls(
            identity_key=b64decode_field(d.get("identity_key"), "identity_key", exact=KEY_BYTES),
            signature=b64decode_field(d.get("signature"), "signature", exact=SIGNATURE_BYTES),
            pseudonym=pseudonym,
            pow=_pow_nonce(d.get("pow", 0)),
        )

    def __repr__(self) -> str:
        return "Auth(<redacted>)"


@dataclass(frozen=True, kw_only=True)
class SignedPrekey:
    """A signed prekey: id, X25519 public key, Ed25519 signature by the identity key."""

    id: int
    key: bytes
    sig: bytes

    @classmethod
    def decode(cls, value: object) -> SignedPrekey:
        d = _obj(value)
        return cls(id=_int(d, "id"),
                   key=b64decode_field(d.get("key"), "signed_prekey.key", exact=KEY_BYTES),
                   sig=b64decode_field(d.get("sig"), "signed_prekey.sig", exact=SIGNATURE_BYTES))


@dataclass(frozen=True, kw_only=True)
class OneTimePrekey:
    """A one-time prekey: id and X25519 public key."""

    id: int
    key: bytes

    @classmethod
    def decode(cls, value: object) -> OneTimePrekey:
        d = _obj(value)
        return cls(id=_int(d, "id"),
                   key=b64decode_field(d.get("key"), "one_time_prekey.key", exact=KEY_BYTES))


@dataclass(frozen=True, kw_only=True)
class KeysPublish:
    """`keys.publish {dh_key, dh_sig, signed_prekey, one_time_prekeys}`."""

    dh_key: bytes
    dh_sig: bytes
    signed_prekey: SignedPrekey
    one_time_prekeys: tuple[OneTimePrekey, ...]

    @classmethod
    def decode(cls, payload: object) -> KeysPublish:
        d = _obj(payload)
        raw_otpks = d.get("one_time_prekeys", [])
        if not isinstance(raw_otpks, list):
            raise ApiError("bad_request", "one_time_prekeys must be a list")
        if len(raw_otpks) > MAX_ONE_TIME_PREKEYS_PER_PUBLISH:
            raise ApiError("too_large", f"at most {MAX_ONE_TIME_PREKEYS_PER_PUBLISH} prekeys")
        otpks = tuple(OneTimePrekey.decode(v) for v in raw_otpks)
        if len({p.id for p in otpks}) != len(otpks):
            raise ApiError("bad_request", "one-time prekey ids must be unique")
        return cls(
            dh_key=b64decode_field(d.get("dh_key"), "dh_key", exact=KEY_BYTES),
            dh_sig=b64decode_field(d.get("dh_sig"), "dh_sig", exact=SIGNATURE_BYTES),
            signed_prekey=SignedPrekey.decode(d.get("signed_prekey")),
            one_time_prekeys=otpks,
        )


@dataclass(frozen=True, kw_only=True)
class KeysFetch:
    """`keys.fetch {pseudonym}`."""

    pseudonym: str

    @classmethod
    def decode(cls, payload: object) -> KeysFetch:
        name = _str(_obj(payload), "pseudonym", 4 * PSEUDONYM_MAX_CHARS)
        assert name is not None
        return cls(pseudonym=name)


@dataclass(frozen=True, kw_only=True)
class Empty:
    """Events without fields (`keys.count`, `groups.list`, `inbox.fetch`)."""

    @classmethod
    def decode(cls, payload: object) -> Empty:
        _obj(payload)
        return cls()


@dataclass(frozen=True, kw_only=True)
class GroupJoin:
    """`group.join {group_id}`."""

    group_id: str

    @classmethod
    def decode(cls, payload: object) -> GroupJoin:
        gid = _str(_obj(payload), "group_id", MAX_GROUP_ID_CHARS)
        assert gid is not None
        return cls(group_id=gid)


@dataclass(frozen=True, kw_only=True)
class GroupLeave:
    """`group.leave {room}`."""

    room: str

    @classmethod
    def decode(cls, payload: object) -> GroupLeave:
        room = _str(_obj(payload), "room", MAX_ROOM_ID_CHARS)
        assert room is not None
        return cls(room=room)


@dataclass(frozen=True, kw_only=True, repr=False)
class Envelope:
    """The common part of `room.send` and `direct.send`: kind, header, body, commitment?."""

    kind: str
    header: bytes
    body: bytes
    commitment: bytes | None

    @classmethod
    def decode_parts(cls, d: dict[str, Any]) -> Envelope:
        """Decode the envelope fields of a send request."""
        commitment = d.get("commitment")
        return cls(
            kind=_kind(d),
            header=b64decode_field(d.get("header"), "header", maximum=MAX_HEADER_BYTES),
            body=b64decode_field(d.get("body"), "body", maximum=MAX_BODY_BYTES),
            commitment=None if commitment is None else b64decode_field(
                commitment, "commitment", exact=COMMITMENT_BYTES),
        )

    def __repr__(self) -> str:
        return f"Envelope(kind={self.kind!r}, header={len(self.header)}B, body={len(self.body)}B)"


@dataclass(frozen=True, kw_only=True, repr=False)
class RoomSend:
    """`room.send {room, kind, header, body, commitment?}`."""

    room: str
    envelope: Envelope

    @classmethod
    def decode(cls, payload: object) -> RoomSend:
        d = _obj(payload)
        room = _str(d, "room", MAX_ROOM_ID_CHARS)
        assert room is not None
        return cls(room=room, envelope=Envelope.decode_parts(d))

    def __repr__(self) -> str:
        return f"RoomSend(room={self.room!r}, {self.envelope!r})"


@dataclass(frozen=True, kw_only=True, repr=False)
class DirectSend:
    """`direct.send {to, kind, header, body, commitment?}`."""

    to: str
    envelope: Envelope

    @classmethod
    def decode(cls, payload: object) -> DirectSend:
        d = _obj(payload)
        to = _str(d, "to", 4 * PSEUDONYM_MAX_CHARS)
        assert to is not None
        return cls(to=to, envelope=Envelope.decode_parts(d))

    def __repr__(self) -> str:
        return f"DirectSend({self.envelope!r})"


@dataclass(frozen=True, kw_only=True)
class DirectTyping:
    """`direct.typing {to}`: a content-free "I am typing to you" (no text, no length)."""

    to: str

    @classmethod
    def decode(cls, payload: object) -> DirectTyping:
        to = _str(_obj(payload), "to", 4 * PSEUDONYM_MAX_CHARS)
        assert to is not None
        return cls(to=to)


@dataclass(frozen=True, kw_only=True)
class InboxAck:
    """`inbox.ack {ids}`."""

    ids: tuple[str, ...]

    @classmethod
    def decode(cls, payload: object) -> InboxAck:
        ids = _obj(payload).get("ids")
        if not isinstance(ids, list):
            raise ApiError("bad_request", "ids must be a list")
        if len(ids) > MAX_ACK_IDS:
            raise ApiError("too_large", f"at most {MAX_ACK_IDS} ids")
        if not all(isinstance(i, str) and _ID_RE.fullmatch(i) for i in ids):
            raise ApiError("bad_request", "ids must be envelope ids")
        return cls(ids=tuple(ids))


