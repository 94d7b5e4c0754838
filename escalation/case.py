"""The case: a person waiting for, or talking with, a professional counsellor. Metadata only.

A case knows a pseudonym, a level, categories, where it came from, its times, who holds it, and
how many items the person chose to share, never what they are: shared messages travel
end-to-end encrypted to the counsellor and never through this model. ``repr`` prints ids, level
and state.

Cases are frozen; every change is a new record with ``version`` + 1 (``escalation.machine``), so a
store writes it with compare-and-set on the version and a claim that names an old version loses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from escalation.policy import CASE_MAX_SEVERITY, CASE_MIN_SEVERITY
from moderation.limits import (
    MAX_CATEGORIES,
    MAX_PSEUDONYM_CHARS,
    MAX_ROOM_ID_CHARS,
    RuleError,
    check_id,
    check_text_id,
    check_time,
    check_tokens,
)

MAX_SHARED_ITEMS: Final = 50
"""Messages a person may choose to share with the counsellor."""
MAX_DECLINED: Final = 32
"""Counsellors remembered as having declined or let an offer lapse."""
ERASED_PSEUDONYM: Final = "erased:"
"""What a kept case names once its person erased themselves (``anonymised``): a colon, which no
pseudonym may contain (server/domain/pseudonyms.py), so no newcomer's name ever matches it."""


class CaseState(StrEnum):
    """Where a case is (the table is ``escalation.machine.TRANSITIONS``)."""

    CONSENT_PENDING = "consent_pending"
    REQUESTED = "requested"
    QUEUED = "queued"
    OFFERED = "offered"
    ACTIVE = "active"
    TRANSFER_PENDING = "transfer_pending"
    CLOSED = "closed"
    DECLINED = "declined"
    EXPIRED = "expired"


WAITING: Final = frozenset({CaseState.QUEUED, CaseState.OFFERED})
"""A person in the queue: counted in positions, re-alerted, offered."""
IN_SESSION: Final = frozenset({CaseState.ACTIVE, CaseState.TRANSFER_PENDING})
"""A counsellor holds the case."""
TERMINAL: Final = frozenset({CaseState.CLOSED, CaseState.DECLINED, CaseState.EXPIRED})
"""Finished: kept for the retention period, then deleted."""


class CaseSource(StrEnum):
    """How a case started."""

    SELF = "self"  # the person asked
    MODERATOR = "moderator"  # a moderator escalated them from a group (with their consent)
    DETECTOR = "detector"  # their own client offered it at level 3-4 and they accepted


class Outcome(StrEnum):
    """How a case ended."""

    SUPPORTED = "supported"
    REFERRED = "referred"
    EMERGENCY_CONFIRMED = "emergency_confirmed"  # emergency services contacted, contact confirmed
    PERSON_LEFT = "person_left"
    NO_RESPONSE = "no_response"
    PERSON_ERASED = "person_erased"  # the person erased their pseudonym (data rights)


@dataclass(frozen=True, kw_only=True)
class Case:
    """One case (validated when built)."""

    id: str
    pseudonym: str
    severity: int
    categories: tuple[str, ...]
    source: CaseSource
    state: CaseState
    created_at: float
    version: int = 1
    queued_at: float | None = None
    room: str | None = None
    escalated_by: str | None = None
    shared_items: int = 0
    consent_deadline: float | None = None
    counsellor: str | None = None
    offered_to: str | None = None
    offer_deadline: float | None = None
    declined_by: tuple[str, ...] = ()
    transfer_to: str | None = None
    claimed_at: float | None = None
    realert_at: float | None = None
    realerts: int = 0
    closed_at: float | None = None
    outcome: Outcome | None = None

    def __post_init__(self) -> None:
        check_id(self.id, "case id")
        check_text_id(self.pseudonym, "pseudonym", MAX_PSEUDONYM_CHARS)
        sev = self.severity
        if isinstance(sev, bool) or not isinstance(sev, int) or not CASE_MIN_SEVERITY <= sev <= CASE_MAX_SEVERITY:
            raise RuleError("bad_severity", f"severity must be {CASE_MIN_SEVERITY}..{CASE_MAX_SEVERITY}")
        object.__setattr__(self, "categories", check_tokens(self.categories, "categories", MAX_CATEGORIES))
        try:
            object.__setattr__(self, "source", CaseSource(str(self.source)))
        except ValueError:
            raise RuleError("bad_source", "source must be self, moderator or detector") from None
        check_time(self.created_at, "created_at")
        if self.room is not None:
            check_text_id(self.room, "room", MAX_ROOM_ID_CHARS)
        if (self.source is CaseSource.MODERATOR) != (self.escalated_by is not None):
            raise RuleError("bad_case", "escalated_by names the moderator of a moderator hand-off")
        shared = self.shared_items
        if isinstance(shared, bool) or not isinstance(shared, int) or not 0 <= shared <= MAX_SHARED_ITEMS:
            raise RuleError("too_many_shared", f"at most {MAX_SHARED_ITEMS} shared items")
        if self.state in IN_SESSION and self.counsellor is None:
            raise RuleError("bad_case", "a case in session has a counsellor")
        if self.state in TERMINAL and self.closed_at is None:
            raise RuleError("bad_case", "a finished case has closed_at")
        if (self.state is CaseState.CLOSED) != (self.outcome is not None):
            raise RuleError("bad_case", "a closed case, and only a closed case, has an outcome")

    def waited(self, now: float) -> float:
        """Seconds in the queue so far (until claimed, if it was)."""
        if self.queued_at is None:
            return 0.0
        end = self.claimed_at if self.claimed_at is not None else now
        return max(0.0, end - self.queued_at)

    def __repr__(self) -> str:
        return (
            f"Case(id={self.id!r}, state={self.state.value}, severity={self.severity}, "
            f"version={self.version}, counsellor={self.counsellor!r})"
        )


def anonymised(case: Case) -> Case:
    """The record kept of a finished case once its person erased themselves: the pseudonym is
    replaced by ``ERASED_PSEUDONYM`` and the group room it came from is dropped (with the
    pseudonym gone, nothing in the case leads back to the person or to the night they were in);
    what retention needs stays: level, categories, source, times, counsellor, outcome.
    ``version`` + 1, like every change. Refused (``case_state``) while the case is open."""
    if case.state not in TERMINAL:
        raise RuleError("case_state", "close the case before anonymising it")
    return replace(case, pseudonym=ERASED_PSEUDONYM, room=None, version=case.version + 1)
