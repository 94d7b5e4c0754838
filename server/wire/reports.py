"""Typed requests of peer reports (issue 10), validated when decoded.

    report.recipients  {room}
    report             {room, message_id, sender_key, commitment, ts, stamp, reason,
                        sealed: [{to, eph, box}]}

The server checks sizes and its own stamp only; the boxes are opaque to it (e2ee/reports.py).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from e2ee.reports import MAX_BOX_BYTES
from moderation.reports import MAX_RECIPIENTS, REPORT_REASONS
from server.limits import KEY_BYTES, MAX_ROOM_ID_CHARS
from server.wire.errors import ApiError
from server.wire.requests import _obj, _str, b64decode_field

COMMITMENT_BYTES = 32
STAMP_BYTES = 32
MAX_SEQ = 2**53 - 1


def _room(d: dict[str, Any]) -> str:
    room = _str(d, "room", MAX_ROOM_ID_CHARS)
    assert room is not None
    return room


def _uint(d: dict[str, Any], name: str) -> int:
    value = d.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEQ:
        raise ApiError("bad_request", f"{name} must be an integer 0..2^53-1")
    return value


@dataclass(frozen=True, kw_only=True)
class RecipientsRequest:
    """Who can read a report of this room now."""

    room: str

    @classmethod
    def decode(cls, payload: object) -> RecipientsRequest:
        """Validate."""
        return cls(room=_room(_obj(payload)))


@dataclass(frozen=True, kw_only=True, repr=False)
class Box:
    """One recipient's sealed box (opaque here)."""

    to: bytes
    eph: bytes
    box: bytes

    def to_wire(self) -> dict[str, str]:
        """As pushed to the recipient."""
        return {k: base64.b64encode(v).decode("ascii")
                for k, v in (("to", self.to), ("eph", self.eph), ("box", self.box))}


@dataclass(frozen=True, kw_only=True, repr=False)
class ReportRequest:
    """A peer's report of one group message: the relay's own fields in clear, the revealed
    message only inside the boxes."""

    room: str
    message_id: int
    sender_key: bytes
    commitment: bytes
    ts: int
    stamp: bytes
    reason: str
    sealed: tuple[Box, ...]

    def __repr__(self) -> str:
        return f"ReportRequest(room={self.room!r}, boxes={len(self.sealed)})"

    @classmethod
    def decode(cls, payload: object) -> ReportRequest:
        """Validate sizes and shapes (`bad_request`, `too_large`, `unknown_reason`)."""
        d = _obj(payload)
        reason = _str(d, "reason", 32)
        if reason not in REPORT_REASONS:
            raise ApiError("unknown_reason")
        sealed = d.get("sealed")
        if not isinstance(sealed, list) or not 0 < len(sealed) <= MAX_RECIPIENTS:
            raise ApiError("bad_request", f"sealed must hold 1..{MAX_RECIPIENTS} boxes")
        boxes = []
        for b in sealed:
            if not isinstance(b, dict):
                raise ApiError("bad_request", "a box is an object")
            boxes.append(Box(to=b64decode_field(b.get("to"), "to", exact=KEY_BYTES),
                             eph=b64decode_field(b.get("eph"), "eph", exact=KEY_BYTES),
                             box=b64decode_field(b.get("box"), "box", maximum=MAX_BOX_BYTES)))
        return cls(room=_room(d), message_id=_uint(d, "message_id"),
                   sender_key=b64decode_field(d.get("sender_key"), "sender_key", exact=KEY_BYTES),
                   commitment=b64decode_field(d.get("commitment"), "commitment",
                                              exact=COMMITMENT_BYTES),
                   ts=_uint(d, "ts"),
                   stamp=b64decode_field(d.get("stamp"), "stamp", exact=STAMP_BYTES),
                   reason=reason, sealed=tuple(boxes))
