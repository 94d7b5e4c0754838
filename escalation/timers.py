"""What is due at time ``t``: every timer of a case is a stored deadline, never a sleeping task.

Three deadlines live on the case record, so they survive a restart and any process can act on
them (the store's compare-and-set on ``version`` makes sure only one does):

* ``realert_at`` (queued or offered): nobody has claimed the case ``realert_after_seconds`` after
  it was queued (per level, ``config/escalation.toml``): re-alert the level's ``notify`` list
  (e.g. level 4 after 60 s: everyone on duty and the supervisor), then every ``repeat_seconds``;
* ``offer_deadline`` (offered): the offer lapsed; the case goes back to the queue and the
  counsellor is remembered as having let it pass;
* ``consent_deadline`` (consent pending): the person did not answer the hand-off; it expires.

A late tick fires each due timer once and sets the next deadline from ``now``, so a process that
was down for a while re-alerts once, not a burst.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from escalation.case import WAITING, Case, CaseState
from escalation.machine import consent_timeout, decline_offer, realert
from escalation.policy import EscalationPolicy, Notify
from escalation.queue import order_key


class DueKind(StrEnum):
    """Which timer fired."""

    REALERT = "realert"
    OFFER_LAPSED = "offer_lapsed"
    CONSENT_EXPIRED = "consent_expired"


@dataclass(frozen=True, kw_only=True)
class Due:
    """A timer that fired: the updated case to store, and who to notify (for re-alerts)."""

    kind: DueKind
    case: Case
    notify: tuple[Notify, ...] = ()
    waited_seconds: float = 0.0


def next_deadline(case: Case) -> float | None:
    """The earliest stored deadline of the case (what a store indexes on), if any."""
    times = [t for t in (case.realert_at, case.offer_deadline, case.consent_deadline) if t is not None]
    return min(times) if times else None


def due(cases: Iterable[Case], *, now: float, policy: EscalationPolicy) -> list[Due]:
    """Every timer due at ``now``, highest level and longest wait first.

    One case may yield an ``offer_lapsed`` and a ``realert`` at once; the later item carries the
    case with both applied, so storing the items in order leaves the right record.
    """
    out: list[Due] = []
    for case in sorted(cases, key=order_key):
        if case.state is CaseState.CONSENT_PENDING:
            if case.consent_deadline is not None and case.consent_deadline <= now:
                out.append(Due(kind=DueKind.CONSENT_EXPIRED, case=consent_timeout(case, now=now)))
            continue
        if case.state not in WAITING:
            continue
        if (case.state is CaseState.OFFERED and case.offer_deadline is not None
                and case.offer_deadline <= now):
            case = decline_offer(case, counsellor=None, now=now)
            out.append(Due(kind=DueKind.OFFER_LAPSED, case=case))
        if case.realert_at is not None and case.realert_at <= now:
            case = realert(case, now=now, policy=policy)
            out.append(Due(kind=DueKind.REALERT, case=case, notify=policy.level(case.severity).notify,
                           waited_seconds=case.waited(now)))
    return out
