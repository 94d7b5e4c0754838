"""Supervisor queue health (counts and times only) and retention expiry."""

from __future__ import annotations

from dataclasses import fields

from escalation import machine as m
from escalation.case import CaseState, Outcome
from escalation.health import DutyInterval, QueueHealth, due_for_deletion, queue_health, uncovered

from .helpers import POLICY, counsellor, in_state, queued

H = 3600.0


def test_queue_health_counts_levels_waits_claims_and_sessions() -> None:
    now = 100 * H
    a = queued("a", severity=4, at=now - 120)
    b = queued("b", severity=2, at=now - 600)
    c = queued("c", severity=3, at=now - 900)
    taken = m.claim(c, counsellor=counsellor("c1"), expected_version=c.version, now=now - 300)
    d = queued("d", severity=3, at=now - 2000)
    taken2 = m.claim(d, counsellor=counsellor("c1"), expected_version=d.version, now=now - 1000)
    duty = [DutyInterval(counsellor="c1", start=now - 5 * H, end=None),
            DutyInterval(counsellor="c2", start=now - 20 * H, end=now - 8 * H)]
    h = queue_health([a, b, taken, taken2], duty=duty, now=now, policy=POLICY)
    assert h.waiting_per_level == (0, 0, 1, 0, 1)
    assert h.oldest_wait_seconds == 600
    assert h.claims_in_window == 2 and h.median_time_to_claim == 800 and h.longest_time_to_claim == 1000
    assert h.sessions_per_counsellor == {"c1": 2}
    assert h.no_one_on_duty == ((now - 8 * H, now - 5 * H),)


def test_health_has_no_field_for_content_or_pseudonyms() -> None:
    names = {f.name for f in fields(QueueHealth)}
    assert not names & {"pseudonym", "pseudonyms", "text", "notes", "categories"}


def test_uncovered_periods_merge_overlaps() -> None:
    duty = [DutyInterval(counsellor="a", start=0, end=10), DutyInterval(counsellor="b", start=5, end=20),
            DutyInterval(counsellor="c", start=30, end=40)]
    assert uncovered(duty, start=0, end=50) == ((20, 30), (40, 50))
    assert uncovered([], start=0, end=5) == ((0, 5),)


def test_finished_cases_are_deleted_after_the_retention_and_open_ones_never() -> None:
    c = queued("closed", at=0.0)
    c = m.claim(c, counsellor=counsellor("c1"), expected_version=c.version, now=10.0)
    closed = m.close(c, outcome=Outcome.SUPPORTED, now=100.0, by="c1")
    declined = in_state(CaseState.DECLINED, now=0.0)  # id k1, closed at 1.0
    active = in_state(CaseState.ACTIVE, now=0.0)
    cases = [closed, declined, queued("waiting", at=0.0), active]
    limit = 90 * 86400
    assert due_for_deletion(cases, now=1.0 + limit - 1, retention_days=90) == ()
    assert due_for_deletion(cases, now=1.0 + limit, retention_days=90) == ("k1",)
    assert due_for_deletion(cases, now=100.0 + limit, retention_days=90) == ("closed", "k1")
    assert due_for_deletion(cases, now=1e12, retention_days=90) == ("closed", "k1")
