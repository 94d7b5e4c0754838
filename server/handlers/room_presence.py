"""`moderator_required` groups when moderators come and go (issue 10): the room is told
`room.moderator_left` when its last moderator leaves (it is then read-only for peers, enforced
by the send gate with `moderator_absent`) and `room.moderator_back` when one returns."""

from __future__ import annotations

from collections.abc import Iterable

from moderation.notices import presence_notice
from server.domain.records import Member
from server.domain.roles import Role
from server.domain.schedule import parse_room
from server.handlers.services import Services
from server.wire.pushes import RoomNotice


def moderators(members: Iterable[Member]) -> int:
    """How many of these member records are moderators."""
    return sum(1 for m in members if m.role == Role.MODERATOR)


def moderator_required(services: Services, room: str) -> bool:
    """Whether the room's group opens only with a moderator present."""
    parsed = parse_room(room)
    return any(g.id == parsed[0] and g.moderator_required
               for g in services.settings.groups) if parsed else False


async def changed(services: Services, room: str, before: int, after: int) -> None:
    """Tell the room if its moderator count crossed zero."""
    notice = presence_notice(moderator_required=moderator_required(services, room),
                             before=before, after=after)
    if notice is not None:
        await services.emitter.emit(RoomNotice(room=room, notice=notice), to=room)
