"""Opening hours in Europe/Helsinki: past midnight, summer time, and when the service opens next."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.hours import is_open, next_opening
from escalation.policy import Interval, OpeningHours
from moderation.limits import RuleError

HEL = ZoneInfo("Europe/Helsinki")
EVENINGS = OpeningHours(timezone="Europe/Helsinki", weekly=(
    (Interval(start=17 * 60, end=60),),  # mon 17:00 - tue 01:00
    (Interval(start=17 * 60, end=60),),
    (), (), (),                           # wed, thu, fri closed
    (Interval(start=3 * 60 + 30, end=5 * 60),),  # sat 03:30-05:00
    (Interval(start=3 * 60 + 30, end=5 * 60),),  # sun 03:30-05:00 (in the spring-forward gap)
))


def at(*args: int) -> float:
    return datetime(*args, tzinfo=HEL).timestamp()  # type: ignore[misc]


@pytest.mark.parametrize(("when", "open_"), [
    ((2026, 12, 7, 16, 59), False),   # monday before opening
    ((2026, 12, 7, 17, 0), True),
    ((2026, 12, 7, 23, 59), True),
    ((2026, 12, 8, 0, 30), True),     # tuesday night: monday's shift still on
    ((2026, 12, 8, 1, 0), False),
    ((2026, 12, 9, 0, 30), True),     # wednesday 00:30: tuesday's shift
    ((2026, 12, 9, 17, 0), False),    # wednesday closed
])
def test_is_open_across_midnight(when: tuple[int, ...], open_: bool) -> None:
    assert is_open(EVENINGS, at(*when)) is open_


def test_outside_hours_the_next_opening_is_named() -> None:
    assert next_opening(EVENINGS, at(2026, 12, 9, 12, 0)) == at(2026, 12, 12, 3, 30)
    t = at(2026, 12, 7, 18, 0)
    assert next_opening(EVENINGS, t) == t
    closed = OpeningHours(timezone="Europe/Helsinki", weekly=((),) * 7)
    assert next_opening(closed, t) is None


def test_summer_time_opening_inside_the_gap_opens_just_after_it() -> None:
    # 2026-03-29 (sunday) 03:00 -> 04:00 in Helsinki: 03:30 does not exist.
    t = at(2026, 3, 29, 2, 0)
    opens = next_opening(EVENINGS, t)
    assert opens is not None
    local = datetime.fromtimestamp(opens, HEL)
    assert (local.hour, local.minute) == (4, 30) and is_open(EVENINGS, opens)


def test_opening_hours_validate() -> None:
    with pytest.raises(RuleError):
        Interval(start=60, end=60)
    with pytest.raises(RuleError):
        OpeningHours(timezone="Mars/Olympus", weekly=((),) * 7)
    with pytest.raises(RuleError):
        OpeningHours(timezone="Europe/Helsinki", weekly=((),) * 6)


@settings(deadline=None)
@given(st.floats(1.7e9, 1.9e9))
def test_the_next_opening_is_open_and_nothing_before_it_is(t: float) -> None:
    opens = next_opening(EVENINGS, t)
    assert opens is not None and opens >= t and is_open(EVENINGS, opens)
    if opens > t:
        step = (opens - t) / 7
        assert not any(is_open(EVENINGS, t + i * step) for i in range(7))
