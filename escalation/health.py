"""Supervisor queue health (counts and times, never content) and retention expiry.

``queue_health`` answers: how many wait per level, the oldest wait, how long claims took
recently (median and worst), sessions per counsellor, and the periods within the window when no
counsellor was on duty at all (from duty intervals the adapter records: sign-in to sign-out).

``due_for_deletion`` lists the finished cases whose retention has run out: closed, declined or
expired at least ``retention_days`` ago. The store deletes them and everything tied to them.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from escalation.case import TERMINAL, WAITING, Case
from escalation.offering import sessions_held
from escalation.policy import CASE_MAX_SEVERITY, EscalationPolicy


@dataclass(frozen=True, kw_only=True)
class DutyInterval:
    """A counsellor on duty from ``start`` until ``end`` (``None``: still on duty)."""

    counsellor: str
    start: float
    end: float | None


@dataclass(frozen=True, kw_only=True)
class QueueHealth:
    """What a supervisor sees. ``waiting_per_level[i]`` counts level ``i`` (index 0 unused)."""

    waiting_per_level: tuple[int, ...]
    oldest_wait_seconds: float | None
    claims_in_window: int
    median_time_to_claim: float | None
    longest_time_to_claim: float | None
    sessions_per_counsellor: dict[str, int]
    no_one_on_duty: tuple[tuple[float, float], ...]


def uncovered(intervals: Iterable[DutyInterval], *, start: float, end: float) -> tuple[tuple[float, float], ...]:
    """The sub-periods of ``[start, end)`` when no interval covers time (nobody on duty)."""
    spans = sorted((max(i.start, start), min(i.end if i.end is not None else end, end))
                   for i in intervals)
    gaps: list[tuple[float, float]] = []
    cursor = start
    for a, b in spans:
        if b <= a:
            continue
        if a > cursor:
            gaps.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < end:
        gaps.append((cursor, end))
    return tuple(gaps)


def queue_health(cases: Sequence[Case], *, duty: Iterable[DutyInterval], now: float,
                 policy: EscalationPolicy) -> QueueHealth:
    """Queue health over the last ``policy.health_window_seconds``."""
    window_start = now - policy.health_window_seconds
    per_level = [0] * (CASE_MAX_SEVERITY + 1)
    waits: list[float] = []
    for c in cases:
        if c.state in WAITING:
            per_level[c.severity] += 1
            waits.append(c.waited(now))
    claim_waits = [c.waited(now) for c in cases
                   if c.claimed_at is not None and window_start < c.claimed_at <= now]
    return QueueHealth(
        waiting_per_level=tuple(per_level),
        oldest_wait_seconds=max(waits) if waits else None,
        claims_in_window=len(claim_waits),
        median_time_to_claim=statistics.median(claim_waits) if claim_waits else None,
        longest_time_to_claim=max(claim_waits) if claim_waits else None,
        sessions_per_counsellor=sessions_held(cases),
        no_one_on_duty=uncovered(duty, start=window_start, end=now),
    )


def due_for_deletion(cases: Iterable[Case], *, now: float, retention_days: int) -> tuple[str, ...]:
    """Ids of finished cases closed at least ``retention_days`` before ``now``."""
    limit = now - retention_days * 86400
    return tuple(sorted(c.id for c in cases
                        if c.state in TERMINAL and c.closed_at is not None and c.closed_at <= limit))
