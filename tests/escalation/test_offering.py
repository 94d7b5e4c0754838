"""Fair offering: least loaded, then longest idle; an outstanding offer holds a place."""

from __future__ import annotations

import pytest

from escalation import machine as m
from escalation.offering import choose_counsellor, plan_offers, sessions_held
from moderation.limits import RuleError

from .helpers import POLICY, counsellor, queued


def test_the_least_loaded_then_the_longest_idle_is_chosen() -> None:
    staff = [counsellor("a", active=1, idle_since=0), counsellor("b", active=0, idle_since=500),
             counsellor("c", active=0, idle_since=100)]
    assert choose_counsellor(staff) == "c"
    assert choose_counsellor(staff, declined=["c"]) == "b"
    assert choose_counsellor(staff, declined=["a", "b", "c"]) == "c"  # all said no: ask again


def test_away_and_full_counsellors_are_never_chosen() -> None:
    staff = [counsellor("a", available=False), counsellor("b", capacity=1, active=1)]
    assert choose_counsellor(staff) is None
    assert choose_counsellor([counsellor("c", capacity=1)], reserved={"c": 1}) is None


def test_offers_follow_queue_order_and_use_each_place_once() -> None:
    cases = [queued("low", severity=2, at=0), queued("high", severity=4, at=100),
             queued("mid", severity=3, at=50)]
    staff = [counsellor("a", capacity=1, idle_since=10), counsellor("b", capacity=1, idle_since=20)]
    assert plan_offers(cases, staff) == [("high", "a"), ("mid", "b")]
    offered = m.offer(cases[1], counsellor="a", now=200, policy=POLICY)
    assert plan_offers([cases[0], offered, cases[2]], staff) == [("mid", "b")]


def test_sessions_held_counts_active_cases_per_counsellor() -> None:
    c = queued("x")
    active = m.claim(c, counsellor=counsellor("a"), expected_version=c.version, now=1.0)
    assert sessions_held([active, queued("y")]) == {"a": 1}


@pytest.mark.parametrize("capacity", [0, 11, True])
def test_capacity_is_validated(capacity: object) -> None:
    with pytest.raises(RuleError) as info:
        counsellor(capacity=capacity)  # type: ignore[arg-type]
    assert info.value.code == "bad_capacity"
