"""The case state machine: one table, and one function per event that applies it.

Every function takes a case and ``now`` and returns a new case with ``version`` + 1, or raises
``RuleError`` with a stable code and changes nothing. Rules::

    state             event             -> state            who / condition
    ----------------  ----------------  ------------------  ---------------------------------
    consent_pending   accept_consent    requested           the person (moderator hand-off)
    consent_pending   decline_consent   declined            the person
    consent_pending   consent_timeout   expired             the clock (timers.due)
    consent_pending   person_left       expired             the person left before answering
    requested         enqueue           queued              starts the wait and the re-alert timer
    queued            offer             offered             fair offering (offering.plan_offers)
    offered           decline_offer     queued              the offered counsellor, or the clock
    queued | offered  claim             active              names the case version; capacity
    active            request_transfer  transfer_pending    the case's counsellor, to another
    transfer_pending  accept_transfer   active              the receiving counsellor; capacity
    transfer_pending  decline_transfer  active              the receiving counsellor
    active            close             closed              the counsellor; an outcome
    requested..transfer_pending  person_left  closed        outcome person_left
    consent_pending   person_erased     expired             the person erased their pseudonym
    requested..transfer_pending  person_erased  closed      outcome person_erased (erasure only)
    active | transfer_pending    no_response  closed        the counsellor; outcome no_response
    active | transfer_pending    counsellor_gone  queued    the counsellor's account was disabled:
                                                            back in the queue, keeping its place
    any non-final     raise             (same)              a higher level; re-alert sooner
    queued | offered  realert           (same)              the clock (timers.due): next deadline
    closed | declined | expired         (final)             refused: case_closed

Refusals: ``case_closed`` (final state), ``already_claimed`` (a claim of a case a counsellor
holds), ``version_conflict`` (a claim naming an old version: someone else changed it first),
``not_claimable`` / ``case_state`` (the table has no such move), ``not_case_counsellor``,
``not_offered_to_you``, ``not_transfer_target``, ``transfer_to_self``, ``counsellor_away``,
``counsellor_at_capacity``, ``confirmation_required`` (emergency_confirmed without the flag),
``bad_outcome``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from enum import StrEnum

from escalation.case import IN_SESSION, MAX_DECLINED, TERMINAL, Case, CaseSource, CaseState, Outcome
from escalation.offering import CounsellorStatus
from escalation.policy import CASE_MIN_SEVERITY, EscalationPolicy
from moderation.limits import RuleError, check_id, check_time


class CaseEvent(StrEnum):
    """What can happen to a case."""

    ACCEPT_CONSENT = "accept_consent"
    DECLINE_CONSENT = "decline_consent"
    CONSENT_TIMEOUT = "consent_timeout"
    ENQUEUE = "enqueue"
    OFFER = "offer"
    DECLINE_OFFER = "decline_offer"
    CLAIM = "claim"
    REQUEST_TRANSFER = "request_transfer"
    ACCEPT_TRANSFER = "accept_transfer"
    DECLINE_TRANSFER = "decline_transfer"
    CLOSE = "close"
    PERSON_LEFT = "person_left"
    PERSON_ERASED = "person_erased"
    NO_RESPONSE = "no_response"
    RAISE = "raise"
    REALERT = "realert"
    COUNSELLOR_GONE = "counsellor_gone"


S, E = CaseState, CaseEvent
TRANSITIONS: dict[tuple[CaseState, CaseEvent], CaseState] = {
    (S.CONSENT_PENDING, E.ACCEPT_CONSENT): S.REQUESTED,
    (S.CONSENT_PENDING, E.DECLINE_CONSENT): S.DECLINED,
    (S.CONSENT_PENDING, E.CONSENT_TIMEOUT): S.EXPIRED,
    (S.CONSENT_PENDING, E.PERSON_LEFT): S.EXPIRED,
    (S.REQUESTED, E.ENQUEUE): S.QUEUED,
    (S.QUEUED, E.OFFER): S.OFFERED,
    (S.OFFERED, E.DECLINE_OFFER): S.QUEUED,
    (S.QUEUED, E.CLAIM): S.ACTIVE,
    (S.OFFERED, E.CLAIM): S.ACTIVE,
    (S.ACTIVE, E.REQUEST_TRANSFER): S.TRANSFER_PENDING,
    (S.TRANSFER_PENDING, E.ACCEPT_TRANSFER): S.ACTIVE,
    (S.TRANSFER_PENDING, E.DECLINE_TRANSFER): S.ACTIVE,
    (S.ACTIVE, E.CLOSE): S.CLOSED,
    (S.ACTIVE, E.NO_RESPONSE): S.CLOSED,
    (S.TRANSFER_PENDING, E.NO_RESPONSE): S.CLOSED,
    (S.ACTIVE, E.COUNSELLOR_GONE): S.QUEUED,
    (S.TRANSFER_PENDING, E.COUNSELLOR_GONE): S.QUEUED,
    **{(s, E.PERSON_LEFT): S.CLOSED for s in (S.REQUESTED, S.QUEUED, S.OFFERED, S.ACTIVE,
                                              S.TRANSFER_PENDING)},
    (S.CONSENT_PENDING, E.PERSON_ERASED): S.EXPIRED,
    **{(s, E.PERSON_ERASED): S.CLOSED for s in (S.REQUESTED, S.QUEUED, S.OFFERED, S.ACTIVE,
                                                S.TRANSFER_PENDING)},
    **{(s, E.RAISE): s for s in S if s not in TERMINAL},
    (S.QUEUED, E.REALERT): S.QUEUED,
    (S.OFFERED, E.REALERT): S.OFFERED,
}
"""The whole state machine of a case (see the module docstring)."""
del S, E


def _to(case: Case, event: CaseEvent, refusal: str = "case_state") -> CaseState:
    if case.state in TERMINAL:
        raise RuleError("case_closed", f"{event} refused: the case is {case.state}")
    target = TRANSITIONS.get((case.state, event))
    if target is None:
        raise RuleError(refusal, f"{event} refused in state {case.state}")
    return target


def _next(case: Case, **changes: object) -> Case:
    return replace(case, version=case.version + 1, **changes)  # type: ignore[arg-type]


def request(*, case_id: str, pseudonym: str, severity: int, categories: Sequence[str],
            source: CaseSource, now: float, shared_items: int = 0) -> Case:
    """A person asks for a counsellor (``self``) or accepts their client's offer (``detector``)."""
    if source is CaseSource.MODERATOR:
        raise RuleError("bad_source", "a moderator hand-off starts with propose_handoff")
    return Case(id=case_id, pseudonym=pseudonym, severity=max(severity, CASE_MIN_SEVERITY),
                categories=tuple(categories), source=source, state=CaseState.REQUESTED,
                created_at=check_time(now, "now"), shared_items=shared_items)


def propose_handoff(*, case_id: str, pseudonym: str, severity: int, categories: Sequence[str],
                    moderator: str, room: str, now: float, policy: EscalationPolicy) -> Case:
    """A moderator proposes to hand a person from a group to a counsellor; the person must accept."""
    return Case(id=case_id, pseudonym=pseudonym, severity=max(severity, CASE_MIN_SEVERITY),
                categories=tuple(categories), source=CaseSource.MODERATOR, escalated_by=moderator,
                room=room, state=CaseState.CONSENT_PENDING, created_at=check_time(now, "now"),
                consent_deadline=now + policy.consent_seconds)


def accept_consent(case: Case, *, now: float, shared_items: int = 0) -> Case:
    """The person accepts the hand-off and chose ``shared_items`` messages to share."""
    return _next(case, state=_to(case, CaseEvent.ACCEPT_CONSENT), consent_deadline=None,
                 shared_items=shared_items)


def decline_consent(case: Case, *, now: float) -> Case:
    """The person says no: nobody is moved without consent."""
    return _next(case, state=_to(case, CaseEvent.DECLINE_CONSENT), consent_deadline=None, closed_at=now)


def consent_timeout(case: Case, *, now: float) -> Case:
    """No answer before the consent deadline."""
    if case.consent_deadline is None or now < case.consent_deadline:
        _to(case, CaseEvent.CONSENT_TIMEOUT)
        raise RuleError("not_due", "the consent deadline has not passed")
    return _next(case, state=_to(case, CaseEvent.CONSENT_TIMEOUT), consent_deadline=None, closed_at=now)


def enqueue(case: Case, *, now: float, policy: EscalationPolicy) -> Case:
    """Into the queue: the wait and the level's re-alert timer start now."""
    level = policy.level(case.severity)
    return _next(case, state=_to(case, CaseEvent.ENQUEUE), queued_at=now,
                 realert_at=now + level.realert_after_seconds)


def offer(case: Case, *, counsellor: str, now: float, policy: EscalationPolicy) -> Case:
    """Offer the case to one counsellor until ``now + offer_seconds``."""
    return _next(case, state=_to(case, CaseEvent.OFFER), offered_to=check_id(counsellor, "counsellor"),
                 offer_deadline=now + policy.offer_seconds)


def decline_offer(case: Case, *, counsellor: str | None, now: float) -> Case:
    """The offered counsellor declines (or, with ``None``, the offer lapsed): back to the queue."""
    state = _to(case, CaseEvent.DECLINE_OFFER)
    if counsellor is not None and counsellor != case.offered_to:
        raise RuleError("not_offered_to_you", "the case was offered to someone else")
    declined = case.declined_by
    if case.offered_to is not None and case.offered_to not in declined:
        declined = (*declined, case.offered_to)[-MAX_DECLINED:]
    return _next(case, state=state, offered_to=None, offer_deadline=None, declined_by=declined)


def _check_capacity(status: CounsellorStatus) -> None:
    if not status.available:
        raise RuleError("counsellor_away", "set yourself available first")
    if status.active >= status.capacity:
        raise RuleError("counsellor_at_capacity", "all your session places are taken")


def claim(case: Case, *, counsellor: CounsellorStatus, expected_version: int, now: float) -> Case:
    """Take the case: exactly one claim of a version succeeds (see the refusal codes above)."""
    if case.state in IN_SESSION:
        raise RuleError("already_claimed", "another counsellor has the case")
    if case.state not in TERMINAL and case.version != expected_version:
        raise RuleError("version_conflict", "the case changed; look again")
    state = _to(case, CaseEvent.CLAIM, "not_claimable")
    _check_capacity(counsellor)
    return _next(case, state=state, counsellor=counsellor.id, claimed_at=now, offered_to=None,
                 offer_deadline=None, realert_at=None)


def may_transfer(case: Case, *, by: str) -> CaseState:
    """The state a transfer by ``by`` leads to, or the refusal: checked before the target is
    looked up, so only the case's own counsellor learns whether a name is a colleague's."""
    state = _to(case, CaseEvent.REQUEST_TRANSFER)
    if by != case.counsellor:
        raise RuleError("not_case_counsellor", "only the case's counsellor transfers it")
    return state


def request_transfer(case: Case, *, by: str, to: str, now: float) -> Case:
    """The case's counsellor asks a colleague to take over (warm: the context goes with it)."""
    state = may_transfer(case, by=by)
    if to == by:
        raise RuleError("transfer_to_self", "transfer to someone else")
    return _next(case, state=state, transfer_to=check_id(to, "transfer target"))


def accept_transfer(case: Case, *, counsellor: CounsellorStatus, now: float) -> Case:
    """The receiving counsellor takes over."""
    state = _to(case, CaseEvent.ACCEPT_TRANSFER)
    if counsellor.id != case.transfer_to:
        raise RuleError("not_transfer_target", "the transfer is for someone else")
    _check_capacity(counsellor)
    return _next(case, state=state, counsellor=counsellor.id, transfer_to=None)


def decline_transfer(case: Case, *, by: str, now: float) -> Case:
    """The receiving counsellor declines: the case stays with its counsellor."""
    state = _to(case, CaseEvent.DECLINE_TRANSFER)
    if by != case.transfer_to:
        raise RuleError("not_transfer_target", "the transfer is for someone else")
    return _next(case, state=state, transfer_to=None)


def close(case: Case, *, outcome: Outcome, now: float, by: str | None,
          emergency_confirmed: bool = False) -> Case:
    """End the case with an outcome.

    ``person_left`` may be recorded by anyone (the person, the system, the counsellor) from any
    open state; every other outcome needs the case's counsellor. ``emergency_confirmed`` needs
    the counsellor's explicit confirmation that emergency services were reached.
    """
    try:
        outcome = Outcome(outcome)
    except ValueError:
        raise RuleError("bad_outcome", "unknown outcome") from None
    if outcome is Outcome.PERSON_ERASED:  # only erasure records it (person_erased below)
        raise RuleError("bad_outcome", "person_erased is recorded by the erasure itself")
    event = {Outcome.PERSON_LEFT: CaseEvent.PERSON_LEFT,
             Outcome.NO_RESPONSE: CaseEvent.NO_RESPONSE}.get(outcome, CaseEvent.CLOSE)
    target = _to(case, event)
    if outcome is not Outcome.PERSON_LEFT and by != case.counsellor:
        raise RuleError("not_case_counsellor", "only the case's counsellor closes it")
    if outcome is Outcome.EMERGENCY_CONFIRMED and not emergency_confirmed:
        raise RuleError("confirmation_required", "confirm that emergency services were reached")
    if target is CaseState.EXPIRED:
        return _next(case, state=target, closed_at=now, consent_deadline=None)
    return _next(case, state=target, outcome=outcome, closed_at=now, realert_at=None,
                 offered_to=None, offer_deadline=None, transfer_to=None)


def counsellor_gone(case: Case, *, counsellor: str, now: float, policy: EscalationPolicy
                    ) -> Case:
    """The case's counsellor can no longer work it (an admin disabled their account): the case
    goes back to the queue with the wait it already had (``queued_at`` is kept, so it is ahead
    of later cases of its level), its re-alert timer starts again, a pending transfer ends."""
    state = _to(case, CaseEvent.COUNSELLOR_GONE)
    if counsellor != case.counsellor:
        raise RuleError("not_case_counsellor", "the case is another counsellor's")
    level = policy.level(case.severity)
    return _next(case, state=state, counsellor=None, transfer_to=None, offered_to=None,
                 offer_deadline=None, realert_at=now + level.realert_after_seconds)


def person_erased(case: Case, *, now: float) -> Case:
    """The person erased their pseudonym (``identity.erase``): an open case ends at once, from
    any open state, with the outcome ``person_erased`` (an unanswered hand-off expires). Then
    the store keeps only ``escalation.case.anonymised`` of it."""
    target = _to(case, CaseEvent.PERSON_ERASED)
    if target is CaseState.EXPIRED:
        return _next(case, state=target, closed_at=now, consent_deadline=None)
    return _next(case, state=target, outcome=Outcome.PERSON_ERASED, closed_at=now,
                 realert_at=None, offered_to=None, offer_deadline=None, transfer_to=None)


def raise_severity(case: Case, *, severity: int, categories: Sequence[str], now: float,
                   policy: EscalationPolicy) -> Case:
    """A higher level while waiting (or in session): the sooner re-alert of the new level applies."""
    state = _to(case, CaseEvent.RAISE)
    new = max(case.severity, severity)
    realert = case.realert_at
    if case.queued_at is not None and realert is not None:
        realert = min(realert, case.queued_at + policy.level(new).realert_after_seconds)
    cats = tuple(sorted(set(case.categories) | set(categories)))
    return _next(case, state=state, severity=new, categories=cats, realert_at=realert)


def realert(case: Case, *, now: float, policy: EscalationPolicy) -> Case:
    """The re-alert timer fired: count it and set the next one ``repeat_seconds`` from now."""
    state = _to(case, CaseEvent.REALERT)
    level = policy.level(case.severity)
    return _next(case, state=state, realert_at=now + level.repeat_seconds, realerts=case.realerts + 1)
