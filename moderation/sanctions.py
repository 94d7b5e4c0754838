"""Sanctions and room controls: what they are, when they end, and what they forbid.

Every sanction is a frozen record with a reason (a code from ``config/moderation.toml`` or a
moderator's free text), a start and an end. The end is a time (mute, ban for a period), the end of
the room's night (remove, read-only tonight, slow mode, lock: the caller passes ``night_end``), or
none (a permanent ban, a deleted message's tombstone). Nothing needs to run for a sanction to end:
:meth:`Sanction.active_at` is true exactly on ``[start, end)`` (or until it was lifted), so an
expired sanction forbids nothing the moment its end passes.

Scope: a ban is the pseudonym's, in every room; mute, remove and read-only are (room, pseudonym);
slow mode and lock are the room's; a tombstone is (room, message id) and forbids nothing.

:func:`check` answers whether a person may ``join`` a room or ``send`` in it, first refusal wins::

    banned  >  removed  >  room_locked  >  moderator_absent  >  muted  >  read_only  >  slow_mode

Staff of the room (``exempt``) pass the room-wide gates (lock, slow mode, moderator_absent).
Who may impose what is :func:`moderation.authorise.authorise`; what people are told is
:mod:`moderation.notices`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from moderation.limits import (
    MAX_APPEAL_NOTE_CHARS,
    MAX_PSEUDONYM_CHARS,
    MAX_REASON_TEXT_CHARS,
    MAX_ROOM_ID_CHARS,
    RuleError,
    check_id,
    check_text_id,
    check_time,
    check_token,
)

MAX_MUTE_MINUTES: Final = 24 * 60
"""Longest mute; longer is a ban."""
MIN_SLOW_SECONDS: Final = 5
MAX_SLOW_SECONDS: Final = 600
"""Slow mode: at most one message per this many seconds per person."""
MAX_BAN_DAYS: Final = 365
"""Longest ban for a period (a permanent ban has no end)."""


class SanctionKind(StrEnum):
    """The kinds of sanction and room control."""

    MUTE = "mute"
    REMOVE = "remove"
    BAN = "ban"
    SLOW_MODE = "slow_mode"
    LOCK = "lock"
    READ_ONLY = "read_only"
    DELETE_MESSAGE = "delete_message"


class Action(StrEnum):
    """What a person tries to do in a room."""

    JOIN = "join"
    SEND = "send"


K = SanctionKind
PERSON_KINDS: Final = frozenset({K.MUTE, K.REMOVE, K.BAN, K.READ_ONLY})
ROOM_KINDS: Final = frozenset({K.SLOW_MODE, K.LOCK})
_REFUSES: Final[dict[SanctionKind, tuple[frozenset[Action], str, int]]] = {
    # kind: (actions refused, stable code, precedence: lower wins)
    K.BAN: (frozenset({Action.JOIN, Action.SEND}), "banned", 0),
    K.REMOVE: (frozenset({Action.JOIN, Action.SEND}), "removed", 1),
    K.LOCK: (frozenset({Action.JOIN, Action.SEND}), "room_locked", 2),
    K.MUTE: (frozenset({Action.SEND}), "muted", 4),
    K.READ_ONLY: (frozenset({Action.SEND}), "read_only", 5),
    K.SLOW_MODE: (frozenset({Action.SEND}), "slow_mode", 6),
}
MODERATOR_ABSENT_PRECEDENCE: Final = 3
del K


@dataclass(frozen=True, kw_only=True)
class Sanction:
    """One sanction or room control (validated when built; see the module docstring)."""

    id: str
    kind: SanctionKind
    actor_id: str
    start: float
    end: float | None
    room: str | None = None
    pseudonym: str | None = None
    message_id: str | None = None
    reason_code: str | None = None
    reason_text: str | None = None
    seconds: int | None = None
    appeal_note: str | None = None
    self_chosen: bool = False
    lifted_at: float | None = None
    lifted_by: str | None = None

    def __post_init__(self) -> None:
        check_id(self.id, "sanction id")
        try:
            object.__setattr__(self, "kind", SanctionKind(self.kind))
        except ValueError:
            raise RuleError("bad_sanction", "unknown kind") from None
        check_text_id(self.actor_id, "actor_id", MAX_PSEUDONYM_CHARS)
        check_time(self.start, "start")
        if self.end is not None and check_time(self.end, "end") <= self.start:
            raise RuleError("bad_sanction", "end must be after start")
        if (self.reason_code is None) == (self.reason_text is None):
            raise RuleError("bad_reason", "give a reason code or a reason text, not both")
        if self.reason_code is not None:
            check_token(self.reason_code, "reason_code", "bad_reason")
        if self.reason_text is not None:
            check_text_id(self.reason_text.strip(), "reason_text", MAX_REASON_TEXT_CHARS, "bad_reason")
        if self.appeal_note is not None:
            check_text_id(self.appeal_note, "appeal_note", MAX_APPEAL_NOTE_CHARS)
        self._check_scope()

    def _check_scope(self) -> None:
        kind = self.kind
        needs_room = kind is not SanctionKind.BAN
        if needs_room:
            check_text_id(self.room, "room", MAX_ROOM_ID_CHARS, "bad_sanction")
        if kind in PERSON_KINDS:
            check_text_id(self.pseudonym, "pseudonym", MAX_PSEUDONYM_CHARS, "bad_sanction")
        elif self.pseudonym is not None:
            raise RuleError("bad_sanction", f"{kind} has no pseudonym")
        if (kind is SanctionKind.DELETE_MESSAGE) != (self.message_id is not None):
            raise RuleError("bad_sanction", "a message id belongs to delete_message only")
        if self.message_id is not None:
            check_id(self.message_id, "message_id", "bad_sanction")
        if (kind is SanctionKind.SLOW_MODE) != (self.seconds is not None):
            raise RuleError("bad_sanction", "seconds belong to slow_mode only")
        if self.appeal_note is not None and kind is not SanctionKind.BAN:
            raise RuleError("bad_sanction", "an appeal note belongs to a ban")
        if self.self_chosen and kind is not SanctionKind.READ_ONLY:
            raise RuleError("bad_sanction", "only read-only can be chosen by the person")
        permanent_ok = kind in (SanctionKind.BAN, SanctionKind.DELETE_MESSAGE)
        if self.end is None and not permanent_ok:
            raise RuleError("bad_sanction", f"{kind} must end")

    @property
    def permanent(self) -> bool:
        """No end (a permanent ban, a tombstone)."""
        return self.end is None

    @property
    def effective_end(self) -> float | None:
        """When it stops being in force: its end, or earlier if it was lifted."""
        if self.lifted_at is None:
            return self.end
        return self.lifted_at if self.end is None else min(self.end, self.lifted_at)

    def active_at(self, t: float) -> bool:
        """In force at ``t``: on ``[start, effective_end)``."""
        end = self.effective_end
        return self.start <= t and (end is None or t < end)

    def applies_to(self, room: str, pseudonym: str | None) -> bool:
        """Whether it concerns this person in this room (bans: every room)."""
        if self.kind is SanctionKind.BAN:
            return self.pseudonym == pseudonym
        if self.room != room:
            return False
        if self.kind in PERSON_KINDS:
            return self.pseudonym == pseudonym
        return self.kind in ROOM_KINDS

    def __repr__(self) -> str:
        # Free-text reasons and appeal notes are shown to the person, not to logs.
        return (
            f"Sanction(id={self.id!r}, kind={self.kind.value}, room={self.room!r}, "
            f"start={self.start}, end={self.end}, lifted={self.lifted_at is not None})"
        )


def _ends(now: float, *, minutes: int | None = None, days: int | None = None) -> float:
    if minutes is not None:
        return now + minutes * 60
    assert days is not None
    return now + days * 86400


def _int_in(value: object, field: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise RuleError("bad_duration", f"{field} must be an integer {lo}..{hi}")
    return value


def _night(now: float, night_end: float) -> float:
    if check_time(night_end, "night_end") <= now:
        raise RuleError("night_over", "the room's night has already ended")
    return night_end


def mute(*, id: str, actor_id: str, room: str, pseudonym: str, minutes: int, now: float,
         reason_code: str | None = None, reason_text: str | None = None) -> Sanction:
    """Mute a person in a room for ``minutes`` (1..MAX_MUTE_MINUTES)."""
    _int_in(minutes, "minutes", 1, MAX_MUTE_MINUTES)
    return Sanction(id=id, kind=SanctionKind.MUTE, actor_id=actor_id, room=room, pseudonym=pseudonym,
                    start=now, end=_ends(now, minutes=minutes), reason_code=reason_code,
                    reason_text=reason_text)


def remove_tonight(*, id: str, actor_id: str, room: str, pseudonym: str, now: float,
                   night_end: float, reason_code: str | None = None,
                   reason_text: str | None = None) -> Sanction:
    """Remove a person from tonight's group (until the room's night ends)."""
    return Sanction(id=id, kind=SanctionKind.REMOVE, actor_id=actor_id, room=room,
                    pseudonym=pseudonym, start=now, end=_night(now, night_end),
                    reason_code=reason_code, reason_text=reason_text)


def ban(*, id: str, actor_id: str, pseudonym: str, now: float, days: int | None,
        appeal_note: str, room: str | None = None, reason_code: str | None = None,
        reason_text: str | None = None) -> Sanction:
    """Ban a pseudonym from every room for ``days`` (``None``: permanent), with an appeal note."""
    end = None if days is None else _ends(now, days=_int_in(days, "days", 1, MAX_BAN_DAYS))
    return Sanction(id=id, kind=SanctionKind.BAN, actor_id=actor_id, room=room, pseudonym=pseudonym,
                    start=now, end=end, appeal_note=appeal_note, reason_code=reason_code,
                    reason_text=reason_text)


def slow_mode(*, id: str, actor_id: str, room: str, seconds: int, now: float, night_end: float,
              reason_code: str | None = None, reason_text: str | None = None) -> Sanction:
    """One message per ``seconds`` per person in the room, until lifted or the night ends."""
    _int_in(seconds, "seconds", MIN_SLOW_SECONDS, MAX_SLOW_SECONDS)
    return Sanction(id=id, kind=SanctionKind.SLOW_MODE, actor_id=actor_id, room=room,
                    seconds=seconds, start=now, end=_night(now, night_end),
                    reason_code=reason_code, reason_text=reason_text)


def lock_room(*, id: str, actor_id: str, room: str, now: float, night_end: float,
              reason_code: str | None = None, reason_text: str | None = None) -> Sanction:
    """No peer joins or writes until lifted or the night ends (staff still can)."""
    return Sanction(id=id, kind=SanctionKind.LOCK, actor_id=actor_id, room=room, start=now,
                    end=_night(now, night_end), reason_code=reason_code, reason_text=reason_text)


def read_only_tonight(*, id: str, actor_id: str, room: str, pseudonym: str, now: float,
                      night_end: float, self_chosen: bool, reason_code: str | None = None,
                      reason_text: str | None = None) -> Sanction:
    """Read but not write for the rest of the night; ``self_chosen`` when the person asked."""
    if self_chosen and actor_id != pseudonym:
        raise RuleError("not_self", "only the person chooses read-only for themselves")
    return Sanction(id=id, kind=SanctionKind.READ_ONLY, actor_id=actor_id, room=room,
                    pseudonym=pseudonym, start=now, end=_night(now, night_end),
                    self_chosen=self_chosen, reason_code=reason_code, reason_text=reason_text)


def delete_message(*, id: str, actor_id: str, room: str, message_id: str, now: float,
                   reason_code: str | None = None, reason_text: str | None = None) -> Sanction:
    """Remove a message for everyone: every client shows a tombstone instead."""
    return Sanction(id=id, kind=SanctionKind.DELETE_MESSAGE, actor_id=actor_id, room=room,
                    message_id=message_id, start=now, end=None, reason_code=reason_code,
                    reason_text=reason_text)


def lift(sanction: Sanction, *, actor_id: str, now: float) -> Sanction:
    """End a sanction early (who may: ``authorise.authorise_lift``); ``not_in_force`` if over."""
    if not sanction.active_at(now):
        raise RuleError("not_in_force", "the sanction is not in force")
    return replace(sanction, lifted_at=now, lifted_by=actor_id)


@dataclass(frozen=True, kw_only=True)
class Decision:
    """Whether an action is allowed; if not, the stable code, until when, and by which sanction."""

    allowed: bool
    code: str | None = None
    until: float | None = None
    sanction_id: str | None = None


ALLOWED: Final = Decision(allowed=True)


def in_force(sanctions: Iterable[Sanction], *, room: str, pseudonym: str | None,
             now: float) -> tuple[Sanction, ...]:
    """Every sanction in force for (room, pseudonym) at ``now``, tombstones excluded."""
    return tuple(
        sorted(
            (s for s in sanctions if s.kind in _REFUSES and s.active_at(now)
             and s.applies_to(room, pseudonym)),
            key=lambda s: (_REFUSES[s.kind][2], s.start, s.id),
        )
    )


def tombstones(sanctions: Iterable[Sanction], *, room: str) -> frozenset[str]:
    """Ids of the room's messages removed for everyone (and not restored)."""
    return frozenset(
        s.message_id for s in sanctions
        if s.kind is SanctionKind.DELETE_MESSAGE and s.room == room and s.lifted_at is None
        and s.message_id is not None
    )


def check(sanctions: Iterable[Sanction], *, action: Action, room: str, pseudonym: str,
          now: float, exempt: bool = False, last_sent_at: float | None = None,
          moderator_required: bool = False, moderators_present: int = 1) -> Decision:
    """May ``pseudonym`` ``action`` in ``room`` at ``now``? The first refusal by precedence wins.

    ``exempt``: the actor is staff of the room (``authorise.is_room_staff``) and passes the
    room-wide gates. ``last_sent_at``: their last message in the room, for slow mode.
    """
    refusals: list[tuple[int, Decision]] = []
    for s in in_force(sanctions, room=room, pseudonym=pseudonym, now=now):
        actions, code, rank = _REFUSES[s.kind]
        if action not in actions or (exempt and s.kind in ROOM_KINDS):
            continue
        until = s.effective_end
        if s.kind is SanctionKind.SLOW_MODE:
            assert s.seconds is not None
            if last_sent_at is None or now >= last_sent_at + s.seconds:
                continue
            until = last_sent_at + s.seconds
        refusals.append((rank, Decision(allowed=False, code=code, until=until, sanction_id=s.id)))
    gate = room_gate(moderator_required=moderator_required, moderators_present=moderators_present)
    if not gate.allowed and not exempt:
        refusals.append((MODERATOR_ABSENT_PRECEDENCE, gate))
    if not refusals:
        return ALLOWED
    return min(refusals, key=lambda r: r[0])[1]


def room_gate(*, moderator_required: bool, moderators_present: int) -> Decision:
    """A ``moderator_required`` group is read-only (and closed to joins) with no moderator in it."""
    if moderator_required and moderators_present <= 0:
        return Decision(allowed=False, code="moderator_absent")
    return ALLOWED
