"""Port: escalation cases, counsellors on duty, encrypted notes (issue 11, docs/escalation.md).

A case is the frozen `escalation.case.Case`; the store keeps its record form
(`moderation.records.to_record`) and the indexes derived from it by `indexes` (one function, so
both backends index alike). Every change is a compare-and-set on the case's version: `replace`
writes only if the stored case is still at `expected_version`, so of many processes claiming
one case exactly one write lands (the pure machine decides; the store makes it stick).

    create(case)                 False if the id exists or the person already has an open case
    get(id) / open_of(pseudonym) one case; the person's open (not finished) case
    replace(case, expected)      compare-and-set on the version
    waiting(limit)               queued and offered cases in queue order (level, wait, id)
    due(now, limit)              cases with a stored deadline at or before `now`
    open_cases(limit)            every case not finished (sessions held, health)
    claimed_since(t, limit)      cases claimed at or after `t` (the estimate, health)
    counsellors / put_counsellor availability, capacity, idle since, on duty since
    add_duty / duty_since        finished duty intervals (no-one-on-duty periods)
    add_note / notes             notes as ciphertext to the counsellor team key, never plaintext
    delete_finished(before, n)   retention: finished cases closed at or before `before`, and
                                 everything tied to them (notes); duty intervals ended by then
    forget_person(pseudonym)     erasure: every finished case of the pseudonym kept only as
                                 `escalation.case.anonymised`, and no index names it any more
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Protocol

from escalation.case import TERMINAL, WAITING, Case
from escalation.health import DutyInterval
from escalation.offering import MAX_CAPACITY
from escalation.policy import CASE_MAX_SEVERITY
from escalation.timers import next_deadline
from moderation.limits import RuleError, check_id, check_text_id, check_time
from moderation.records import from_record, to_record
from server.limits import MAX_COUNSELLOR_NAME_CHARS, MAX_NOTE_BYTES, MAX_NOTES_PER_CASE

__all__ = ["MAX_NOTES_PER_CASE", "MAX_NOTE_BYTES", "CaseStore", "CounsellorRecord"]


def case_json(case: Case) -> str:
    """The stored form of a case."""
    return json.dumps(to_record(case), separators=(",", ":"), sort_keys=True)


def case_from_json(text: str | bytes) -> Case:
    """A stored case, validated by the model as it is rebuilt."""
    return from_record(Case, json.loads(text))


@dataclass(frozen=True, kw_only=True)
class CaseIndexes:
    """What a store indexes a case by (derived, never stored on its own)."""

    queue_score: float | None  # waiting: (level, queued_at) as one number, low first
    due_at: float | None  # the earliest stored deadline
    closed_at: float | None  # finished: for retention
    claimed_at: float | None
    open: bool  # not finished: one open case per pseudonym


def indexes(case: Case) -> CaseIndexes:
    """The indexes of `case`. The queue score sorts higher levels first, then earlier
    `queued_at`; equal scores fall back to the case id (Redis sorts equal scores by member)."""
    score = None
    if case.state in WAITING:
        queued = case.queued_at if case.queued_at is not None else case.created_at
        score = (CASE_MAX_SEVERITY + 1 - case.severity) * 1e10 + queued
    return CaseIndexes(queue_score=score, due_at=next_deadline(case),
                       closed_at=case.closed_at if case.state in TERMINAL else None,
                       claimed_at=case.claimed_at, open=case.state not in TERMINAL)


@dataclass(frozen=True, kw_only=True, repr=False)
class CounsellorRecord:
    """A counsellor's availability. `id` is their staff user id; `name` the display name the
    person sees; `identity_key` the key of the connection that set it (for the E2E 1:1);
    `owner` the server process holding that connection (a crashed one's counsellors are set
    away by whoever reaps it); `connection` its Socket.IO session id, so an older connection of
    the same counsellor closing late (a reconnect before the relay saw the drop) sets nobody
    away."""

    id: str
    name: str
    identity_key: bytes
    available: bool
    capacity: int
    idle_since: float
    on_duty_since: float | None = None
    owner: str | None = None
    connection: str | None = None

    def __post_init__(self) -> None:
        check_id(self.id, "counsellor id")
        check_text_id(self.name, "counsellor name", MAX_COUNSELLOR_NAME_CHARS)
        if not isinstance(self.identity_key, bytes) or len(self.identity_key) != 32:
            raise RuleError("bad_field", "identity_key must be 32 bytes")
        cap = self.capacity
        if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= MAX_CAPACITY:
            raise RuleError("bad_capacity", f"capacity must be 1..{MAX_CAPACITY}")
        check_time(self.idle_since, "idle_since")
        if self.on_duty_since is not None:
            check_time(self.on_duty_since, "on_duty_since")

    def __repr__(self) -> str:
        return f"CounsellorRecord(id={self.id!r}, available={self.available})"

    def to_json(self) -> str:
        """The stored form."""
        return json.dumps({"id": self.id, "name": self.name,
                           "identity_key": base64.b64encode(self.identity_key).decode("ascii"),
                           "available": self.available, "capacity": self.capacity,
                           "idle_since": self.idle_since, "on_duty_since": self.on_duty_since,
                           "owner": self.owner, "connection": self.connection},
                          separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> CounsellorRecord:
        """Rebuild (and validate) a stored record."""
        d = json.loads(text)
        return cls(id=d["id"], name=d["name"], identity_key=base64.b64decode(d["identity_key"]),
                   available=bool(d["available"]), capacity=d["capacity"],
                   idle_since=d["idle_since"], on_duty_since=d.get("on_duty_since"),
                   owner=d.get("owner"), connection=d.get("connection"))


def duty_json(interval: DutyInterval) -> str:
    """The stored form of a finished duty interval."""
    return json.dumps({"c": interval.counsellor, "s": interval.start, "e": interval.end},
                      separators=(",", ":"), sort_keys=True)


def duty_from_json(text: str | bytes) -> DutyInterval:
    """A stored duty interval."""
    d = json.loads(text)
    return DutyInterval(counsellor=d["c"], start=float(d["s"]), end=float(d["e"]))


class CaseStore(Protocol):
    """Shared by every process on one store (see the module docstring)."""

    async def create(self, case: Case) -> bool:
        """Store a new case; False if its id exists or its pseudonym has an open case."""
        ...

    async def get(self, case_id: str) -> Case | None:
        """The stored case, or None."""
        ...

    async def open_of(self, pseudonym: str) -> Case | None:
        """The person's open case (at most one), or None."""
        ...

    async def replace(self, case: Case, *, expected_version: int) -> bool:
        """Write `case` if the stored one is at `expected_version` (and `case.version` is above
        it: one timer tick may apply two steps); False (nothing written) otherwise. Atomic
        across processes."""
        ...

    async def waiting(self, limit: int) -> list[Case]:
        """Queued and offered cases in queue order."""
        ...

    async def due(self, now: float, limit: int) -> list[Case]:
        """Cases whose earliest stored deadline is at or before `now`, soonest first."""
        ...

    async def open_cases(self, limit: int) -> list[Case]:
        """Every case not finished."""
        ...

    async def claimed_since(self, since: float, limit: int) -> list[Case]:
        """Cases claimed at or after `since` (kept until the case is deleted)."""
        ...

    async def put_counsellor(self, record: CounsellorRecord) -> None:
        """Create or replace a counsellor's availability."""
        ...

    async def counsellor(self, counsellor_id: str) -> CounsellorRecord | None:
        """One counsellor's availability, or None."""
        ...

    async def counsellors(self) -> list[CounsellorRecord]:
        """Every counsellor who has set an availability, by id."""
        ...

    async def add_duty(self, interval: DutyInterval) -> None:
        """Record a finished duty interval."""
        ...

    async def duty_since(self, since: float) -> list[DutyInterval]:
        """Finished duty intervals that ended at or after `since`."""
        ...

    async def add_note(self, case_id: str, ciphertext: bytes) -> bool:
        """Keep an encrypted note with the case; False if the case is unknown or has
        `MAX_NOTES_PER_CASE` notes."""
        ...

    async def notes(self, case_id: str) -> list[bytes]:
        """The case's encrypted notes, oldest first."""
        ...

    async def add_team_wraps(self, epoch: int, team_key: bytes, wraps: dict[bytes, str],
                             *, new_epoch: bool) -> bool:
        """Keep wraps of the counsellor team key (e2ee/team.py; `wraps`: recipient identity
        key -> the wrap's wire JSON, opaque here), atomically. `new_epoch`: `epoch` must be the
        next one (1 when there is none) and `team_key` becomes its public key; otherwise
        `team_key` must be the stored key of `epoch`. A recipient who already has a wrap of
        that epoch keeps it. False (nothing written) when the epoch does not fit."""
        ...

    async def team_keys(self) -> dict[int, bytes]:
        """epoch -> the team public key of that epoch."""
        ...

    async def team_wraps(self, to: bytes) -> list[str]:
        """The wraps (wire JSON) sealed to identity key `to`, oldest epoch first."""
        ...

    async def forget_person(self, pseudonym: str) -> list[str]:
        """Erasure (issue 15): rewrite every finished case of `pseudonym` as
        `escalation.case.anonymised` (pseudonym `ERASED_PSEUDONYM`, no room, version + 1) and
        drop whatever index names the pseudonym; the ids rewritten. An open case is left as it
        is (the caller ends it first, `machine.person_erased`). Idempotent."""
        ...

    async def delete_finished(self, before: float, limit: int) -> list[str]:
        """Delete up to `limit` finished cases closed at or before `before` (and their notes),
        and the duty intervals that ended by then; the deleted case ids."""
        ...
