"""The fallback: closed, nobody available, or too long a wait -> alternatives now, case stays open."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from escalation.fallback import FallbackReason, decide
from escalation.policy import Interval, OpeningHours
from escalation.queue import Estimate

from .helpers import POLICY, policy, queued

EST = lambda s: Estimate(seconds=s, claims=5, window_seconds=3600)  # noqa: E731


def test_nothing_to_say_when_a_counsellor_can_come_in_time() -> None:
    f = decide(queued(severity=4), now=1000.0, policy=POLICY, available_counsellors=1, estimate=EST(120))
    assert f.reason is None and f.alternatives == () and f.message_key == "escalation.wait_ok"


def test_a_wait_longer_than_the_level_allows_shows_the_alternatives_at_once() -> None:
    f = decide(queued(severity=4), now=1000.0, policy=POLICY, available_counsellors=1, estimate=EST(180))
    assert f.reason is FallbackReason.WAIT_TOO_LONG and f.case_stays_open
    assert f.alternatives == ("fi.emergency", "fi.mieli.fi")
    f = decide(queued(severity=3), now=1000.0, policy=POLICY, available_counsellors=1, estimate=EST(180))
    assert f.reason is None  # level 3 allows 15 minutes


def test_nobody_available_is_said_plainly() -> None:
    f = decide(queued(severity=2), now=1000.0, policy=POLICY, available_counsellors=0, estimate=None)
    assert f.reason is FallbackReason.NO_COUNSELLOR and f.alternatives == ("fi.ehyt",)
    assert f.message_key == "escalation.no_counsellor"


def test_an_unknown_estimate_is_not_a_fallback_by_itself() -> None:
    f = decide(queued(severity=4), now=1000.0, policy=POLICY, available_counsellors=2, estimate=None)
    assert f.reason is None


def test_outside_opening_hours_the_person_is_told_when_it_opens() -> None:
    hel = ZoneInfo("Europe/Helsinki")
    evenings = OpeningHours(timezone="Europe/Helsinki", weekly=tuple((Interval(start=17 * 60, end=60),) for _ in range(7)))
    now = datetime(2026, 12, 3, 12, 0, tzinfo=hel).timestamp()
    f = decide(queued(severity=3), now=now, policy=policy(evenings), available_counsellors=3, estimate=EST(60))
    assert f.reason is FallbackReason.CLOSED
    assert f.opens_at == datetime(2026, 12, 3, 17, 0, tzinfo=hel).timestamp()
    assert f.alternatives == ("fi.mieli.fi",) and f.case_stays_open
