"""A disabled staff account leaves the service's work (issue 15): every scheduler tick, on
every process, compares the duty pool and the counsellors with the accounts an admin disabled
(`python -m server admin disable NAME`, from any process, or the staff service's `disable`).

    moderator   off duty, so no new alert, report or debrief is routed to them; an open alert
                that only disabled accounts were sent is re-sent to everyone on duty at once
    counsellor  away; each case they hold goes back to the queue keeping its wait (and is
                offered to a colleague at once), the person is told its new place; a transfer
                asked of them is declined (the case stays with its counsellor, who is told),
                an offer to them lapses

Their socket is ended by the staff sweep (handlers/staff_socket.py) and their cookie no longer
signs in (handlers/staff.py). Each case change is a compare-and-set, so of several processes
ticking at once one lands it and only that one pushes. Audited, never with content.
"""

from __future__ import annotations

from dataclasses import replace

from escalation import machine as m
from escalation.case import IN_SESSION, Case
from escalation.health import DutyInterval
from moderation.alerts import AlertState
from server.domain.ids import user_id, user_room
from server.handlers import audit_log, moderation
from server.handlers import cases_flow as flow
from server.handlers.services import Services
from server.storage.cases import CounsellorRecord
from server.wire.case_pushes import CaseTransferred, CaseUpdate
from server.wire.errors import ApiError


async def release_disabled(services: Services) -> int:
    """Take disabled accounts off duty and hand their cases back; how many changes."""
    if services.staff is None:
        return 0
    gone = {user_id(key) for key in await services.staff.disabled_keys()}
    if not gone:
        return 0
    changes = 0
    off = await services.stores.duty.on_duty() & gone
    for staff in off:
        await services.stores.duty.put(staff, False)
        await _audit(services, staff, "duty_off", code="disabled")
        changes += 1
    if off:
        await _alerts_due_now(services, gone)
    records = [c for c in await services.stores.cases.counsellors() if c.id in gone]
    if records:
        open_cases = await services.stores.cases.open_cases(flow.MAX_OPEN_CASES)
        for record in records:
            changes += await _counsellor_gone(services, record, open_cases)
    if changes:
        services.log.info("staff.offboarded", count=changes)
    return changes


async def _alerts_due_now(services: Services, gone: set[str]) -> None:
    """An open alert that only disabled accounts were sent is due now: the scheduler re-sends
    it to everyone on duty in this same tick, rather than after its deadline."""
    now = services.clock.now()
    async with services.stores.claims.lock(moderation.ALERTS_LOCK):
        for alert in await services.stores.alerts.active():
            if alert.state is AlertState.OPEN and alert.sent_to and \
                    set(alert.sent_to) <= gone and (alert.deadline or now) > now:
                await services.stores.alerts.put(replace(alert, deadline=now))


async def _counsellor_gone(services: Services, record: CounsellorRecord,
                           open_cases: list[Case]) -> int:
    changes = 0
    now = services.clock.now()
    if record.available:
        if record.on_duty_since is not None:
            await services.stores.cases.add_duty(DutyInterval(
                counsellor=record.id, start=record.on_duty_since, end=now))
        await services.stores.cases.put_counsellor(CounsellorRecord(
            id=record.id, name=record.name, identity_key=record.identity_key, available=False,
            capacity=record.capacity, idle_since=record.idle_since))
        changes += 1
    policy = flow.policy_of(services)
    for case in open_cases:
        try:
            if case.counsellor == record.id and case.state in IN_SESSION:
                _, after = await flow.change(services, case.id, lambda c: m.counsellor_gone(
                    c, counsellor=record.id, now=now, policy=policy))
                await flow.to_person(services, after,
                                     CaseUpdate(status=await flow.status(services, after)))
                await _audit(services, record.id, "case_transfer", case_id=case.id,
                             level=case.severity, code="released")
            elif case.transfer_to == record.id:
                _, after = await flow.change(services, case.id, lambda c: m.decline_transfer(
                    c, by=record.id, now=now))
                if after.counsellor is not None:
                    await services.emitter.emit(CaseTransferred(case_id=case.id, accepted=False),
                                                to=user_room(after.counsellor))
            elif case.offered_to == record.id:
                await flow.change(services, case.id, lambda c: m.decline_offer(
                    c, counsellor=record.id, now=now))
            else:
                continue
        except ApiError:  # another process landed it first, or the case moved on
            continue
        changes += 1
    if changes:
        await flow.queue_changed(services)  # the freed cases are offered to colleagues
    return changes


async def _audit(services: Services, staff: str, action: str, **details: int | str) -> None:
    try:
        await audit_log.append(services.stores.audit, services.clock, actor=staff,
                               action=action, details=details)
    except Exception as exc:  # the change is stored; a failed append is logged
        services.log.error("audit.failed", action=action, code=type(exc).__name__)
