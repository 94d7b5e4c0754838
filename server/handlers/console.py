"""The moderator's console: the small events the browser console needs beside the pipeline.

    mod.sanctions   the sanctions in force in a room this moderator is in (the console's list,
                    with when each ends, so a reload or a second moderator sees them too)
    mod.debrief     "request a debrief": the leads on duty are told who asks (`python -m server
                    admin set-lead NAME on`), or, with no other lead on duty, every other
                    moderator on duty; the reply says which and how many; audited, never with
                    words

Both are for moderators only (`not_moderator`); `mod.sanctions` also needs the connection to be
in the room (`not_in_room`), so a moderator of another room learns nothing of this one.
"""

from __future__ import annotations

from typing import Any

from moderation.sanctions import SanctionKind
from server.domain.ids import user_id, user_room
from server.handlers import audit_log
from server.handlers.events import Budget, Event
from server.handlers.moderation import require_moderator
from server.handlers.sanctions import public
from server.handlers.services import Connection, Services
from server.wire.console import DebriefRequest, SanctionsList
from server.wire.errors import ApiError
from server.wire.pushes import DebriefPush


async def sanctions_in_force(services: Services, conn: Connection,
                             req: SanctionsList) -> dict[str, Any]:
    """The room's sanctions in force now (soonest end first; deleted messages left out)."""
    require_moderator(conn)
    if req.room not in conn.rooms:
        raise ApiError("not_in_room")
    now = services.clock.now()
    found = await services.stores.sanctions.for_room(req.room, None)
    live = [s for s in found if s.room == req.room and s.active_at(now)
            and s.kind is not SanctionKind.DELETE_MESSAGE]
    live.sort(key=lambda s: float("inf") if s.end is None else s.end)
    return {"sanctions": [public(s) for s in live]}


async def debrief(services: Services, conn: Connection, req: DebriefRequest) -> dict[str, Any]:
    """Tell the leads on duty (else every other moderator on duty) that this moderator asks
    for a debrief. The reply: `{notified, told}`, `told` one of "leads", "on_duty", "nobody"."""
    me = require_moderator(conn)
    assert conn.pseudonym is not None
    others = await services.stores.duty.on_duty() - {me}
    lead_ids = set() if services.staff is None else {
        user_id(key) for key in await services.staff.lead_keys()}
    leads = others & lead_ids
    chosen = sorted(leads or others)
    told = "nobody" if not chosen else "leads" if leads else "on_duty"
    push = DebriefPush(by=conn.pseudonym, at=services.clock.now())
    for staff in chosen:
        await services.emitter.emit(push, to=user_room(staff))
    await audit_log.append(services.stores.audit, services.clock, actor=conn.pseudonym,
                           action="debrief_request",
                           details={"recipients": len(chosen), "outcome": told})
    return {"notified": len(chosen), "told": told}


EVENTS = (
    Event(name="mod.sanctions", decode=SanctionsList.decode, rule=sanctions_in_force,
          budget=Budget.OTHER),
    Event(name="mod.debrief", decode=DebriefRequest.decode, rule=debrief, budget=Budget.OTHER),
)
