"""Typed escalation views and pushes (docs/protocol.md, "Escalation"). A `CaseStatus` is what
the person sees, a `CaseSummary` what a counsellor sees of a waiting case: neither carries
content, and the summary never the pseudonym. No `repr` shows a pseudonym or a key."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import ClassVar

from server.wire.pushes import Push


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True, kw_only=True, repr=False)
class CounsellorInfo:
    """Who took the case: display name, socket pseudonym (for `direct.send`), identity key."""

    name: str
    pseudonym: str
    identity_key: bytes

    def to_wire(self) -> dict[str, object]:
        """The wire form."""
        return {"name": self.name, "pseudonym": self.pseudonym,
                "identity_key": _b64(self.identity_key)}


@dataclass(frozen=True, kw_only=True, repr=False)
class CaseStatus:
    """The person's view of their case."""

    case_code: str
    state: str
    level: int
    position: int | None
    estimated_wait_s: int | None
    fallback: str | None
    alternatives: tuple[str, ...]
    open_now: bool
    opens_at: str | None
    counsellor: CounsellorInfo | None = None
    outcome: str | None = None

    def __repr__(self) -> str:
        return f"CaseStatus(state={self.state}, position={self.position})"

    def to_wire(self) -> dict[str, object]:
        """The wire form."""
        return {"case_code": self.case_code, "state": self.state, "level": self.level,
                "position": self.position, "estimated_wait_s": self.estimated_wait_s,
                "fallback": self.fallback, "alternatives": list(self.alternatives),
                "open_now": self.open_now, "opens_at": self.opens_at,
                "counsellor": None if self.counsellor is None else self.counsellor.to_wire(),
                "outcome": self.outcome}


@dataclass(frozen=True, kw_only=True)
class CaseSummary:
    """A counsellor's view of a case: metadata, never the pseudonym."""

    case_id: str
    version: int
    state: str
    level: int
    categories: tuple[str, ...]
    source: str
    from_group: bool
    shared_items: int
    queued_at: float | None
    waited_s: int
    realerts: int
    offered_to_me: bool

    def to_wire(self) -> dict[str, object]:
        """The wire form."""
        return {"case_id": self.case_id, "version": self.version, "state": self.state,
                "level": self.level, "categories": list(self.categories),
                "source": self.source, "from_group": self.from_group,
                "shared_items": self.shared_items, "queued_at": self.queued_at,
                "waited_s": self.waited_s, "realerts": self.realerts,
                "offered_to_me": self.offered_to_me}


@dataclass(frozen=True, kw_only=True)
class CaseUpdate(Push):
    """`case.update`: the person's case changed (position, estimate, state, fallback)."""

    EVENT: ClassVar[str] = "case.update"
    status: CaseStatus

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return self.status.to_wire()


@dataclass(frozen=True, kw_only=True)
class CaseCounsellor(Push):
    """`case.counsellor`: a counsellor took the case (or a colleague took it over)."""

    EVENT: ClassVar[str] = "case.counsellor"
    case_code: str
    counsellor: CounsellorInfo

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"case_code": self.case_code, "counsellor": self.counsellor.to_wire()}


@dataclass(frozen=True, kw_only=True)
class CaseClosed(Push):
    """`case.closed`: the case ended; the person is asked for a rating."""

    EVENT: ClassVar[str] = "case.closed"
    case_code: str
    outcome: str

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"case_code": self.case_code, "outcome": self.outcome, "rate": True}


@dataclass(frozen=True, kw_only=True)
class CaseInvite(Push):
    """`case.invite`: a moderator proposes a hand-off; answer with `case.consent`."""

    EVENT: ClassVar[str] = "case.invite"
    case_code: str
    room: str
    reason: str
    level: int
    expires_at: float

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"case_code": self.case_code, "room": self.room, "reason": self.reason,
                "level": self.level, "expires_at": self.expires_at}


@dataclass(frozen=True, kw_only=True)
class CaseHandoff(Push):
    """`case.handoff`: to the moderator, what became of their hand-off."""

    EVENT: ClassVar[str] = "case.handoff"
    case_id: str
    state: str

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"case_id": self.case_id, "state": self.state}


@dataclass(frozen=True, kw_only=True)
class CaseOffer(Push):
    """`case.offer`: a waiting case offered to this counsellor until `expires_at`."""

    EVENT: ClassVar[str] = "case.offer"
    case: CaseSummary
    expires_at: float

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"case": self.case.to_wire(), "expires_at": self.expires_at}


@dataclass(frozen=True, kw_only=True)
class CaseAlert(Push):
    """`case.alert`: nobody has claimed the case in the level's time (re-alert)."""

    EVENT: ClassVar[str] = "case.alert"
    case: CaseSummary
    realerts: int
    waited_s: int

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"case": self.case.to_wire(), "realerts": self.realerts,
                "waited_s": self.waited_s}


@dataclass(frozen=True, kw_only=True)
class CaseTaken(Push):
    """`case.taken`: a counsellor claimed the case (drop it from the queue view)."""

    EVENT: ClassVar[str] = "case.taken"
    case_id: str

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"case_id": self.case_id}


@dataclass(frozen=True, kw_only=True)
class CaseTransferOffer(Push):
    """`case.transfer_offer`: a colleague asks this counsellor to take over a case."""

    EVENT: ClassVar[str] = "case.transfer_offer"
    case: CaseSummary
    sender: str  # the colleague's name; `from` on the wire

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"case": self.case.to_wire(), "from": self.sender}


@dataclass(frozen=True, kw_only=True)
class CaseTransferred(Push):
    """`case.transferred`: to the former counsellor, whether the colleague took the case."""

    EVENT: ClassVar[str] = "case.transferred"
    case_id: str
    accepted: bool

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"case_id": self.case_id, "accepted": self.accepted}


@dataclass(frozen=True, kw_only=True)
class CaseEnded(Push):
    """`case.ended`: to the counsellor, the case ended (the person left, or it was closed)."""

    EVENT: ClassVar[str] = "case.ended"
    case_id: str
    outcome: str

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"case_id": self.case_id, "outcome": self.outcome}


@dataclass(frozen=True, kw_only=True)
class CaseQueue(Push):
    """`case.queue`: the queue changed; to the counsellors on duty and the supervisors watching.
    Counts only (no case id, no pseudonym): a console re-fetches `case.list` unless `version`
    equals the `queue_version` of the list it holds."""

    EVENT: ClassVar[str] = "case.queue"
    waiting: int
    top_level: int | None
    version: str

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"waiting": self.waiting, "top_level": self.top_level, "version": self.version}


@dataclass(frozen=True, kw_only=True)
class CasesResync(Push):
    """`cases.resync`: case pushes to the counsellors on duty or the supervisors watching may
    have been lost while the relay's process was not subscribed to that room on Redis (its
    subscription dropped and came back): read the queue again (`case.list`, `cases.health`)."""

    EVENT: ClassVar[str] = "cases.resync"

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {}


CASE_PUSHES: tuple[type[Push], ...] = (CaseUpdate, CaseCounsellor, CaseClosed, CaseInvite,
                                       CaseHandoff, CaseOffer, CaseAlert, CaseTaken,
                                       CaseTransferOffer, CaseTransferred, CaseEnded, CaseQueue,
                                       CasesResync)
