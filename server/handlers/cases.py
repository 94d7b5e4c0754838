"""Escalation rules for the person, the moderator and the supervisor (issue 11). The counsellor's
events are `server/handlers/counsellor.py`; the shared steps `cases_flow.py`; the protocol is
docs/protocol.md ("Escalation").

    case.request   open a case (or answer the open one) and queue it; the fallback at once
    case.resume    the device's case code brings the person back to their case
    case.consent   the person answers a moderator's hand-off (nobody is moved without consent)
    case.leave     the person leaves the queue or the session
    case.rate      one rating per finished case, counted (never tied to the person)
    case.escalate  a moderator proposes a hand-off of a member of their room
    cases.health   counts and times for a supervisor, never content
"""

from __future__ import annotations

from typing import Any

from escalation import machine as m
from escalation.case import IN_SESSION, Case, CaseState, Outcome
from escalation.health import DutyInterval, queue_health
from server.domain import pseudonyms
from server.domain.ids import user_room
from server.domain.roles import Role
from server.handlers import cases_flow as flow
from server.handlers.events import Budget, Event
from server.handlers.services import Connection, Services
from server.wire.case_pushes import CaseEnded, CaseHandoff, CaseInvite
from server.wire.case_requests import (
    CaseCode,
    CaseConsent,
    CaseEscalate,
    CaseRate,
    CaseRequest,
    HealthRequest,
)
from server.wire.errors import ApiError

RATED_TTL_SECONDS = 400 * flow.DAY  # longer than any retention: one rating per case


def _new_id(services: Services) -> str:
    return services.rng.bytes(16).hex()


async def _mine(services: Services, conn: Connection, case_code: str) -> Case:
    """The caller's own case, or `unknown_case` (the code of someone else's case is unknown)."""
    case = await services.stores.cases.get(case_code)
    if case is None or case.pseudonym != conn.pseudonym:
        raise ApiError("unknown_case")
    return case


async def _enqueue(services: Services, case: Case) -> Case:
    """Into the queue, and tell everyone waiting (positions move, offers go out)."""
    p = flow.policy_of(services)
    try:
        _, case = await flow.change(services, case.id,
                                    lambda c: m.enqueue(c, now=services.clock.now(), policy=p))
    except ApiError as err:  # another connection of the person queued it a moment ago
        again = await services.stores.cases.get(case.id)
        if err.code != "case_state" or again is None:
            raise
        return again
    await flow.queue_changed(services)
    return case


async def request(services: Services, conn: Connection, req: CaseRequest) -> dict[str, Any]:
    """A person asks for a counsellor (or their client asks for them at detector level 3-4).
    Not a staff socket (`role_not_allowed`): its pseudonym is a staff name, which would name
    the asker to their colleagues, and a counsellor could be offered their own case; staff
    ask for help as an anonymous peer like anyone."""
    assert conn.pseudonym is not None
    if conn.staff is not None:
        raise ApiError("role_not_allowed", "staff ask for help as a peer")
    store = services.stores.cases
    case = await store.open_of(conn.pseudonym)
    if case is None:
        if await flow.open_count(services) >= flow.MAX_OPEN_CASES:
            raise ApiError("queue_full")
        new = m.request(case_id=_new_id(services), pseudonym=conn.pseudonym, severity=req.level,
                        categories=() if req.reason is None else (req.reason,),
                        source=req.source, now=services.clock.now(),
                        shared_items=req.share_count)
        if await store.create(new):
            services.metrics.cases_opened[str(new.severity)] += 1
            services.log.info("case.opened", level=new.severity, source=new.source.value)
            case = new
        else:  # another connection of this person opened one a moment ago
            case = await store.open_of(conn.pseudonym)
            if case is None:
                raise ApiError("version_conflict")
    if case.state is CaseState.REQUESTED:
        case = await _enqueue(services, case)
    elif req.level > case.severity and case.state is not CaseState.CONSENT_PENDING:
        # Asked again at a higher level (their client's detector saw level 4 while they
        # waited): the new level's order and sooner re-alert apply.
        p = flow.policy_of(services)
        _, case = await flow.change(services, case.id, lambda c: m.raise_severity(
            c, severity=req.level, categories=() if req.reason is None else (req.reason,),
            now=services.clock.now(), policy=p))
        services.log.info("case.raised", level=case.severity)
        await flow.queue_changed(services)
    return (await flow.status(services, case)).to_wire()


async def resume(services: Services, conn: Connection, req: CaseCode) -> dict[str, Any]:
    """The person's device comes back with its case code."""
    case = await _mine(services, conn, req.case_code)
    if case.state is CaseState.REQUESTED:  # a process stopped between creating and queueing
        case = await _enqueue(services, case)
    return (await flow.status(services, case)).to_wire()


async def consent(services: Services, conn: Connection, req: CaseConsent) -> dict[str, Any]:
    """The person accepts (and chooses how many messages to share) or declines a hand-off."""
    case = await _mine(services, conn, req.case_code)
    now = services.clock.now()
    if req.accept:
        _, case = await flow.change(services, case.id, lambda c: m.accept_consent(
            c, now=now, shared_items=req.share_count))
        state = "requested"
    else:
        _, case = await flow.change(services, case.id, lambda c: m.decline_consent(c, now=now))
        state = "declined"
    if case.escalated_by is not None:
        await services.emitter.emit(CaseHandoff(case_id=case.id, state=state),
                                    to=user_room(case.escalated_by))
    services.log.info("case.consent", accepted=req.accept)
    if req.accept:
        services.metrics.cases_opened[str(case.severity)] += 1
        case = await _enqueue(services, case)
    return (await flow.status(services, case)).to_wire()


async def leave(services: Services, conn: Connection, req: CaseCode) -> dict[str, Any]:
    """The person leaves: the case closes with `person_left` (a hand-off not yet answered
    expires)."""
    case = await _mine(services, conn, req.case_code)
    before, case = await flow.change(services, case.id, lambda c: m.close(
        c, outcome=Outcome.PERSON_LEFT, now=services.clock.now(), by=None))
    services.metrics.cases_closed[Outcome.PERSON_LEFT.value] += 1
    if before.state in IN_SESSION and before.counsellor is not None:
        await services.emitter.emit(CaseEnded(case_id=case.id, outcome="person_left"),
                                    to=user_room(before.counsellor))
    await flow.queue_changed(services)
    return (await flow.status(services, case)).to_wire()


async def rate(services: Services, conn: Connection, req: CaseRate) -> dict[str, Any]:
    """A one-tap rating of a finished session: counted once per case, stored nowhere else."""
    case = await _mine(services, conn, req.case_code)
    if case.state is not CaseState.CLOSED:
        raise ApiError("case_state")
    if not await services.stores.claims.claim_once(f"case-rated:{case.id}", RATED_TTL_SECONDS):
        raise ApiError("already_rated")
    services.metrics.case_ratings[str(req.rating)] += 1
    return {}


async def escalate(services: Services, conn: Connection, req: CaseEscalate) -> dict[str, Any]:
    """A moderator in `room` proposes to hand one of its members to a counsellor."""
    if conn.role != Role.MODERATOR or conn.user_id is None:
        raise ApiError("not_moderator")
    if req.room not in conn.rooms:
        raise ApiError("not_in_room")
    folded = pseudonyms.fold(req.pseudonym)
    member = next((x for x in await services.stores.rooms.members(req.room)
                   if pseudonyms.fold(x.pseudonym) == folded), None)
    if member is None:
        raise ApiError("unknown_user")
    if await flow.open_count(services) >= flow.MAX_OPEN_CASES:
        raise ApiError("queue_full")
    p = flow.policy_of(services)
    case = m.propose_handoff(case_id=_new_id(services), pseudonym=member.pseudonym,
                             severity=req.level, categories=(req.reason,),
                             moderator=conn.user_id, room=req.room, now=services.clock.now(),
                             policy=p)
    if not await services.stores.cases.create(case):
        raise ApiError("case_open")
    assert case.consent_deadline is not None
    await flow.to_person(services, case, CaseInvite(
        case_code=case.id, room=req.room, reason=req.reason, level=case.severity,
        expires_at=case.consent_deadline))
    services.log.info("case.escalated", room=req.room, level=case.severity)
    await flow.audit(services, actor=conn.pseudonym or conn.user_id, action="case_open",
                     case=case, reason_code=req.reason, source="moderator")
    return {"case_id": case.id, "expires_at": case.consent_deadline}


async def health(services: Services, conn: Connection, req: HealthRequest) -> dict[str, Any]:
    """Queue health for a supervisor (counsellors and admins): counts and times only."""
    if conn.role not in (Role.COUNSELLOR, Role.ADMIN):
        raise ApiError("not_supervisor")
    if req.watch:
        await services.emitter.enter_room(conn.sid, flow.SUPERVISOR_ROOM)
    p = flow.policy_of(services)
    now = services.clock.now()
    snap = await flow.snapshot(services)
    start = now - p.health_window_seconds
    recent = await services.stores.cases.claimed_since(start, flow.CLAIMS_LOOKED_AT)
    cases = {c.id: c for c in (*recent, *snap.open_cases)}
    duty = [*await services.stores.cases.duty_since(start),
            *(DutyInterval(counsellor=c.id, start=c.on_duty_since, end=None)
              for c in snap.counsellors if c.on_duty_since is not None)]
    h = queue_health(list(cases.values()), duty=duty, now=now, policy=p)
    return {"waiting_per_level": list(h.waiting_per_level[1:]),
            "oldest_wait_s": h.oldest_wait_seconds, "claims_in_window": h.claims_in_window,
            "median_time_to_claim_s": h.median_time_to_claim,
            "longest_time_to_claim_s": h.longest_time_to_claim,
            "sessions_per_counsellor": h.sessions_per_counsellor,
            "no_one_on_duty": [list(gap) for gap in h.no_one_on_duty],
            "available_counsellors": snap.available}


EVENTS = (
    Event(name="case.request", decode=CaseRequest.decode, rule=request, budget=Budget.OTHER),
    Event(name="case.resume", decode=CaseCode.decode, rule=resume, budget=Budget.OTHER),
    Event(name="case.consent", decode=CaseConsent.decode, rule=consent, budget=Budget.OTHER),
    Event(name="case.leave", decode=CaseCode.decode, rule=leave, budget=Budget.OTHER),
    Event(name="case.rate", decode=CaseRate.decode, rule=rate, budget=Budget.OTHER),
    Event(name="case.escalate", decode=CaseEscalate.decode, rule=escalate, budget=Budget.OTHER),
    Event(name="cases.health", decode=HealthRequest.decode, rule=health, budget=Budget.OTHER),
)
