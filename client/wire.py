"""Typed server replies and pushes (docs/protocol.md), validated when decoded.

Raw dicts stop here: each ``from_wire`` checks types, sizes and base64 and raises
``ProtocolViolation`` (code ``bad_push`` or ``bad_reply``) on anything malformed, so the layers
above only ever see well-formed values. Byte fields are decoded to ``bytes``; the b64 text of an
identity key is kept beside it where the protocol signs the text form. Envelopes and key
bundles are decoded by the e2ee core (``e2ee.envelopes``, ``e2ee.identity.PrekeyBundle``).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from client.errors import BAD_PUSH, ProtocolViolation
from e2ee.errors import E2EEError
from e2ee.membership import MembershipEvent
from e2ee.pow import MAX_POW_BITS

KEY_LEN = 32
WIRE_PROTOCOL = 2  # v2: membership signatures cover roles (docs/decisions.md)
"""The docs/protocol.md version this client speaks (``hello`` answers ``protocol``)."""
MAX_FIELD_B64 = 256 * 1024  # generous bound on any one b64 field from the server
MAX_NAME = 200


def b64e(data: bytes) -> str:
    """Standard padded base64 (RFC 4648 §4), as every byte field travels."""
    return base64.b64encode(data).decode("ascii")


def _fail(code: str, what: str) -> ProtocolViolation:
    return ProtocolViolation(code, f"invalid {what}")


def _obj(data: Any, what: str, code: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _fail(code, what)
    return data


def _str(d: dict[str, Any], key: str, code: str, *, max_len: int = MAX_NAME) -> str:
    value = d.get(key)
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise _fail(code, key)
    return value


def _opt_str(d: dict[str, Any], key: str, code: str) -> str | None:
    if d.get(key) is None:
        return None
    return _str(d, key, code)


def _int(d: dict[str, Any], key: str, code: str, *, minimum: int = 0) -> int:
    value = d.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _fail(code, key)
    return value


def _b64(d: dict[str, Any], key: str, code: str, *, length: int | None = None) -> bytes:
    value = d.get(key)
    if not isinstance(value, str) or len(value) > MAX_FIELD_B64:
        raise _fail(code, key)
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _fail(code, key) from None
    if length is not None and len(raw) != length:
        raise _fail(code, key)
    return raw


def ts_to_datetime(ts_ms: int) -> datetime:
    """The server's Unix-millisecond ``ts`` as a timezone-aware UTC datetime."""
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC)


@dataclass(frozen=True, kw_only=True)
class HelloReply:
    """Answer to ``hello``: a one-time challenge and the server's membership-signing key."""

    challenge: bytes
    server_key: bytes
    protocol: int
    pow_bits: int = 0  # sign-in proof of work (e2ee/pow.py); absent means none

    @classmethod
    def from_wire(cls, data: Any, code: str = "bad_reply") -> HelloReply:
        d = _obj(data, "hello", code)
        pow_bits = d.get("pow_bits", 0)
        if isinstance(pow_bits, bool) or not isinstance(pow_bits, int) or not (
                0 <= pow_bits <= MAX_POW_BITS):
            raise ProtocolViolation(code, "hello.pow_bits out of range")
        return cls(
            challenge=_b64(d, "challenge", code, length=32),
            server_key=_b64(d, "server_key", code, length=KEY_LEN),
            protocol=_int(d, "protocol", code, minimum=1),
            pow_bits=pow_bits,
        )


@dataclass(frozen=True, kw_only=True)
class AuthReply:
    """Answer to ``auth``: the pseudonym others will see."""

    pseudonym: str
    user_id: str
    role: str

    @classmethod
    def from_wire(cls, data: Any, code: str = "bad_reply") -> AuthReply:
        d = _obj(data, "auth", code)
        return cls(
            pseudonym=_str(d, "pseudonym", code),
            user_id=_str(d, "user_id", code),
            role=_str(d, "role", code),
        )


GROUP_STATES = frozenset({"scheduled", "lobby", "open", "closed"})


def _bool(d: dict[str, Any], key: str, code: str) -> bool:
    value = d.get(key)
    if not isinstance(value, bool):
        raise _fail(code, key)
    return value


def _when(d: dict[str, Any], key: str, code: str) -> datetime:
    try:
        value = datetime.fromisoformat(_str(d, key, code, max_len=64))
    except ValueError:
        raise _fail(code, key) from None
    if value.tzinfo is None:
        raise _fail(code, key)
    return value


@dataclass(frozen=True, kw_only=True)
class GroupInfo:
    """A group and its current or next night (``groups.list``, ``group.join``)."""

    id: str
    name: str
    topic: str
    language: str
    lobby_at: datetime
    starts_at: datetime
    ends_at: datetime
    capacity: int
    seats_left: int
    state: str
    open: bool
    moderator_required: bool
    moderator_present: bool
    room: str

    @classmethod
    def from_wire(cls, data: Any, code: str = "bad_reply") -> GroupInfo:
        d = _obj(data, "group", code)
        state = _str(d, "state", code)
        if state not in GROUP_STATES:
            raise _fail(code, "state")
        return cls(
            id=_str(d, "id", code), name=_str(d, "name", code),
            topic=_str(d, "topic", code, max_len=2000), language=_str(d, "language", code),
            lobby_at=_when(d, "lobby_at", code), starts_at=_when(d, "starts_at", code),
            ends_at=_when(d, "ends_at", code), capacity=_int(d, "capacity", code),
            seats_left=_int(d, "seats_left", code), state=state, open=_bool(d, "open", code),
            moderator_required=_bool(d, "moderator_required", code),
            moderator_present=_bool(d, "moderator_present", code), room=_str(d, "room", code),
        )


@dataclass(frozen=True, kw_only=True)
class JoinReply:
    """Answer to ``group.join``."""

    room: str
    epoch: int
    membership: MembershipEvent
    group: GroupInfo

    @classmethod
    def from_wire(cls, data: Any, code: str = "bad_reply") -> JoinReply:
        d = _obj(data, "group.join", code)
        return cls(
            room=_str(d, "room", code),
            epoch=_int(d, "epoch", code),
            membership=decode_membership(d.get("membership"), code),
            group=GroupInfo.from_wire(d.get("group"), code),
        )


def decode_membership(data: Any, code: str = BAD_PUSH) -> MembershipEvent:
    """Validate a membership event's shape (its signature is checked by ``verify_membership``)."""
    try:
        return MembershipEvent.from_wire(_obj(data, "membership", code))
    except E2EEError as err:
        raise ProtocolViolation(code, f"invalid membership ({err.code})") from None


@dataclass(frozen=True, kw_only=True)
class GroupEvent:
    """``group.opened`` / ``group.closing`` / ``group.closed`` for a room."""

    name: str
    room: str
    closes_at: str | None
    reason: str | None

    @classmethod
    def from_wire(cls, name: str, data: Any, code: str = BAD_PUSH) -> GroupEvent:
        d = _obj(data, name, code)
        return cls(
            name=name,
            room=_str(d, "room", code),
            closes_at=_opt_str(d, "closes_at", code),
            reason=_opt_str(d, "reason", code),
        )
