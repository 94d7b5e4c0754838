"""Typed requests of the escalation events (docs/protocol.md, "Escalation"), validated when
decoded; refusals are `bad_request` / `too_large` like every other request."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from escalation.case import MAX_SHARED_ITEMS, CaseSource, Outcome
from escalation.offering import MAX_CAPACITY
from escalation.policy import CASE_MAX_SEVERITY, CASE_MIN_SEVERITY
from server.limits import (
    MAX_COUNSELLOR_NAME_CHARS,
    MAX_NOTE_BYTES,
    MAX_ROOM_ID_CHARS,
    PSEUDONYM_MAX_CHARS,
)
from server.wire.errors import ApiError
from server.wire.requests import b64decode_field, is_text

_CODE_RE: Final = re.compile(r"[0-9a-f]{32}")
_TOKEN_RE: Final = re.compile(r"[a-z0-9][a-z0-9_]{0,31}")
MAX_RATING: Final = 5


def _obj(payload: object) -> dict[str, Any]:
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise ApiError("bad_request", "payload must be a JSON object")
    return payload


def _code(d: dict[str, Any], name: str) -> str:
    value = d.get(name)
    if not isinstance(value, str) or not _CODE_RE.fullmatch(value):
        raise ApiError("bad_request", f"{name} must be 32 hex digits")
    return value


def _token(d: dict[str, Any], name: str, *, optional: bool = False) -> str | None:
    value = d.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not _TOKEN_RE.fullmatch(value):
        raise ApiError("bad_request", f"{name} must be a token [a-z0-9_], at most 32")
    return value


def _small_int(d: dict[str, Any], name: str, lo: int, hi: int, default: int | None) -> int | None:
    value = d.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ApiError("bad_request", f"{name} must be an integer {lo}..{hi}")
    return value


def _bool(d: dict[str, Any], name: str, default: bool | None = None) -> bool:
    value = d.get(name, default)
    if not isinstance(value, bool):
        raise ApiError("bad_request", f"{name} must be true or false")
    return value


def _text(d: dict[str, Any], name: str, limit: int) -> str:
    value = d.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= limit or not is_text(value):
        raise ApiError("bad_request", f"{name} must be 1..{limit} characters")
    return value


def _level(d: dict[str, Any], default: int | None) -> int | None:
    return _small_int(d, "level", CASE_MIN_SEVERITY, CASE_MAX_SEVERITY, default)


@dataclass(frozen=True, kw_only=True)
class CaseRequest:
    """`case.request {reason?, level?, source?, share_count?}`."""

    reason: str | None
    level: int
    source: CaseSource
    share_count: int

    @classmethod
    def decode(cls, payload: object) -> CaseRequest:
        d = _obj(payload)
        source = d.get("source", "self")
        if source not in (CaseSource.SELF.value, CaseSource.DETECTOR.value):
            raise ApiError("bad_request", "source must be self or detector")
        level = _level(d, CASE_MIN_SEVERITY)
        share = _small_int(d, "share_count", 0, MAX_SHARED_ITEMS, 0)
        assert level is not None and share is not None
        return cls(reason=_token(d, "reason", optional=True), level=level,
                   source=CaseSource(source), share_count=share)


@dataclass(frozen=True, kw_only=True)
class CaseCode:
    """`case.resume {case_code}`, `case.leave {case_code}`."""

    case_code: str

    @classmethod
    def decode(cls, payload: object) -> CaseCode:
        return cls(case_code=_code(_obj(payload), "case_code"))


@dataclass(frozen=True, kw_only=True)
class CaseConsent:
    """`case.consent {case_code, accept, share_count?}`."""

    case_code: str
    accept: bool
    share_count: int

    @classmethod
    def decode(cls, payload: object) -> CaseConsent:
        d = _obj(payload)
        share = _small_int(d, "share_count", 0, MAX_SHARED_ITEMS, 0)
        assert share is not None
        return cls(case_code=_code(d, "case_code"), accept=_bool(d, "accept"), share_count=share)


@dataclass(frozen=True, kw_only=True)
class CaseRate:
    """`case.rate {case_code, rating}`."""

    case_code: str
    rating: int

    @classmethod
    def decode(cls, payload: object) -> CaseRate:
        d = _obj(payload)
        rating = _small_int(d, "rating", 1, MAX_RATING, None)
        if rating is None:
            raise ApiError("bad_request", f"rating must be an integer 1..{MAX_RATING}")
        return cls(case_code=_code(d, "case_code"), rating=rating)


@dataclass(frozen=True, kw_only=True)
class Availability:
    """`counsellor.availability {available, capacity?}`."""

    available: bool
    capacity: int | None

    @classmethod
    def decode(cls, payload: object) -> Availability:
        d = _obj(payload)
        return cls(available=_bool(d, "available"),
                   capacity=_small_int(d, "capacity", 1, MAX_CAPACITY, None))


@dataclass(frozen=True, kw_only=True)
class CaseId:
    """`case.claim {case_id, version?}` and every counsellor event that names one case."""

    case_id: str
    version: int | None = None

    @classmethod
    def decode(cls, payload: object) -> CaseId:
        d = _obj(payload)
        return cls(case_id=_code(d, "case_id"), version=_small_int(d, "version", 1, 2**31, None))


@dataclass(frozen=True, kw_only=True)
class CaseTransfer:
    """`case.transfer {case_id, to}` (`to`: the colleague's name)."""

    case_id: str
    to: str

    @classmethod
    def decode(cls, payload: object) -> CaseTransfer:
        d = _obj(payload)
        return cls(case_id=_code(d, "case_id"), to=_text(d, "to", MAX_COUNSELLOR_NAME_CHARS))


@dataclass(frozen=True, kw_only=True, repr=False)
class CaseClose:
    """`case.close {case_id, outcome, emergency_confirmed?, notes?}` (notes: ciphertext)."""

    case_id: str
    outcome: Outcome
    emergency_confirmed: bool
    notes: bytes | None

    @classmethod
    def decode(cls, payload: object) -> CaseClose:
        d = _obj(payload)
        try:
            outcome = Outcome(str(d.get("outcome")))
        except ValueError:
            raise ApiError("bad_request", "unknown outcome") from None
        notes = d.get("notes")
        return cls(case_id=_code(d, "case_id"), outcome=outcome,
                   emergency_confirmed=_bool(d, "emergency_confirmed", False),
                   notes=None if notes is None else b64decode_field(notes, "notes",
                                                                   maximum=MAX_NOTE_BYTES))

    def __repr__(self) -> str:
        return f"CaseClose(outcome={self.outcome.value}, notes={self.notes is not None})"


@dataclass(frozen=True, kw_only=True, repr=False)
class CaseEscalate:
    """`case.escalate {room, pseudonym, reason, level?}` (a moderator's hand-off)."""

    room: str
    pseudonym: str
    reason: str
    level: int

    @classmethod
    def decode(cls, payload: object) -> CaseEscalate:
        d = _obj(payload)
        reason = _token(d, "reason")
        level = _level(d, 3)
        assert reason is not None and level is not None
        return cls(room=_text(d, "room", MAX_ROOM_ID_CHARS),
                   pseudonym=_text(d, "pseudonym", 4 * PSEUDONYM_MAX_CHARS), reason=reason,
                   level=level)

    def __repr__(self) -> str:
        return f"CaseEscalate(room={self.room!r}, level={self.level})"


@dataclass(frozen=True, kw_only=True)
class HealthRequest:
    """`cases.health {watch?}`."""

    watch: bool

    @classmethod
    def decode(cls, payload: object) -> HealthRequest:
        return cls(watch=_bool(_obj(payload), "watch", False))
