"""Records of the moderation ports for the contract tests (the pure models of `moderation/`)."""

from __future__ import annotations

from moderation import sanctions as S
from moderation.alerts import Alert, AlertState
from moderation.flags import Flag, FlagSource, MessageFlags, merge_flag
from moderation.sanctions import Sanction

ROOM = "open/2026-06-10"
OTHER_ROOM = "late/2026-06-10"
NIGHT = "2026-06-10"


def flags(room: str, message_id: str, pseudonym: str, *, severity: int = 2,
          times: int = 1) -> MessageFlags:
    """A message's merged flags after `times` flags at `severity`."""
    merged: MessageFlags | None = None
    for i in range(times):
        flag = Flag(room=room, message_id=message_id, pseudonym=pseudonym, severity=severity,
                    categories=("selfharm",), rule_ids=(f"r{i}",), source=FlagSource.SELF,
                    at=1000.0 + i)
        merged, _ = merge_flag(merged, flag)
    assert merged is not None
    return merged


def alert(alert_id: str, message_id: str, *, room: str = ROOM,
          state: AlertState = AlertState.OPEN) -> Alert:
    """An alert about one message."""
    return Alert(id=alert_id, room=room, message_id=message_id, pseudonym="Aino", severity=3,
                 categories=("selfharm",), sources=(FlagSource.SELF,), state=state,
                 opened_at=1000.0, deadline=1060.0, sent_to=("m1",),
                 closed_at=None if state in (AlertState.OPEN, AlertState.ACKNOWLEDGED)
                 else 1100.0)


def mute(sanction_id: str, room: str = ROOM, pseudonym: str = "Aino") -> Sanction:
    """A ten-minute mute with the moderator's words."""
    return S.mute(id=sanction_id, actor_id="Moderaattori", room=room, pseudonym=pseudonym,
                  minutes=10, now=1000.0, reason_text="Please stop.")


def ban(sanction_id: str, pseudonym: str = "Aino") -> Sanction:
    """A permanent ban, imposed from ROOM."""
    return S.ban(id=sanction_id, actor_id="Moderaattori", pseudonym=pseudonym, now=1000.0,
                 days=None, appeal_note="write to us", room=ROOM, reason_code="spam")


def lock(sanction_id: str, room: str) -> Sanction:
    """The room locked until the night ends."""
    return S.lock_room(id=sanction_id, actor_id="Moderaattori", room=room, now=1000.0,
                       night_end=5000.0, reason_text="Quiet for tonight.")
