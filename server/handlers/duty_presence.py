"""On duty means present (issue 10): a moderator whose last live connection, on any process,
has been gone for the grace period (`[limits] duty_grace_seconds`) goes off duty.

    every tick  each process marks the on-duty moderators it holds a connection of as seen
                (`DutyStore.seen`); any process then takes off duty those nobody saw within
                the grace period (`drop_absent`: one check-and-remove, so of two ticking
                processes one does it, and a reconnect within the grace keeps duty). A closed
                tab, a dropped socket and a process killed with -9 all stop the marks alike.
    off duty    audited `duty_off` with code `absent`, counted (`iltapiiri_duty_absent_total`);
                an open alert none of whose recipients is still on duty or present in its room
                is due now, so the same tick re-sends it to whoever is on duty, or counts it
                unrouted ("nobody on duty") as the pipeline does
    back        they come back off duty, and go on duty again by choice (`mod.duty`)
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace

from moderation.alerts import AlertState
from server.domain.ids import user_id
from server.domain.roles import Role
from server.handlers import audit_log, moderation
from server.handlers.services import Services


async def sweep(services: Services, live_moderators: Callable[[], Collection[str]]) -> int:
    """Mark this process's on-duty moderators seen; take the absent ones off duty. How many
    went off duty in this call."""
    duty = services.stores.duty
    now = services.clock.now()
    on = await duty.on_duty()
    if not on:
        return 0
    await duty.seen(on & set(live_moderators()), now)
    before = now - services.settings.duty_grace_seconds
    gone: set[str] = set()
    for staff in sorted(await duty.absent(before)):
        if not await duty.drop_absent(staff, before):
            continue  # seen meanwhile, or another process took them off
        gone.add(staff)
        services.metrics.duty_absent += 1
        await audit_log.append(services.stores.audit, services.clock, actor=staff,
                               action="duty_off", details={"code": "absent"})
    if gone:
        services.log.warning("duty.absent", count=len(gone))
        await alerts_unreached_due(services)
    return len(gone)


async def alerts_unreached_due(services: Services) -> int:
    """Make every open alert whose recipients are all gone (none on duty, none a moderator in
    its room) due now: the scheduler's `resend_due` later in this tick sends it on."""
    now = services.clock.now()
    changed = 0
    async with services.stores.claims.lock(moderation.ALERTS_LOCK):
        on = await services.stores.duty.on_duty()
        for alert in await services.stores.alerts.active():
            if alert.state is not AlertState.OPEN or not alert.sent_to or \
                    (alert.deadline is not None and alert.deadline <= now):
                continue
            present = {user_id(m.identity_key) for m in
                       await services.stores.rooms.members(alert.room)
                       if m.role == Role.MODERATOR}
            if set(alert.sent_to) & (on | present):
                continue
            await services.stores.alerts.put(replace(alert, deadline=now))
            changed += 1
    return changed
