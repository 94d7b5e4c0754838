"""Escalation rules for counsellors (issue 11; docs/protocol.md, "Escalation").

    counsellor.availability  available or away, with a capacity; joins or leaves the duty pool
    case.list                the queue (risk order) and my cases
    case.claim               exactly one claim of a version wins, across processes
    case.decline             decline an offer (it goes to someone else)
    case.transfer            warm transfer: ask a colleague; the case stays until they accept
    case.transfer_accept     the colleague takes the case over (their capacity counts)
    case.transfer_decline    the colleague says no; the case stays
    case.close               an outcome, and optional notes (ciphertext to the team key)

A counsellor is their connection's `user_id`; claims and transfer acceptances run under a
per-counsellor lock (`ClaimStore.lock`, shared by every process), so two claims by one
counsellor cannot both take their last place.
"""

from __future__ import annotations

from typing import Any

from escalation import machine as m
from escalation.case import IN_SESSION, Case, CaseState
from escalation.health import DutyInterval
from escalation.offering import CounsellorStatus, sessions_held
from moderation.limits import RuleError
from server.domain import pseudonyms
from server.domain.ids import user_room
from server.domain.roles import Role
from server.handlers import cases_flow as flow
from server.handlers.events import Budget, Event
from server.handlers.services import Connection, Services, b64
from server.storage.cases import MAX_NOTES_PER_CASE, CounsellorRecord
from server.wire.case_pushes import (
    CaseClosed,
    CaseCounsellor,
    CaseTaken,
    CaseTransferOffer,
    CaseTransferred,
)
from server.wire.case_requests import Availability, CaseClose, CaseId, CaseTransfer
from server.wire.errors import ApiError
from server.wire.requests import Empty

DEFAULT_CAPACITY = 2


def _me(conn: Connection) -> str:
    if conn.role != Role.COUNSELLOR or conn.user_id is None:
        raise ApiError("not_counsellor")
    return conn.user_id


async def _status(services: Services, me: str) -> CounsellorStatus:
    record = await services.stores.cases.counsellor(me)
    if record is None:
        raise ApiError("counsellor_away")
    held = sessions_held(await services.stores.cases.open_cases(flow.MAX_OPEN_CASES))
    return CounsellorStatus(id=me, available=record.available, capacity=record.capacity,
                            active=held.get(me, 0), idle_since=record.idle_since)


async def _person(services: Services, case: Case) -> dict[str, Any]:
    binding = await services.stores.identities.binding_of_name(pseudonyms.fold(case.pseudonym))
    key = b"" if binding is None else binding.identity_key
    return {"pseudonym": case.pseudonym, "identity_key": b64(key)}


async def _withdraw_offers(services: Services, counsellor: str) -> int:
    """A counsellor went away: the cases offered to them go back to the queue now (not when the
    offers lapse), so `queue_changed` offers them to a colleague. How many."""
    now = services.clock.now()
    held = [c for c in await services.stores.cases.open_cases(flow.MAX_OPEN_CASES)
            if c.state is CaseState.OFFERED and c.offered_to == counsellor]
    withdrawn = 0
    for case in held:
        try:
            await flow.change(services, case.id, lambda c: m.decline_offer(
                c, counsellor=counsellor, now=now))
        except ApiError:  # claimed, lapsed or offered anew by another process meanwhile
            continue
        withdrawn += 1
    return withdrawn


async def _set_availability(services: Services, conn: Connection, available: bool,
                            capacity: int | None) -> CounsellorRecord:
    me = _me(conn)
    assert conn.identity_key is not None and conn.pseudonym is not None
    store = services.stores.cases
    now = services.clock.now()
    old = await store.counsellor(me)
    since = old.on_duty_since if old is not None else None
    if available and since is None:
        since = now
    elif not available and since is not None:
        await store.add_duty(DutyInterval(counsellor=me, start=since, end=now))
        since = None
    record = CounsellorRecord(id=me, name=conn.pseudonym, identity_key=conn.identity_key,
                              available=available,
                              capacity=capacity or (old.capacity if old else DEFAULT_CAPACITY),
                              idle_since=old.idle_since if old and old.available else now,
                              on_duty_since=since,
                              owner=services.instance_id if available else None,
                              connection=conn.sid if available else None)
    await store.put_counsellor(record)
    services.log.info("counsellor.availability", available=available, capacity=record.capacity)
    if not available:
        await _withdraw_offers(services, me)
    await flow.queue_changed(services)
    return record


async def availability(services: Services, conn: Connection, req: Availability
                       ) -> dict[str, Any]:
    """Available (joins the duty pool, offers may come) or away (sessions go on)."""
    record = await _set_availability(services, conn, req.available, req.capacity)
    if req.available:
        await services.emitter.enter_room(conn.sid, flow.DUTY_ROOM)
    else:
        await services.emitter.leave_room(conn.sid, flow.DUTY_ROOM)
    now = services.clock.now()
    queue = await services.stores.cases.waiting(flow.MAX_OPEN_CASES)
    return {"available": record.available, "capacity": record.capacity,
            "queue": [flow.summary(c, now=now, me=record.id).to_wire() for c in queue]}


async def went_away(services: Services, conn: Connection) -> None:
    """A counsellor's connection closed: they are away until they set themselves available
    again (their sessions stay theirs: the cases are stored, not held by the connection). Not
    if a newer connection of theirs set them available since (a console that reconnected
    before the relay noticed the old connection drop)."""
    if conn.role != Role.COUNSELLOR or conn.user_id is None:
        return
    old = await services.stores.cases.counsellor(conn.user_id)
    if old is not None and old.available and old.connection in (None, conn.sid):
        await _set_availability(services, conn, False, old.capacity)


async def owner_gone(services: Services, owner: str) -> int:
    """A server process died (reaped by `room_life.reap_dead_processes`): its counsellors'
    connections went with it, so they are away until they come back. How many."""
    store = services.stores.cases
    now = services.clock.now()
    gone = [c for c in await store.counsellors() if c.available and c.owner == owner]
    for record in gone:
        if record.on_duty_since is not None:
            await store.add_duty(DutyInterval(counsellor=record.id, start=record.on_duty_since,
                                              end=now))
        await store.put_counsellor(CounsellorRecord(
            id=record.id, name=record.name, identity_key=record.identity_key, available=False,
            capacity=record.capacity, idle_since=record.idle_since))
        await _withdraw_offers(services, record.id)
    if gone:
        services.log.warning("counsellors.away", count=len(gone))
        await flow.queue_changed(services)
    return len(gone)


async def list_cases(services: Services, conn: Connection) -> dict[str, Any]:
    """The queue in risk order, and the cases I hold or am asked to take over."""
    me = _me(conn)
    now = services.clock.now()
    snap = await flow.snapshot(services)
    mine = [c for c in snap.open_cases if me in (c.counsellor, c.transfer_to)
            and c.state in IN_SESSION]
    return {"queue": [flow.summary(c, now=now, me=me).to_wire() for c in snap.waiting],
            "queue_version": flow.queue_version(snap.waiting),
            "mine": [{**flow.summary(c, now=now, me=me).to_wire(),
                      "person": await _person(services, c)} for c in mine]}


async def _taken_by(services: Services, case: Case, me: str) -> dict[str, Any]:
    record = await services.stores.cases.counsellor(me)
    info = flow.counsellor_info(record)
    if info is not None:
        await flow.to_person(services, case, CaseCounsellor(case_code=case.id, counsellor=info))
    return {"case": flow.summary(case, now=services.clock.now(), me=me).to_wire(),
            "person": await _person(services, case)}


async def claim(services: Services, conn: Connection, req: CaseId) -> dict[str, Any]:
    """Take a waiting case: exactly one claim of a version succeeds."""
    me = _me(conn)
    now = services.clock.now()
    async with services.stores.claims.lock(f"counsellor:{me}"):
        status = await _status(services, me)
        _, case = await flow.change(services, req.case_id, lambda c: m.claim(
            c, counsellor=status, now=now,
            expected_version=req.version if req.version is not None else c.version))
    services.metrics.cases_claimed[str(case.severity)] += 1
    services.log.info("case.claimed", level=case.severity, waited=int(case.waited(now)))
    await flow.audit(services, actor=conn.pseudonym or me, action="case_claim", case=case,
                     seconds=int(case.waited(now)))
    await services.emitter.emit(CaseTaken(case_id=case.id), to=flow.DUTY_ROOM)
    reply = await _taken_by(services, case, me)
    await flow.queue_changed(services)
    return reply


async def decline(services: Services, conn: Connection, req: CaseId) -> dict[str, Any]:
    """Decline an offer: back to the queue, offered to someone else first."""
    me = _me(conn)
    await flow.change(services, req.case_id, lambda c: m.decline_offer(
        c, counsellor=me, now=services.clock.now()))
    await flow.queue_changed(services)
    return {}


async def transfer(services: Services, conn: Connection, req: CaseTransfer) -> dict[str, Any]:
    """Ask a colleague (by name) to take over; the context goes with the case."""
    me = _me(conn)
    current = await services.stores.cases.get(req.case_id)
    if current is None:
        raise ApiError("unknown_case")
    try:  # ownership first: a counsellor not on the case learns nothing of who is a colleague
        m.may_transfer(current, by=me)
    except RuleError as exc:
        raise flow.rule_error(exc) from None
    folded = pseudonyms.fold(req.to)
    target = next((c for c in await services.stores.cases.counsellors()
                   if c.available and pseudonyms.fold(c.name) == folded), None)
    if target is None:
        raise ApiError("unknown_counsellor")
    now = services.clock.now()
    _, case = await flow.change(services, req.case_id, lambda c: m.request_transfer(
        c, by=me, to=target.id, now=now))
    await services.emitter.emit(CaseTransferOffer(case=flow.summary(case, now=now, me=target.id),
                                                  sender=conn.pseudonym or ""),
                                to=user_room(target.id))
    services.log.info("case.transfer", level=case.severity)
    await flow.audit(services, actor=conn.pseudonym or me, action="case_transfer", case=case,
                     code="requested")
    return {"case": flow.summary(case, now=now, me=me).to_wire()}


async def transfer_accept(services: Services, conn: Connection, req: CaseId) -> dict[str, Any]:
    """Take over a colleague's case."""
    me = _me(conn)
    now = services.clock.now()
    async with services.stores.claims.lock(f"counsellor:{me}"):
        status = await _status(services, me)
        before, case = await flow.change(services, req.case_id, lambda c: m.accept_transfer(
            c, counsellor=status, now=now))
    if before.counsellor is not None:
        await services.emitter.emit(CaseTransferred(case_id=case.id, accepted=True),
                                    to=user_room(before.counsellor))
    await flow.audit(services, actor=conn.pseudonym or me, action="case_transfer", case=case,
                     code="accepted")
    reply = await _taken_by(services, case, me)
    await flow.queue_changed(services)  # the former counsellor has a free place: offers
    return reply


async def transfer_decline(services: Services, conn: Connection, req: CaseId) -> dict[str, Any]:
    """Decline a colleague's transfer: the case stays with them."""
    me = _me(conn)
    _, case = await flow.change(services, req.case_id, lambda c: m.decline_transfer(
        c, by=me, now=services.clock.now()))
    if case.counsellor is not None:
        await services.emitter.emit(CaseTransferred(case_id=case.id, accepted=False),
                                    to=user_room(case.counsellor))
    return {}


async def close(services: Services, conn: Connection, req: CaseClose) -> dict[str, Any]:
    """Close my case with an outcome (and notes, ciphertext to the counsellor team key)."""
    me = _me(conn)
    now = services.clock.now()
    current = await services.stores.cases.get(req.case_id)
    if current is None:
        raise ApiError("unknown_case")
    if req.notes is not None and current.counsellor == me and \
            len(await services.stores.cases.notes(current.id)) >= MAX_NOTES_PER_CASE:
        raise ApiError("too_many_notes")
    _, case = await flow.change(services, req.case_id, lambda c: m.close(
        c, outcome=req.outcome, now=now, by=me, emergency_confirmed=req.emergency_confirmed))
    if req.notes is not None:
        await services.stores.cases.add_note(case.id, req.notes)
    assert case.outcome is not None
    services.metrics.cases_closed[case.outcome.value] += 1
    services.log.info("case.closed", outcome=case.outcome.value, level=case.severity)
    await flow.audit(services, actor=conn.pseudonym or me, action="case_close", case=case,
                     outcome=case.outcome.value)
    await flow.to_person(services, case, CaseClosed(case_code=case.id, outcome=case.outcome.value))
    await flow.queue_changed(services)  # a place is free: offers
    return {"case": flow.summary(case, now=now, me=me).to_wire()}


EVENTS = (
    Event(name="counsellor.availability", decode=Availability.decode, rule=availability,
          budget=Budget.OTHER),
    Event(name="case.list", decode=Empty.decode, rule=lambda s, c, _: list_cases(s, c),
          budget=Budget.OTHER),
    Event(name="case.claim", decode=CaseId.decode, rule=claim, budget=Budget.OTHER),
    Event(name="case.decline", decode=CaseId.decode, rule=decline, budget=Budget.OTHER),
    Event(name="case.transfer", decode=CaseTransfer.decode, rule=transfer, budget=Budget.OTHER),
    Event(name="case.transfer_accept", decode=CaseId.decode, rule=transfer_accept,
          budget=Budget.OTHER),
    Event(name="case.transfer_decline", decode=CaseId.decode, rule=transfer_decline,
          budget=Budget.OTHER),
    Event(name="case.close", decode=CaseClose.decode, rule=close, budget=Budget.OTHER),
)
