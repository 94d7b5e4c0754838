"""The moderator's console: the small events the browser console needs beside the pipeline.

    mod.sanctions   the sanctions in force in a room this moderator is in (the console's list,
                    with when each ends, so a reload or a second moderator sees them too)
    mod.debrief     "request a debrief": the other staff on duty are told who asks (the lead
                    on duty among them); audited, never with words

Both are for moderators only (`not_moderator`); `mod.sanctions` also needs the connection to be
in the room (`not_in_room`), so a moderator of another room learns nothing of this one.
"""

from __future__ import annotations

from typing import Any

from moderation.sanctions import SanctionKind
from server.domain.ids import user_room
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
    """Tell the other staff on duty that this moderator asks for a debrief."""
    me = require_moderator(conn)
    assert conn.pseudonym is not None
    others = sorted(await services.stores.duty.on_duty() - {me})
    push = DebriefPush(by=conn.pseudonym, at=services.clock.now())
    for staff in others:
        await services.emitter.emit(push, to=user_room(staff))
    await audit_log.append(services.stores.audit, services.clock, actor=conn.pseudonym,
                           action="debrief_request")
    return {"notified": len(others)}


EVENTS = (
    Event(name="mod.sanctions", decode=SanctionsList.decode, rule=sanctions_in_force,
          budget=Budget.OTHER),
    Event(name="mod.debrief", decode=DebriefRequest.decode, rule=debrief, budget=Budget.OTHER),
)
