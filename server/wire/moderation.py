"""Typed requests of the moderation pipeline (issue 10), validated when decoded.

    flag                 {room, message_id, source, severity, categories, rule_ids, pseudonym?}
    alert.ack            {alert_id}
    mod.duty             {on}
    mod.sanction         {kind, room, pseudonym?, message_id?, minutes?, days?, permanent?,
                          seconds?, reason_code? | reason_text?, appeal_note?}
    mod.lift             {sanction_id}
    room.read_only_self  {room}

Unlike the other requests, a `flag` refuses every field it does not know (`bad_request`): a flag
is metadata only, and a client that put the message text into any field must be told, not
quietly relayed. Sizes are bounded here; the pure models (`moderation/`) check the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from moderation.limits import (
    MAX_APPEAL_NOTE_CHARS,
    MAX_CATEGORIES,
    MAX_REASON_TEXT_CHARS,
    MAX_RULE_IDS,
)
from server.limits import MAX_ROOM_ID_CHARS, PSEUDONYM_MAX_CHARS
from server.wire.errors import ApiError
from server.wire.requests import _obj, _str

MAX_MOD_ID_CHARS: Final = 64
"""Message, alert and sanction ids on the wire."""
MAX_TOKEN_CHARS: Final = 64
"""A category, rule id or reason code."""
FLAG_FIELDS: Final = frozenset({"room", "message_id", "source", "severity", "categories",
                                "rule_ids", "pseudonym"})
SANCTION_KINDS: Final = ("mute", "remove", "ban", "slow_mode", "lock", "read_only",
                         "delete_message")


def _opt_int(d: dict[str, Any], name: str, lo: int, hi: int) -> int | None:
    value = d.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ApiError("bad_request", f"{name} must be an integer {lo}..{hi}")
    return value


def _tokens(d: dict[str, Any], name: str, limit: int) -> tuple[str, ...]:
    value = d.get(name, [])
    if not isinstance(value, list) or len(value) > limit:
        raise ApiError("bad_request", f"{name} must be a list of at most {limit}")
    for v in value:
        if not isinstance(v, str) or not 0 < len(v) <= MAX_TOKEN_CHARS:
            raise ApiError("bad_request", f"{name} must hold short strings")
    return tuple(value)


def _required(d: dict[str, Any], name: str, limit: int) -> str:
    value = _str(d, name, limit)
    assert value is not None
    return value


@dataclass(frozen=True, kw_only=True)
class FlagRequest:
    """A client's flag about a group message: never text (FLAG_FIELDS only)."""

    room: str
    message_id: str
    source: str
    severity: int
    categories: tuple[str, ...]
    rule_ids: tuple[str, ...]
    pseudonym: str | None

    @classmethod
    def decode(cls, payload: object) -> FlagRequest:
        """Validate; unknown fields are refused."""
        d = _obj(payload)
        if set(d) - FLAG_FIELDS:
            raise ApiError("bad_request", "a flag has only metadata fields")
        severity = d.get("severity")
        if isinstance(severity, bool) or not isinstance(severity, int):
            raise ApiError("bad_request", "severity must be an integer")
        return cls(room=_required(d, "room", MAX_ROOM_ID_CHARS),
                   message_id=_required(d, "message_id", MAX_MOD_ID_CHARS),
                   source=_required(d, "source", 16), severity=severity,
                   categories=_tokens(d, "categories", MAX_CATEGORIES),
                   rule_ids=_tokens(d, "rule_ids", MAX_RULE_IDS),
                   pseudonym=_str(d, "pseudonym", PSEUDONYM_MAX_CHARS, optional=True))


@dataclass(frozen=True, kw_only=True)
class AlertAck:
    """A moderator takes an alert."""

    alert_id: str

    @classmethod
    def decode(cls, payload: object) -> AlertAck:
        """Validate."""
        return cls(alert_id=_required(_obj(payload), "alert_id", MAX_MOD_ID_CHARS))


@dataclass(frozen=True, kw_only=True)
class Duty:
    """A moderator goes on or off duty."""

    on: bool

    @classmethod
    def decode(cls, payload: object) -> Duty:
        """Validate."""
        on = _obj(payload).get("on")
        if not isinstance(on, bool):
            raise ApiError("bad_request", "on must be true or false")
        return cls(on=on)


@dataclass(frozen=True, kw_only=True)
class SanctionRequest:
    """A staff action in a room (the kinds of moderation.sanctions)."""

    kind: str
    room: str
    pseudonym: str | None = None
    message_id: str | None = None
    minutes: int | None = None
    days: int | None = None
    permanent: bool = False
    seconds: int | None = None
    reason_code: str | None = None
    reason_text: str | None = None
    appeal_note: str | None = None

    @classmethod
    def decode(cls, payload: object) -> SanctionRequest:
        """Validate shapes and sizes (the model checks ranges and combinations)."""
        d = _obj(payload)
        kind = d.get("kind")
        if kind not in SANCTION_KINDS:
            raise ApiError("bad_request", "unknown sanction kind")
        permanent = d.get("permanent", False)
        if not isinstance(permanent, bool):
            raise ApiError("bad_request", "permanent must be true or false")
        return cls(kind=str(kind), room=_required(d, "room", MAX_ROOM_ID_CHARS),
                   pseudonym=_str(d, "pseudonym", PSEUDONYM_MAX_CHARS, optional=True),
                   message_id=_str(d, "message_id", MAX_MOD_ID_CHARS, optional=True),
                   minutes=_opt_int(d, "minutes", 0, 10**6), days=_opt_int(d, "days", 0, 10**6),
                   permanent=permanent, seconds=_opt_int(d, "seconds", 0, 10**6),
                   reason_code=_str(d, "reason_code", MAX_TOKEN_CHARS, optional=True),
                   reason_text=_str(d, "reason_text", MAX_REASON_TEXT_CHARS, optional=True),
                   appeal_note=_str(d, "appeal_note", MAX_APPEAL_NOTE_CHARS, optional=True))

    def __repr__(self) -> str:
        return f"SanctionRequest(kind={self.kind!r}, room={self.room!r})"  # no typed reason


@dataclass(frozen=True, kw_only=True)
class Lift:
    """End a sanction early."""

    sanction_id: str

    @classmethod
    def decode(cls, payload: object) -> Lift:
        """Validate."""
        return cls(sanction_id=_required(_obj(payload), "sanction_id", MAX_MOD_ID_CHARS))


@dataclass(frozen=True, kw_only=True)
class ReadOnlySelf:
    """A peer chooses to only read for the rest of the night."""

    room: str

    @classmethod
    def decode(cls, payload: object) -> ReadOnlySelf:
        """Validate."""
        return cls(room=_required(_obj(payload), "room", MAX_ROOM_ID_CHARS))
