"""The memo in front of `current_occurrence` is exact: for any sequence of times (forwards,
backwards, across midnights, nights and daylight-saving changes) it answers what the unmemoised
computation answers, and a call inside a known span does no calendar arithmetic."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.groups import GroupSpec
from server.domain import schedule
from server.domain.schedule import (
    compute_occurrence,
    compute_previous,
    current_occurrence,
    previous_occurrence,
)

GROUPS = [
    GroupSpec(id="nightly", name="N", topic="", language="fi", days=tuple(range(7)),
              start=time(19, 0), duration_minutes=90),
    GroupSpec(id="thu", name="T", topic="", language="sv", days=(3,), start=time(19, 0),
              duration_minutes=90),
    GroupSpec(id="late", name="L", topic="", language="fi", days=(4, 5), start=time(23, 30),
              duration_minutes=120),
    GroupSpec(id="ny", name="Y", topic="", language="en", days=(0, 2), start=time(0, 30),
              duration_minutes=30, timezone="America/New_York", lobby_minutes=45),
    GroupSpec(id="open", name="O", topic="", language="en", days=tuple(range(7)),
              start=time(0, 0), duration_minutes=1440, lobby_minutes=0, always_open=True,
              moderator_required=False),
]
START = datetime(2026, 3, 1, tzinfo=ZoneInfo("UTC")).timestamp()  # spans the March DST change


@settings(deadline=None, max_examples=300)
@given(st.lists(st.tuples(st.sampled_from(GROUPS),
                          st.floats(0, 60 * 86400, allow_nan=False)), min_size=1, max_size=30))
def test_memo_answers_what_the_computation_answers(calls: list[tuple[GroupSpec, float]]) -> None:
    for group, offset in calls:
        now = START + offset
        assert current_occurrence(group, now) == compute_occurrence(group, now)[0]
        # Either side of a span's edges too (the places where an off-by-one would show).
        _, lo, hi = compute_occurrence(group, now)
        for t in (lo, hi - 1e-3, hi):
            assert current_occurrence(group, t) == compute_occurrence(group, t)[0]
        assert previous_occurrence(group, now) == compute_previous(group, now)[0]
        _, lo, hi = compute_previous(group, now)
        for t in (lo, hi - 1e-3, hi):
            assert previous_occurrence(group, t) == compute_previous(group, t)[0]


def test_a_send_inside_a_span_does_no_calendar_arithmetic(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    group = GROUPS[0]
    now = datetime(2026, 12, 3, 19, 30, tzinfo=ZoneInfo("Europe/Helsinki")).timestamp()
    first = current_occurrence(group, now)
    calls: list[float] = []
    real = schedule.compute_occurrence
    monkeypatch.setattr(schedule, "compute_occurrence",
                        lambda g, t: calls.append(t) or real(g, t))
    for i in range(1000):
        assert current_occurrence(group, now + i) is first
    assert calls == []
    current_occurrence(group, now + 3600)  # 20:30: the night ended, the answer is recomputed
    assert calls == [now + 3600]
