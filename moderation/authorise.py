"""Who may sanction whom: a pure function of (actor's role, the rooms they moderate, the action).

The server calls :func:`authorise` for every staff action before anything changes; a refusal is a
:class:`~moderation.limits.RuleError` with one of these stable codes (first match wins)::

    code                 when
    -------------------  -------------------------------------------------------------------
    not_staff            a peer imposes anything but read-only on themselves, or lifts any
    not_self             a peer's read-only names someone else
    role_not_allowed     a counsellor (counsellors work 1:1 sessions, not rooms)
    target_is_staff      the target is a moderator, counsellor or admin (staff are disabled by
                         an admin, not sanctioned)
    not_room_moderator   a moderator acts in a room they do not moderate
    admin_only           a permanent ban, a ban longer than MAX_MODERATOR_BAN_DAYS, or lifting
                         a ban: admins review bans
    self_chosen_binding  anyone but a moderator of the room or an admin lifts a read-only the
                         person chose for themselves

An admin may do everything everywhere. A ban is service-wide but a moderator imposes it from a
room they moderate (the room is their authority and goes into the audit record).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from moderation.limits import RuleError
from moderation.sanctions import Sanction, SanctionKind

MAX_MODERATOR_BAN_DAYS: Final = 30
"""Longest ban a moderator may impose; longer or permanent bans are an admin's."""


class Role(StrEnum):
    """The four roles of ARCHITECTURE §5."""

    PEER = "peer"
    MODERATOR = "moderator"
    COUNSELLOR = "counsellor"
    ADMIN = "admin"


@dataclass(frozen=True, kw_only=True)
class Actor:
    """Who acts: their id (staff id, or a peer's pseudonym), role, and the rooms they moderate."""

    id: str
    role: Role
    rooms: frozenset[str] = field(default_factory=frozenset)


def is_room_staff(actor: Actor, room: str) -> bool:
    """An admin, or a moderator of this room: passes the room-wide gates."""
    return actor.role is Role.ADMIN or (actor.role is Role.MODERATOR and room in actor.rooms)


def authorise(
    actor: Actor,
    kind: SanctionKind,
    *,
    room: str | None,
    target_pseudonym: str | None = None,
    target_role: Role = Role.PEER,
    ban_days: int | None = None,
) -> None:
    """Allow the action or raise ``RuleError`` with the code of the table above.

    ``ban_days`` is the ban's period (``None``: permanent) and only read for bans.
    """
    if actor.role is Role.PEER:
        if kind is not SanctionKind.READ_ONLY:
            raise RuleError("not_staff", "peers cannot sanction")
        if target_pseudonym != actor.id:
            raise RuleError("not_self", "a peer chooses read-only only for themselves")
        return
    if actor.role is Role.COUNSELLOR:
        raise RuleError("role_not_allowed", "counsellors do not act in rooms")
    if target_pseudonym is not None and target_role is not Role.PEER:
        raise RuleError("target_is_staff", "staff are not sanctioned")
    if actor.role is Role.ADMIN:
        return
    if room is None or room not in actor.rooms:
        raise RuleError("not_room_moderator", "a moderator acts only in rooms they moderate")
    if kind is SanctionKind.BAN and (ban_days is None or ban_days > MAX_MODERATOR_BAN_DAYS):
        raise RuleError("admin_only", f"moderators ban for at most {MAX_MODERATOR_BAN_DAYS} days")


def authorise_lift(actor: Actor, sanction: Sanction) -> None:
    """Allow lifting ``sanction`` early, or raise ``RuleError`` (codes in the module docstring).

    A read-only the person chose is binding for them tonight: choosing it is a promise made while
    clear-headed, kept against the later self (as self-exclusion is in gambling care); a moderator
    of the room can still lift it if it was a mistake.
    """
    if actor.role is Role.ADMIN:
        return
    if actor.role is Role.PEER:
        code = "self_chosen_binding" if sanction.self_chosen else "not_staff"
        raise RuleError(code, "peers cannot lift sanctions")
    if actor.role is Role.COUNSELLOR:
        raise RuleError("role_not_allowed", "counsellors do not act in rooms")
    if sanction.kind is SanctionKind.BAN:
        raise RuleError("admin_only", "admins review bans")
    if sanction.room is None or sanction.room not in actor.rooms:
        raise RuleError("not_room_moderator", "a moderator acts only in rooms they moderate")
