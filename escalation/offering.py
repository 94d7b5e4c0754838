"""Counsellor availability and fair offering.

A counsellor is *available* or *away*, with a capacity (concurrent sessions). A waiting case is
offered to one counsellor at a time, chosen fairly: among those available with a free place, the
least loaded (fewest sessions) first, then the one idle longest (``idle_since`` earliest), then by
id so the choice is deterministic. Someone who declined the case, or let its offer lapse, is asked
again only when nobody else is free. An outstanding offer holds one of the counsellor's places, so
nobody is offered more cases than they could take.

Offers are a courtesy, not a lock: any available counsellor may claim a waiting case from the
queue view, and exactly one claim of a version succeeds (``machine.claim``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from escalation.case import Case, CaseState
from escalation.queue import queue_order
from moderation.limits import RuleError, check_id, check_time

MAX_CAPACITY: Final = 10
"""Most concurrent sessions a counsellor can set."""


@dataclass(frozen=True, kw_only=True)
class CounsellorStatus:
    """One counsellor's availability: sessions held now, capacity, since when idle."""

    id: str
    available: bool
    capacity: int
    active: int
    idle_since: float

    def __post_init__(self) -> None:
        check_id(self.id, "counsellor id")
        cap = self.capacity
        if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= MAX_CAPACITY:
            raise RuleError("bad_capacity", f"capacity must be 1..{MAX_CAPACITY}")
        if isinstance(self.active, bool) or not isinstance(self.active, int) or self.active < 0:
            raise RuleError("bad_field", "active must be a count")
        check_time(self.idle_since, "idle_since")

    @property
    def free(self) -> int:
        """Places free for a new session (0 when away)."""
        return max(0, self.capacity - self.active) if self.available else 0


def sessions_held(cases: Iterable[Case]) -> dict[str, int]:
    """Sessions per counsellor, counted from the cases (active and transfer-pending)."""
    out: dict[str, int] = {}
    for c in cases:
        if c.state in (CaseState.ACTIVE, CaseState.TRANSFER_PENDING) and c.counsellor is not None:
            out[c.counsellor] = out.get(c.counsellor, 0) + 1
    return out


def _key(s: CounsellorStatus, held: Mapping[str, int]) -> tuple[int, float, str]:
    return (s.active + held.get(s.id, 0), s.idle_since, s.id)


def choose_counsellor(statuses: Sequence[CounsellorStatus], *, declined: Iterable[str] = (),
                      reserved: Mapping[str, int] | None = None) -> str | None:
    """Who to offer a case to now, or ``None`` if nobody has a free place.

    ``reserved``: places already held by outstanding offers, per counsellor.
    """
    reserved = reserved or {}
    free = [s for s in statuses if s.free - reserved.get(s.id, 0) > 0]
    if not free:
        return None
    said_no = set(declined)
    fresh = [s for s in free if s.id not in said_no]
    pool = fresh or free
    return min(pool, key=lambda s: _key(s, reserved)).id


def plan_offers(cases: Iterable[Case], statuses: Sequence[CounsellorStatus]) -> list[tuple[str, str]]:
    """(case id, counsellor id) offers to make now, in queue order, one place per offer.

    Only ``queued`` cases are offered; ``offered`` ones already hold a place of their counsellor.
    """
    cases = list(cases)
    reserved: dict[str, int] = {}
    for c in cases:
        if c.state is CaseState.OFFERED and c.offered_to is not None:
            reserved[c.offered_to] = reserved.get(c.offered_to, 0) + 1
    plan: list[tuple[str, str]] = []
    for c in queue_order(cases):
        if c.state is not CaseState.QUEUED:
            continue
        who = choose_counsellor(statuses, declined=c.declined_by, reserved=reserved)
        if who is None:
            break
        reserved[who] = reserved.get(who, 0) + 1
        plan.append((c.id, who))
    return plan
