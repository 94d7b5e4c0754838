"""Typed messages of the moderator's console (issue 10), validated when decoded.

    mod.sanctions        {room}        -> {sanctions: [Sanction]}   (in force now)
    mod.debrief          {}            -> {notified: int, told: "leads"|"on_duty"|"nobody"}
    push mod.debrief     {by, at}      (to the leads on duty, else the other moderators on
                                        duty; server.wire.pushes)

A debrief request carries no words: who asks and when is enough for the lead to call back, and
nothing about the night's content reaches the server.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.limits import MAX_ROOM_ID_CHARS
from server.wire.errors import ApiError
from server.wire.requests import _obj, _str


@dataclass(frozen=True, kw_only=True)
class SanctionsList:
    """The sanctions in force in one room the moderator is in."""

    room: str

    @classmethod
    def decode(cls, payload: object) -> SanctionsList:
        """Validate."""
        room = _str(_obj(payload), "room", MAX_ROOM_ID_CHARS)
        if room is None:
            raise ApiError("bad_request", "room is required")
        return cls(room=room)


@dataclass(frozen=True, kw_only=True)
class DebriefRequest:
    """A moderator asks for a debrief (no fields: no text travels)."""

    @classmethod
    def decode(cls, payload: object) -> DebriefRequest:
        """Validate: an empty object only."""
        if _obj(payload):
            raise ApiError("bad_request", "mod.debrief takes no fields")
        return cls()
