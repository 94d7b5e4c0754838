"""Queue order (level, then wait), honest positions, and the estimate from recent claims."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation import machine as m
from escalation.queue import estimate_wait, order_key, position, queue_order

from .helpers import counsellor, queued


def test_higher_levels_first_then_the_longest_wait() -> None:
    cases = [queued("a", severity=2, at=100), queued("b", severity=4, at=300),
             queued("c", severity=2, at=50), queued("d", severity=4, at=200)]
    assert [c.id for c in queue_order(cases)] == ["d", "b", "c", "a"]
    assert position(cases, "a") == 4 and position(cases, "d") == 1


def test_a_later_urgent_case_moves_a_person_back_and_their_position_says_so() -> None:
    cases = [queued("me", severity=2, at=100)]
    assert position(cases, "me") == 1
    cases.append(queued("urgent", severity=4, at=500))
    assert position(cases, "me") == 2


def test_claimed_and_finished_cases_have_no_position() -> None:
    c = queued("x")
    taken = m.claim(c, counsellor=counsellor(), expected_version=c.version, now=2000)
    assert position([taken], "x") is None and queue_order([taken]) == []


cases_st = st.lists(
    st.builds(lambda i, sev, at: queued(f"k{i}", severity=sev, at=at),
              st.integers(0, 10_000), st.integers(1, 4), st.integers(0, 10_000).map(float)),
    max_size=30, unique_by=lambda c: c.id)


@settings(deadline=None)
@given(cases_st)
def test_queue_order_is_a_total_order_consistent_with_level_then_wait(cases) -> None:  # type: ignore[no-untyped-def]
    order = queue_order(cases)
    assert sorted(c.id for c in order) == sorted(c.id for c in cases)
    assert queue_order(list(reversed(cases))) == order  # input order does not matter
    keys = [order_key(c) for c in order]
    assert len(set(keys)) == len(keys)  # total: no two cases tie
    for a, b in pairwise(order):
        assert a.severity > b.severity or (a.severity == b.severity and (a.queued_at or 0) <= (b.queued_at or 0))
    assert [position(cases, c.id) for c in order] == list(range(1, len(order) + 1))


def test_the_estimate_is_position_times_the_recent_claim_interval_rounded_up() -> None:
    claims = [10_000.0 - 600 * i for i in range(6)]  # six claims in the last hour
    e = estimate_wait(position=3, claim_times=claims, now=10_000.0, window_seconds=3600, min_claims=3)
    assert e is not None and e.seconds == 1800 and e.claims == 6
    e = estimate_wait(position=1, claim_times=claims[:4], now=10_000.0, window_seconds=3600, min_claims=3)
    assert e is not None and e.seconds == 900
    e = estimate_wait(position=1, claim_times=[9_999.0] * 7, now=10_000.0, window_seconds=3600, min_claims=3)
    assert e is not None and e.seconds == 540  # 514.3 s rounded up to whole minutes


def test_no_honest_estimate_without_enough_recent_claims() -> None:
    old = [1000.0, 1100.0, 1200.0, 1300.0]
    assert estimate_wait(position=1, claim_times=old, now=10_000.0, window_seconds=3600, min_claims=3) is None
    assert estimate_wait(position=1, claim_times=[], now=10_000.0, window_seconds=3600, min_claims=1) is None
    with pytest.raises(ValueError):
        estimate_wait(position=0, claim_times=old, now=1400.0, window_seconds=3600, min_claims=1)


@settings(deadline=None)
@given(st.integers(1, 50), st.lists(st.floats(0, 3599), min_size=3, max_size=40))
def test_a_later_place_never_waits_less(p: int, ages: list[float]) -> None:
    claims = [10_000.0 - a for a in ages]
    first = estimate_wait(position=p, claim_times=claims, now=10_000.0, window_seconds=3600, min_claims=3)
    later = estimate_wait(position=p + 1, claim_times=claims, now=10_000.0, window_seconds=3600, min_claims=3)
    assert first is not None and later is not None and later.seconds >= first.seconds
