"""The case state machine: every (state, event) pair against the one table, claims, outcomes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation import machine as m
from escalation.case import IN_SESSION, TERMINAL, WAITING, Case, CaseSource, CaseState, Outcome
from escalation.machine import TRANSITIONS, CaseEvent
from moderation.limits import RuleError

from .helpers import POLICY, counsellor, in_state, queued

NOW = 5000.0


def apply(case: Case, event: CaseEvent) -> Case:
    """Apply ``event`` with the actor the event needs (the right one, so only the table decides)."""
    E = CaseEvent
    if event is E.ACCEPT_CONSENT:
        return m.accept_consent(case, now=NOW, shared_items=2)
    if event is E.DECLINE_CONSENT:
        return m.decline_consent(case, now=NOW)
    if event is E.CONSENT_TIMEOUT:
        return m.consent_timeout(case, now=NOW + 10_000)
    if event is E.ENQUEUE:
        return m.enqueue(case, now=NOW, policy=POLICY)
    if event is E.OFFER:
        return m.offer(case, counsellor="c3", now=NOW, policy=POLICY)
    if event is E.DECLINE_OFFER:
        return m.decline_offer(case, counsellor=case.offered_to, now=NOW)
    if event is E.CLAIM:
        return m.claim(case, counsellor=counsellor("c3"), expected_version=case.version, now=NOW)
    if event is E.REQUEST_TRANSFER:
        return m.request_transfer(case, by=case.counsellor or "c1", to="c9", now=NOW)
    if event is E.ACCEPT_TRANSFER:
        return m.accept_transfer(case, counsellor=counsellor(case.transfer_to or "c2"), now=NOW)
    if event is E.DECLINE_TRANSFER:
        return m.decline_transfer(case, by=case.transfer_to or "c2", now=NOW)
    if event is E.CLOSE:
        return m.close(case, outcome=Outcome.REFERRED, now=NOW, by=case.counsellor)
    if event is E.PERSON_LEFT:
        return m.close(case, outcome=Outcome.PERSON_LEFT, now=NOW, by=None)
    if event is E.PERSON_ERASED:
        return m.person_erased(case, now=NOW)
    if event is E.NO_RESPONSE:
        return m.close(case, outcome=Outcome.NO_RESPONSE, now=NOW, by=case.counsellor)
    if event is E.COUNSELLOR_GONE:
        return m.counsellor_gone(case, counsellor=case.counsellor or "c1", now=NOW, policy=POLICY)
    if event is E.RAISE:
        return m.raise_severity(case, severity=4, categories=("overdose",), now=NOW, policy=POLICY)
    assert event is E.REALERT
    return m.realert(case, now=NOW, policy=POLICY)


@pytest.mark.parametrize("state", list(CaseState))
@pytest.mark.parametrize("event", list(CaseEvent))
def test_every_transition_follows_the_table(state: CaseState, event: CaseEvent) -> None:
    case = in_state(state)
    target = TRANSITIONS.get((state, event))
    if target is None:
        with pytest.raises(RuleError) as info:
            apply(case, event)
        expected = {"case_closed"} if state in TERMINAL else {"case_state", "not_claimable", "already_claimed"}
        assert info.value.code in expected
    else:
        after = apply(case, event)
        assert after.state is target
        assert after.version == case.version + 1
        assert after.id == case.id and after.pseudonym == case.pseudonym


def test_the_table_reaches_every_state_and_nothing_leaves_a_final_one() -> None:
    targets = set(TRANSITIONS.values()) | {CaseState.CONSENT_PENDING, CaseState.REQUESTED}
    assert targets == set(CaseState)
    assert not [k for k in TRANSITIONS if k[0] in TERMINAL]


def test_a_disabled_counsellors_case_goes_back_to_the_queue_keeping_its_wait() -> None:
    for state in IN_SESSION:
        case = in_state(state)
        with pytest.raises(RuleError) as info:
            m.counsellor_gone(case, counsellor="c7", now=NOW, policy=POLICY)
        assert info.value.code == "not_case_counsellor"
        back = m.counsellor_gone(case, counsellor="c1", now=NOW, policy=POLICY)
        assert back.state is CaseState.QUEUED and back.counsellor is None
        assert back.transfer_to is None and back.queued_at == case.queued_at
        assert back.realert_at == NOW + POLICY.level(case.severity).realert_after_seconds
        assert m.claim(back, counsellor=counsellor("c2"), expected_version=back.version,
                       now=NOW).counsellor == "c2"


def test_a_second_claim_of_the_same_version_is_refused() -> None:
    case = queued()
    first = m.claim(case, counsellor=counsellor("c1"), expected_version=case.version, now=NOW)
    assert first.counsellor == "c1" and first.claimed_at == NOW and first.realert_at is None
    with pytest.raises(RuleError) as info:
        m.claim(first, counsellor=counsellor("c2"), expected_version=case.version, now=NOW)
    assert info.value.code == "already_claimed"


def test_a_claim_naming_an_old_version_of_a_waiting_case_is_a_conflict() -> None:
    case = queued()
    raised = m.raise_severity(case, severity=4, categories=(), now=NOW, policy=POLICY)
    with pytest.raises(RuleError) as info:
        m.claim(raised, counsellor=counsellor("c1"), expected_version=case.version, now=NOW)
    assert info.value.code == "version_conflict"


@pytest.mark.parametrize(("status", "code"), [
    (counsellor("c1", available=False), "counsellor_away"),
    (counsellor("c1", capacity=2, active=2), "counsellor_at_capacity"),
])
def test_a_counsellor_claims_only_while_available_and_under_capacity(status, code: str) -> None:  # type: ignore[no-untyped-def]
    case = queued()
    with pytest.raises(RuleError) as info:
        m.claim(case, counsellor=status, expected_version=case.version, now=NOW)
    assert info.value.code == code


@settings(deadline=None, max_examples=50)
@given(st.lists(st.tuples(st.sampled_from(["c1", "c2", "c3", "c4"]), st.booleans()), min_size=1, max_size=12))
def test_a_claim_succeeds_at_most_once_per_version(claims: list[tuple[str, bool]]) -> None:
    """Many counsellors race; the store applies each claim to the record it holds (CAS)."""
    stored = queued()
    seen_version = stored.version
    winners = []
    for who, stale in claims:
        version = seen_version if stale else stored.version
        try:
            stored = m.claim(stored, counsellor=counsellor(who), expected_version=version, now=NOW)
            winners.append(who)
        except RuleError as exc:
            assert exc.code in {"already_claimed", "version_conflict"}
    assert len(winners) == 1 and stored.counsellor == winners[0]


def test_warm_transfer_is_accepted_or_declined_by_the_receiver_only() -> None:
    active = in_state(CaseState.ACTIVE)
    with pytest.raises(RuleError) as info:
        m.request_transfer(active, by="c2", to="c3", now=NOW)
    assert info.value.code == "not_case_counsellor"
    with pytest.raises(RuleError) as info:
        m.request_transfer(active, by="c1", to="c1", now=NOW)
    assert info.value.code == "transfer_to_self"
    pending = m.request_transfer(active, by="c1", to="c2", now=NOW)
    with pytest.raises(RuleError) as info:
        m.accept_transfer(pending, counsellor=counsellor("c3"), now=NOW)
    assert info.value.code == "not_transfer_target"
    with pytest.raises(RuleError) as info:
        m.accept_transfer(pending, counsellor=counsellor("c2", active=2), now=NOW)
    assert info.value.code == "counsellor_at_capacity"
    moved = m.accept_transfer(pending, counsellor=counsellor("c2"), now=NOW)
    assert moved.state is CaseState.ACTIVE and moved.counsellor == "c2" and moved.transfer_to is None
    kept = m.decline_transfer(pending, by="c2", now=NOW)
    assert kept.counsellor == "c1" and kept.state is CaseState.ACTIVE
    with pytest.raises(RuleError):
        m.close(pending, outcome=Outcome.SUPPORTED, now=NOW, by="c1")


def test_closing_records_an_outcome_and_emergency_needs_the_confirmation() -> None:
    active = in_state(CaseState.ACTIVE)
    with pytest.raises(RuleError) as info:
        m.close(active, outcome=Outcome.EMERGENCY_CONFIRMED, now=NOW, by="c1")
    assert info.value.code == "confirmation_required"
    done = m.close(active, outcome=Outcome.EMERGENCY_CONFIRMED, now=NOW, by="c1", emergency_confirmed=True)
    assert done.outcome is Outcome.EMERGENCY_CONFIRMED and done.closed_at == NOW
    with pytest.raises(RuleError) as info:
        m.close(active, outcome=Outcome.SUPPORTED, now=NOW, by="c2")
    assert info.value.code == "not_case_counsellor"
    with pytest.raises(RuleError) as info:
        m.close(active, outcome="done", now=NOW, by="c1")  # type: ignore[arg-type]
    assert info.value.code == "bad_outcome"


@pytest.mark.parametrize("state", [s for s in CaseState if s not in TERMINAL])
def test_erasure_ends_an_open_case_in_any_state_and_only_erasure_records_it(
        state: CaseState) -> None:
    case = in_state(state)
    ended = m.person_erased(case, now=NOW)
    assert ended.state in TERMINAL and ended.closed_at == NOW
    if state is CaseState.CONSENT_PENDING:
        assert ended.state is CaseState.EXPIRED and ended.outcome is None
    else:
        assert ended.state is CaseState.CLOSED and ended.outcome is Outcome.PERSON_ERASED
        assert ended.transfer_to is None and ended.offered_to is None
    assert ended.realert_at is None or state is CaseState.CONSENT_PENDING
    # A counsellor (or anyone) cannot record the outcome by closing: it would keep the name.
    with pytest.raises(RuleError) as info:
        m.close(case, outcome=Outcome.PERSON_ERASED, now=NOW, by=case.counsellor)
    assert info.value.code == "bad_outcome"


def test_an_anonymised_case_keeps_what_retention_needs_and_nothing_of_the_person() -> None:
    from escalation.case import ERASED_PSEUDONYM, anonymised

    active = in_state(CaseState.ACTIVE)
    with pytest.raises(RuleError) as info:
        anonymised(active)
    assert info.value.code == "case_state"
    closed = m.close(active, outcome=Outcome.SUPPORTED, now=NOW, by=active.counsellor)
    from dataclasses import replace

    closed = replace(closed, room="open/2026-12-03")
    kept = anonymised(closed)
    assert kept.pseudonym == ERASED_PSEUDONYM and kept.room is None
    assert kept.version == closed.version + 1
    for name in ("id", "severity", "categories", "source", "state", "created_at", "queued_at",
                 "claimed_at", "closed_at", "counsellor", "outcome", "shared_items"):
        assert getattr(kept, name) == getattr(closed, name), name
    assert closed.pseudonym not in repr(kept)


def test_a_person_leaving_the_queue_closes_the_case_as_person_left() -> None:
    left = m.close(queued(), outcome=Outcome.PERSON_LEFT, now=NOW, by=None)
    assert left.state is CaseState.CLOSED and left.outcome is Outcome.PERSON_LEFT
    assert left.realert_at is None


def test_a_moderator_hand_off_waits_for_consent_and_carries_what_was_shared() -> None:
    c = in_state(CaseState.CONSENT_PENDING)
    assert c.source is CaseSource.MODERATOR and c.escalated_by == "mod-a" and c.consent_deadline == 1300.0
    with pytest.raises(RuleError):
        m.enqueue(c, now=NOW, policy=POLICY)  # never moved without consent
    ok = m.accept_consent(c, now=1100.0, shared_items=3)
    assert ok.state is CaseState.REQUESTED and ok.shared_items == 3 and ok.consent_deadline is None
    with pytest.raises(RuleError) as info:
        m.consent_timeout(c, now=1299.0)
    assert info.value.code == "not_due"
    with pytest.raises(RuleError) as info:
        m.request(case_id="k", pseudonym="A", severity=3, categories=(), source=CaseSource.MODERATOR, now=1.0)
    assert info.value.code == "bad_source"


def test_an_offer_is_declined_only_by_its_counsellor_who_is_then_remembered() -> None:
    offered = in_state(CaseState.OFFERED)
    with pytest.raises(RuleError) as info:
        m.decline_offer(offered, counsellor="c2", now=NOW)
    assert info.value.code == "not_offered_to_you"
    back = m.decline_offer(offered, counsellor="c1", now=NOW)
    assert back.state is CaseState.QUEUED and back.declined_by == ("c1",) and back.offered_to is None


@pytest.mark.parametrize(("field", "value", "code"), [
    ("severity", 0, "bad_severity"),
    ("severity", 5, "bad_severity"),
    ("source", "police", "bad_source"),
    ("shared_items", 51, "too_many_shared"),
    ("pseudonym", "", "bad_field"),
    ("id", "has space", "bad_field"),
])
def test_bad_cases_are_refused_when_built(field: str, value: object, code: str) -> None:
    fields: dict[str, object] = dict(id="k1", pseudonym="Aamu", severity=3, categories=(), source="self",
                                     state=CaseState.REQUESTED, created_at=1.0)
    fields[field] = value
    with pytest.raises(RuleError) as info:
        Case(**fields)  # type: ignore[arg-type]
    assert info.value.code == code


def test_a_request_without_a_detector_level_is_level_1_and_repr_shows_no_pseudonym() -> None:
    c = m.request(case_id="k1", pseudonym="SecretName", severity=0, categories=(), source=CaseSource.SELF, now=1.0)
    assert c.severity == 1
    assert "SecretName" not in repr(c)


EVENTS = st.sampled_from(list(CaseEvent))


@settings(deadline=None, max_examples=100)
@given(st.lists(EVENTS, max_size=25), st.sampled_from([CaseState.CONSENT_PENDING, CaseState.REQUESTED]))
def test_random_event_sequences_keep_one_state_and_a_growing_version(events: list[CaseEvent],
                                                                       start: CaseState) -> None:
    case = in_state(start)
    for event in events:
        before = case
        try:
            case = apply(case, event)
        except RuleError:
            assert case is before
            continue
        assert TRANSITIONS[(before.state, event)] is case.state
        assert case.version == before.version + 1
        assert isinstance(case.state, CaseState)
        if case.state in IN_SESSION:
            assert case.counsellor is not None and case.claimed_at is not None
        if case.state in WAITING:
            assert case.counsellor is None and case.queued_at is not None
        assert (case.state is CaseState.OFFERED) == (case.offered_to is not None)
        assert (case.state is CaseState.TRANSFER_PENDING) == (case.transfer_to is not None)
        if case.state in TERMINAL:
            assert case.closed_at is not None
