"""The send gate's per-process cache (docs/decisions.md, "The send gate reads no store").

`room.send` needs, per message: is this connection still in the room, the room's sanctions
and the sender's bans, and (in `moderator_required` groups) how many moderators are in it.
Reading those from the store on every send cost a round trip per read and, for the moderator
count, the room's whole member list. Here they are kept per process:

    room:<room>      the room's sanctions and room controls (SanctionStore.for_room(room, None))
    members:<room>   the room's connection ids and its moderator count (RoomStore)
    bans:<pseudonym> the pseudonym's bans (SanctionStore.bans)

Correctness: every write to those stores goes through `server.storage.notifying`, which drops
the key here at once and publishes it (server/storage/changes.py) so the other processes drop
it too; a miss reads the store. A fill that raced a drop is not kept (each key remembers the
tick of its last drop). When the change bus (re)subscribes everything is dropped, since
notices may have been missed, and an entry older than `MAX_AGE_SECONDS` is read again anyway.
Time needs no event: what is cached are the sanction records, and `moderation.sanctions.check`
decides at the injected clock's `now` (`Sanction.active_at`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from moderation.sanctions import Sanction
from server.clock import Clock
from server.domain.roles import Role
from server.storage.changes import ChangeBus
from server.storage.stores import Stores

MAX_AGE_SECONDS: Final = 30.0
"""A cached entry is read again after this long even with no notice (a lost notice costs at
most this much staleness)."""
MAX_ENTRIES: Final = 10_000
"""Entries per kind before the cache starts over (bounded memory, whatever the traffic)."""


@dataclass(frozen=True, slots=True)
class RoomView:
    """What the send gate needs of one room."""

    sids: frozenset[str]
    moderators: int
    sanctions: tuple[Sanction, ...]

    def __repr__(self) -> str:
        return f"RoomView(connections={len(self.sids)}, moderators={self.moderators})"


@dataclass(frozen=True, slots=True)
class _Entry:
    value: object
    at: float


class SendCache:
    """Per-process cache of the send gate's reads, dropped by change notices."""

    def __init__(self, stores: Stores, clock: Clock, bus: ChangeBus, origin: str) -> None:
        self._stores = stores
        self._clock = clock
        self._bus = bus
        self._origin = origin
        self._entries: dict[str, _Entry] = {}
        self._tick = 0
        self._dropped: dict[str, int] = {}
        self._all_dropped = 0
        self.misses = 0

    def __repr__(self) -> str:
        return f"SendCache(entries={len(self._entries)})"

    async def view(self, room: str, pseudonym: str) -> tuple[RoomView, tuple[Sanction, ...]]:
        """The room's view and the pseudonym's bans, from the cache or (on a miss) the store."""
        members = await self._get(f"members:{room}", lambda: self._fill_members(room))
        sanctions = await self._get(f"room:{room}", lambda: self._fill_room(room))
        bans = await self._get(f"bans:{pseudonym}", lambda: self._fill_bans(pseudonym))
        assert isinstance(members, tuple) and isinstance(sanctions, tuple)
        assert isinstance(bans, tuple)
        sids, moderators = members
        return RoomView(sids=sids, moderators=moderators, sanctions=sanctions), bans

    async def _get(self, key: str, fill: Callable[[], Awaitable[object]]) -> object:
        now = self._clock.now()
        entry = self._entries.get(key)
        if entry is not None and now - entry.at < MAX_AGE_SECONDS:
            return entry.value
        self.misses += 1
        start = self._tick
        value = await fill()
        if self._dropped.get(key, 0) <= start and self._all_dropped <= start:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = _Entry(value, now)
        return value

    async def _fill_members(self, room: str) -> tuple[frozenset[str], int]:
        sids = frozenset(await self._stores.rooms.sids(room))
        members = await self._stores.rooms.members(room)
        return sids, sum(1 for m in members if m.role == Role.MODERATOR)

    async def _fill_room(self, room: str) -> tuple[Sanction, ...]:
        return tuple(await self._stores.sanctions.for_room(room, None))

    async def _fill_bans(self, pseudonym: str) -> tuple[Sanction, ...]:
        return tuple(await self._stores.sanctions.bans(pseudonym))

    def drop(self, key: str | None) -> None:
        """Forget `key` (None or "*": everything); a fill in flight for it is not kept."""
        self._tick += 1
        if key is None or key == "*":
            self._entries.clear()
            self._dropped.clear()
            self._all_dropped = self._tick
            return
        self._entries.pop(key, None)
        if len(self._dropped) >= MAX_ENTRIES:
            self._dropped.clear()
            self._all_dropped = self._tick
        self._dropped[key] = self._tick

    async def changed(self, *keys: str) -> None:
        """A write on this process: drop here now, then tell the other processes."""
        for key in keys:
            self.drop(key)
        for key in keys:
            await self._bus.publish(self._origin, key)

    async def listen(self) -> None:
        """Drop what the other processes say changed (until cancelled)."""
        await self._bus.listen(self._origin, self.drop)
