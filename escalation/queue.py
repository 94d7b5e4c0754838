"""Queue order, the honest position, and the estimated wait.

Order: higher level first; within a level, whoever has waited longest (earliest ``queued_at``);
ties by case id, so the order is total and the same in every process. A later level-4 case goes
ahead of a waiting level-2 one: a person's position can grow, and they are told so honestly.

Estimated wait (``estimate_wait``): the service rate of the recent past. If counsellors claimed
``n`` cases in the last ``window`` seconds (at least ``min_claims`` of them), people are being
taken at ``n / window`` per second, so the person at position ``p`` waits about
``p * window / n``, rounded up to a whole minute. With fewer claims than that there is no honest
estimate, and ``None`` is returned: the person is told that the wait is not known rather than a
number made up.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from escalation.case import WAITING, Case


def order_key(case: Case) -> tuple[int, float, str]:
    """Sort key of a waiting case: level (highest first), then queue time, then id."""
    queued = case.queued_at if case.queued_at is not None else case.created_at
    return (-case.severity, queued, case.id)


def queue_order(cases: Iterable[Case]) -> list[Case]:
    """The waiting cases (queued or offered) in the order counsellors should take them."""
    return sorted((c for c in cases if c.state in WAITING), key=order_key)


def position(cases: Iterable[Case], case_id: str) -> int | None:
    """1-based place of ``case_id`` in the queue, or ``None`` if it is not waiting."""
    for i, c in enumerate(queue_order(cases), start=1):
        if c.id == case_id:
            return i
    return None


@dataclass(frozen=True, kw_only=True)
class Estimate:
    """An estimated wait, and what it rests on (so the person can be told how it was reached)."""

    seconds: int
    claims: int
    window_seconds: float


def estimate_wait(*, position: int, claim_times: Sequence[float], now: float,
                  window_seconds: float, min_claims: int) -> Estimate | None:
    """Estimated wait at ``position`` from the claim times of the last ``window_seconds``."""
    if position < 1:
        raise ValueError("position is 1-based")
    recent = [t for t in claim_times if now - window_seconds < t <= now]
    if len(recent) < max(1, min_claims):
        return None
    seconds = position * window_seconds / len(recent)
    return Estimate(seconds=int(math.ceil(seconds / 60) * 60), claims=len(recent),
                    window_seconds=window_seconds)
