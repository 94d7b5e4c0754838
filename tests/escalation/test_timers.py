"""Timers are stored deadlines: re-alerts per level, lapsed offers, expired consent (fake clock)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from escalation import machine as m
from escalation.case import CaseState
from escalation.policy import Notify
from escalation.timers import DueKind, due, next_deadline

from .helpers import POLICY, FakeClock, counsellor, in_state, queued


def test_level_4_re_alerts_everyone_on_duty_and_the_supervisor_after_60_s_then_every_60_s() -> None:
    clock = FakeClock(1000.0)
    case = queued(severity=4, at=clock.now)
    assert next_deadline(case) == 1060.0
    assert due([case], now=clock.advance(59.9), policy=POLICY) == []
    [fired] = due([case], now=clock.advance(0.1), policy=POLICY)
    assert fired.kind is DueKind.REALERT
    assert fired.notify == (Notify.DUTY, Notify.SUPERVISOR)
    assert fired.waited_seconds == 60.0
    case = fired.case
    assert case.realerts == 1 and case.realert_at == 1120.0 and case.version == 3
    assert due([case], now=clock.advance(30), policy=POLICY) == []
    [again] = due([case], now=clock.advance(30), policy=POLICY)
    assert again.case.realerts == 2


def test_level_3_waits_five_minutes_before_re_alerting() -> None:
    case = queued(severity=3, at=0.0)
    assert due([case], now=299.0, policy=POLICY) == []
    [fired] = due([case], now=300.0, policy=POLICY)
    assert fired.notify == (Notify.DUTY, Notify.SUPERVISOR)


def test_a_late_tick_re_alerts_once_and_counts_the_next_from_now() -> None:
    case = queued(severity=4, at=0.0)
    [fired] = due([case], now=3600.0, policy=POLICY)
    assert fired.case.realert_at == 3660.0


def test_a_rise_to_level_4_brings_the_re_alert_forward() -> None:
    case = queued(severity=2, at=0.0)
    assert case.realert_at == 900.0
    up = m.raise_severity(case, severity=4, categories=("overdose",), now=30.0, policy=POLICY)
    assert up.realert_at == 60.0 and up.severity == 4 and "overdose" in up.categories
    [fired] = due([up], now=60.0, policy=POLICY)
    assert fired.kind is DueKind.REALERT


def test_claimed_cases_are_never_re_alerted() -> None:
    case = queued(severity=4, at=0.0)
    taken = m.claim(case, counsellor=counsellor(), expected_version=case.version, now=10.0)
    assert next_deadline(taken) is None
    assert due([taken], now=10_000.0, policy=POLICY) == []


def test_a_lapsed_offer_goes_back_to_the_queue_and_the_counsellor_is_remembered() -> None:
    case = queued(severity=2, at=0.0)
    offered = m.offer(case, counsellor="c1", now=10.0, policy=POLICY)
    assert due([offered], now=54.0, policy=POLICY) == []
    [lapsed] = due([offered], now=55.0, policy=POLICY)
    assert lapsed.kind is DueKind.OFFER_LAPSED
    assert lapsed.case.state is CaseState.QUEUED and lapsed.case.declined_by == ("c1",)


def test_an_offer_lapsing_with_a_re_alert_due_yields_both_in_order() -> None:
    case = queued(severity=4, at=0.0)
    offered = m.offer(case, counsellor="c1", now=50.0, policy=POLICY)
    items = due([offered], now=100.0, policy=POLICY)
    assert [i.kind for i in items] == [DueKind.OFFER_LAPSED, DueKind.REALERT]
    assert items[-1].case.state is CaseState.QUEUED and items[-1].case.realerts == 1


def test_consent_not_given_in_time_expires_the_hand_off() -> None:
    pending = in_state(CaseState.CONSENT_PENDING, now=0.0)
    assert due([pending], now=299.0, policy=POLICY) == []
    [expired] = due([pending], now=300.0, policy=POLICY)
    assert expired.kind is DueKind.CONSENT_EXPIRED and expired.case.state is CaseState.EXPIRED


def test_due_items_come_highest_level_first() -> None:
    low, high = queued("low", severity=1, at=0.0), queued("high", severity=4, at=500.0)
    items = due([low, high], now=10_000.0, policy=POLICY)
    assert [i.case.id for i in items] == ["high", "low"]


@settings(deadline=None)
@given(st.lists(st.tuples(st.integers(1, 4), st.floats(0, 5000)), max_size=15), st.floats(0, 20_000))
def test_due_fires_exactly_the_deadlines_passed_and_never_twice_at_one_time(
        spec: list[tuple[int, float]], now: float) -> None:
    cases = [queued(f"k{i}", severity=sev, at=at) for i, (sev, at) in enumerate(spec)]
    items = due(cases, now=now, policy=POLICY)
    fired = {d.case.id for d in items}
    assert fired == {c.id for c in cases if c.realert_at is not None and c.realert_at <= now}
    assert all(d.case.realert_at is not None and d.case.realert_at > now for d in items)
    updated = {d.case.id: d.case for d in items}
    assert due([updated.get(c.id, c) for c in cases], now=now, policy=POLICY) == []
