"""The fallback: when a counsellor cannot come soon, the person is told at once, and what to do.

Checked when a case is queued and again whenever the queue changes. In this order:

1. ``closed``: outside the service's opening hours; the person is told when it opens;
2. ``no_counsellor``: open, but no counsellor is available (all away or none signed in);
3. ``wait_too_long``: the estimated wait is longer than the level allows (``max_wait_seconds``).

In each case the level's alternatives from config (ids of ``config/crisis_resources.json``
entries, whose names and hours the client shows) are offered *now*, and the case stays open in
the queue so a counsellor can still take it. Whatever this decides, the person's own client
already shows the emergency numbers at level 4. An unknown estimate (too few recent claims) is
not a fallback by itself: the person is told the wait is not known.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from escalation.case import Case
from escalation.hours import is_open, next_opening
from escalation.policy import EscalationPolicy
from escalation.queue import Estimate


class FallbackReason(StrEnum):
    """Why a counsellor cannot come soon."""

    CLOSED = "closed"
    NO_COUNSELLOR = "no_counsellor"
    WAIT_TOO_LONG = "wait_too_long"


@dataclass(frozen=True, kw_only=True)
class Fallback:
    """What to tell the person now. ``reason`` is ``None`` when no fallback is needed."""

    reason: FallbackReason | None
    alternatives: tuple[str, ...] = ()
    opens_at: float | None = None
    case_stays_open: bool = True

    @property
    def message_key(self) -> str:
        """The i18n key of what the person reads (``escalation.wait_ok`` when all is well)."""
        return f"escalation.{self.reason.value}" if self.reason else "escalation.wait_ok"


def decide(case: Case, *, now: float, policy: EscalationPolicy, available_counsellors: int,
           estimate: Estimate | None) -> Fallback:
    """The fallback decision for a waiting case (rules in the module docstring).

    ``available_counsellors``: counsellors set available now, whether or not their places are
    full (full places lengthen the estimate, and the re-alerts reach the supervisor).
    """
    level = policy.level(case.severity)
    if not is_open(policy.hours, now):
        return Fallback(reason=FallbackReason.CLOSED, alternatives=level.alternatives,
                        opens_at=next_opening(policy.hours, now))
    if available_counsellors <= 0:
        return Fallback(reason=FallbackReason.NO_COUNSELLOR, alternatives=level.alternatives)
    if estimate is not None and estimate.seconds > level.max_wait_seconds:
        return Fallback(reason=FallbackReason.WAIT_TOO_LONG, alternatives=level.alternatives)
    return Fallback(reason=None)
