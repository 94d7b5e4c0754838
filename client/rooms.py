"""Pure group orchestration: what to do about keys when a room's membership changes.

No I/O and no cryptography here. ``RoomState`` takes the verified join reply and membership
events and answers with *actions* (send my sender key to these members, rotate first, drop the
room's keys); ``client.room_keys.RoomKeys`` carries them out. It also holds envelopes that
arrived before their sender's key, bounded in count and age, and releases them in order when the
key comes.

Rules (issue 3, docs/crypto.md):

=====================  ===========================================================
event                  actions
=====================  ===========================================================
I join                 new sender key for (room, epoch); send it to every other member
"joined" X (not me)    send X my *current* key (X reads forward only)
"left"/"removed" X     forget X's keys; rotate mine; send it to every remaining member
anyone missing         the same, for every member absent from a later event's signed list
                       (their own event was lost); also on my rejoin after a reconnect
"closed", group.closed drop every key of the room; the room refuses sends
=====================  ===========================================================
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from e2ee.envelopes import GroupEnvelope
from e2ee.membership import Member, MembershipEvent

MAX_BUFFERED_ENVELOPES = 512
"""Envelopes held per room while their sender key is missing; the oldest go first."""
BUFFER_TIMEOUT_S = 30.0
"""How long an envelope waits for its sender key before it is given up as undecryptable."""


@dataclass(frozen=True, kw_only=True)
class NewSenderKey:
    """Create a fresh sender key for ``(room, epoch)`` (first join or rotation)."""

    room: str
    epoch: int


@dataclass(frozen=True, kw_only=True)
class ShareSenderKey:
    """Send my current sender key of ``room`` to ``members`` over the 1:1 channel."""

    room: str
    members: tuple[Member, ...]


@dataclass(frozen=True, kw_only=True)
class ForgetSender:
    """Drop the sender keys of a member who left (nothing of theirs can arrive any more)."""

    room: str
    sender_key: bytes


@dataclass(frozen=True, kw_only=True)
class DropRoomKeys:
    """Forget every key of ``room`` (mine and other senders')."""

    room: str


Action = NewSenderKey | ShareSenderKey | ForgetSender | DropRoomKeys


@dataclass(frozen=True)
class _Held:
    envelope: GroupEnvelope
    arrived: float


class RoomState:
    """Membership and key-distribution state of one room I am in."""

    def __init__(self, room: str, my_identity_key: bytes) -> None:
        self.room = room
        self._me = my_identity_key
        self.epoch = -1
        self.members: dict[bytes, Member] = {}
        self.closed = False
        self.close_reason: str | None = None
        self.min_epoch = 0
        """Epoch of the latest verified leave/removal: every key made before it was rotated, so
        a distribution of an older key (sent late) is refused."""
        self._held: deque[_Held] = deque()
        self.expired = 0
        """Envelopes given up because their sender key never came (for diagnostics)."""

    def __repr__(self) -> str:
        return (
            f"RoomState(room={self.room!r}, epoch={self.epoch}, members={len(self.members)}, "
            f"closed={self.closed}, held={len(self._held)})"
        )

    def others(self) -> tuple[Member, ...]:
        """Current members except me, in a stable order."""
        return tuple(
            m for k, m in sorted(self.members.items()) if k != self._me
        )

    def joined(self, membership: MembershipEvent) -> list[Action]:
        """I joined (or rejoined after a reconnect): start a key for this epoch and share it.

        On a rejoin, members who left while I was away are forgotten (their events were lost).
        """
        gone = self._departures(membership)
        self._set_members(membership)
        self.closed = False
        return [
            *(ForgetSender(room=self.room, sender_key=k) for k in gone),
            NewSenderKey(room=self.room, epoch=self.epoch),
            ShareSenderKey(room=self.room, members=self.others()),
        ]

    def membership(self, m: MembershipEvent) -> list[Action]:
        """A verified membership event of this room; stale epochs are ignored."""
        if m.room != self.room or m.epoch <= self.epoch:
            return []
        if m.event == "closed":
            self._set_members(m)
            return self.close(m.event)
        before = set(self.members)
        # Anyone missing from the signed list has gone, even if their own event was lost.
        gone = self._departures(m)
        if m.event in ("left", "removed") and m.identity_key != self._me:
            gone = sorted({*gone, m.identity_key})
            self.min_epoch = max(self.min_epoch, m.epoch)
        self._set_members(m)
        if gone:
            # They may hold my current key, so it must not be used again.
            return [
                *(ForgetSender(room=self.room, sender_key=k) for k in gone),
                NewSenderKey(room=self.room, epoch=self.epoch),
                ShareSenderKey(room=self.room, members=self.others()),
            ]
        # joined (mine echoed back needs nothing): newcomers get my current key
        new = tuple(
            member for k, member in sorted(self.members.items())
            if k != self._me and (k not in before or (m.event == "joined" and k == m.identity_key))
        )
        return [ShareSenderKey(room=self.room, members=new)] if new else []

    def _departures(self, m: MembershipEvent) -> list[bytes]:
        """Members I knew who are absent from ``m``'s list; moves ``min_epoch`` past my last
        known epoch (their departure fell somewhere after it, so older keys are pre-departure)."""
        listed = {member.identity_key for member in m.members}
        gone = sorted(k for k in self.members if k not in listed and k != self._me)
        if gone and self.epoch >= 0:
            self.min_epoch = max(self.min_epoch, self.epoch + 1)
        return gone

    def close(self, reason: str) -> list[Action]:
        """The room's night ended (``group.closed``) or it was closed: drop its keys."""
        if self.closed:
            return []
        self.closed = True
        self.close_reason = reason
        self._held.clear()
        return [DropRoomKeys(room=self.room)]

    def _set_members(self, m: MembershipEvent) -> None:
        self.epoch = m.epoch
        self.members = {member.identity_key: member for member in m.members}

    # -- envelopes waiting for their sender key -------------------------------------------

    def hold(self, envelope: GroupEnvelope, now: float) -> None:
        """Keep an envelope whose sender key has not arrived yet (bounded)."""
        self.expire(now)
        if len(self._held) >= MAX_BUFFERED_ENVELOPES:
            self._held.popleft()
            self.expired += 1
        self._held.append(_Held(envelope, now))

    def release(self, sender_key: bytes, now: float) -> list[GroupEnvelope]:
        """Envelopes of ``sender_key`` held so far, oldest first, removed from the buffer."""
        self.expire(now)
        out = [h.envelope for h in self._held if h.envelope.sender_key == sender_key]
        if out:
            self._held = deque(h for h in self._held if h.envelope.sender_key != sender_key)
        return sorted(out, key=lambda e: e.seq)

    def held_count(self) -> int:
        """Envelopes currently waiting for a key."""
        return len(self._held)

    def expire(self, now: float) -> int:
        """Give up on envelopes older than ``BUFFER_TIMEOUT_S``; how many were dropped."""
        dropped = 0
        while self._held and now - self._held[0].arrived > BUFFER_TIMEOUT_S:
            self._held.popleft()
            dropped += 1
        self.expired += dropped
        return dropped
