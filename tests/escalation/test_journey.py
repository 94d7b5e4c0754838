"""A person's whole path through the model, as the server adapters will drive it (fake clock)."""

from __future__ import annotations

import pytest

from escalation import machine as m
from escalation.case import CaseSource, CaseState, Outcome
from escalation.fallback import FallbackReason, decide
from escalation.health import DutyInterval, due_for_deletion, queue_health
from escalation.offering import plan_offers
from escalation.queue import estimate_wait, position
from escalation.timers import DueKind, due
from moderation.limits import RuleError

from .helpers import POLICY, FakeClock, counsellor


def test_from_a_moderators_hand_off_to_a_closed_and_deleted_case() -> None:
    clock = FakeClock(1_000_000.0)
    store = {}

    def save(case):  # type: ignore[no-untyped-def]
        old = store.get(case.id)
        assert old is None or case.version == old.version + 1  # what the store's CAS checks
        store[case.id] = case
        return case

    # A moderator proposes a hand-off; the person accepts and shares two messages.
    case = save(m.propose_handoff(case_id="k1", pseudonym="Aamu", severity=4, categories=["suicide"],
                                  moderator="mod-a", room="ilta/2026-12-03", now=clock.now, policy=POLICY))
    case = save(m.accept_consent(case, now=clock.advance(20), shared_items=2))
    case = save(m.enqueue(case, now=clock.now, policy=POLICY))
    other = save(m.enqueue(m.request(case_id="k0", pseudonym="Ilta", severity=2, categories=[],
                                     source=CaseSource.SELF, now=clock.now - 600), now=clock.now - 600,
                           policy=POLICY))
    assert position(store.values(), "k1") == 1 and position(store.values(), "k0") == 2

    # Nobody is available: the person is told at once, and the case stays in the queue.
    f = decide(case, now=clock.now, policy=POLICY, available_counsellors=0, estimate=None)
    assert f.reason is FallbackReason.NO_COUNSELLOR and "fi.emergency" in f.alternatives

    # 60 s later nobody has claimed it: everyone on duty and the supervisor are re-alerted.
    [fired] = due(store.values(), now=clock.advance(60), policy=POLICY)
    assert fired.kind is DueKind.REALERT and fired.case.id == "k1"
    case = save(fired.case)

    # A counsellor becomes available; the most urgent case is offered first, the offer lapses.
    staff = [counsellor("c1", capacity=1, idle_since=clock.now)]
    assert plan_offers(store.values(), staff) == [("k1", "c1")]
    case = save(m.offer(case, counsellor="c1", now=clock.advance(1), policy=POLICY))
    lapsed = [d for d in due(store.values(), now=clock.advance(45), policy=POLICY)
              if d.kind is DueKind.OFFER_LAPSED]
    case = save(lapsed[0].case)
    assert case.state is CaseState.QUEUED and case.declined_by == ("c1",)

    # Two counsellors race for the same version: one wins.
    seen = case.version
    case = save(m.claim(case, counsellor=counsellor("c2"), expected_version=seen, now=clock.advance(5)))
    with pytest.raises(RuleError) as info:
        m.claim(case, counsellor=counsellor("c1"), expected_version=seen, now=clock.now)
    assert info.value.code == "already_claimed"
    assert position(store.values(), "k0") == 1

    # Warm transfer to a colleague who accepts, who then closes with a confirmed emergency contact.
    case = save(m.request_transfer(case, by="c2", to="c3", now=clock.advance(600)))
    case = save(m.accept_transfer(case, counsellor=counsellor("c3"), now=clock.advance(30)))
    case = save(m.close(case, outcome=Outcome.EMERGENCY_CONFIRMED, now=clock.advance(900), by="c3",
                        emergency_confirmed=True))
    closed_at = clock.now

    # The supervisor's view, then retention.
    health = queue_health(list(store.values()), duty=[DutyInterval(counsellor="c2", start=clock.now - 3600, end=None)],
                          now=clock.now, policy=POLICY)
    assert health.claims_in_window == 1 and health.waiting_per_level[2] == 1
    assert health.median_time_to_claim == case.claimed_at - case.queued_at  # type: ignore[operator]
    assert other.id not in due_for_deletion(store.values(), now=closed_at + 90 * 86400, retention_days=90)
    assert due_for_deletion(store.values(), now=closed_at + 90 * 86400, retention_days=90) == ("k1",)

    # The wait estimate for the next person, from the one claim so far (needs 3: unknown).
    assert estimate_wait(position=1, claim_times=[case.claimed_at or 0], now=clock.now,
                         window_seconds=POLICY.estimate_window_seconds,
                         min_claims=POLICY.estimate_min_claims) is None
