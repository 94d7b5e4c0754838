"""`moderator_required` groups when moderators come and go (issue 10): the room is told
`room.moderator_left` when its last moderator leaves (it is then read-only for peers, enforced
by the send gate with `moderator_absent`) and `room.moderator_back` when one returns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from moderation.notices import presence_notice
from server.context import Relay
from server.schedule import parse_room


def moderators(members: Iterable[Mapping[str, str]]) -> int:
    """How many of these member records are moderators."""
    return sum(1 for m in members if m.get("role") == "moderator")


def moderator_required(relay: Relay, room: str) -> bool:
    """Whether the room's group opens only with a moderator present."""
    parsed = parse_room(room)
    return any(g.id == parsed[0] and g.moderator_required
               for g in relay.settings.groups) if parsed else False


async def changed(relay: Relay, room: str, before: int, after: int) -> None:
    """Tell the room if its moderator count crossed zero."""
    notice = presence_notice(moderator_required=moderator_required(relay, room),
                             before=before, after=after)
    if notice is not None:
        await relay.emitter.emit("room.notice", {"room": room, "key": notice.key, "params": {}},
                                 to=room)
