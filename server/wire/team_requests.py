"""Typed requests of the counsellor team key and the closing notes (issue 11; docs/protocol.md,
"Counsellor team key"). Wraps are decoded by the e2ee core (`e2ee.team.TeamKeyWrap.from_wire`),
so the server never copies their format; a malformed one is `bad_request`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from e2ee.errors import E2EEError
from e2ee.team import MAX_EPOCH, TeamKeyWrap
from server.wire.errors import ApiError
from server.wire.requests import b64decode_field

MAX_WRAPS_PER_REQUEST: Final = 64
"""Wraps one `team_key.put` may carry (one per counsellor of the team)."""
_CODE_RE: Final = re.compile(r"[0-9a-f]{32}")


def _obj(payload: object) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ApiError("bad_request", "payload must be a JSON object")
    return payload


@dataclass(frozen=True, kw_only=True, repr=False)
class TeamKeyPut:
    """`team_key.put {epoch, team_key, new, wraps: [TeamKeyWrap]}`."""

    epoch: int
    team_key: bytes
    new: bool
    wraps: tuple[TeamKeyWrap, ...]

    @classmethod
    def decode(cls, payload: object) -> TeamKeyPut:
        d = _obj(payload)
        epoch = d.get("epoch")
        if not isinstance(epoch, int) or isinstance(epoch, bool) or not 1 <= epoch <= MAX_EPOCH:
            raise ApiError("bad_request", "epoch must be 1..2^32-1")
        new = d.get("new", False)
        if not isinstance(new, bool):
            raise ApiError("bad_request", "new must be true or false")
        raw = d.get("wraps")
        if not isinstance(raw, list) or not raw:
            raise ApiError("bad_request", "wraps must be a non-empty list")
        if len(raw) > MAX_WRAPS_PER_REQUEST:
            raise ApiError("too_large", f"at most {MAX_WRAPS_PER_REQUEST} wraps")
        try:
            wraps = tuple(TeamKeyWrap.from_wire(w) if isinstance(w, dict) else _bad()
                          for w in raw)
        except E2EEError:
            raise ApiError("bad_request", "a wrap does not decode") from None
        return cls(epoch=epoch, team_key=b64decode_field(d.get("team_key"), "team_key",
                                                         exact=32),
                   new=new, wraps=wraps)

    def __repr__(self) -> str:
        return f"TeamKeyPut(epoch={self.epoch}, new={self.new}, wraps={len(self.wraps)})"


def _bad() -> TeamKeyWrap:
    raise ApiError("bad_request", "a wrap must be an object")


@dataclass(frozen=True, kw_only=True)
class CaseNotes:
    """`case.notes {case_id}`."""

    case_id: str

    @classmethod
    def decode(cls, payload: object) -> CaseNotes:
        value = _obj(payload).get("case_id")
        if not isinstance(value, str) or not _CODE_RE.fullmatch(value):
            raise ApiError("bad_request", "case_id must be 32 hex digits")
        return cls(case_id=value)
