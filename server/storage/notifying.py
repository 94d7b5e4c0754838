"""Store decorators that report their writes, so the send gate's cache
(server/handlers/send_cache.py) is dropped wherever a sanction or a room's membership changes,
on this process at once and on the others through the change bus. Reads pass through
unchanged (and uncached): only `room.send` reads through the cache."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from moderation.sanctions import Sanction
from server.domain.records import Member
from server.storage.rooms import RoomStore
from server.storage.sanctions import SanctionStore, is_ban
from server.storage.stores import Stores

Changed = Callable[..., Awaitable[None]]
"""`await changed(*keys)`: drop these cache keys here and on every other process."""


class _Notifying:
    """A store decorator: `inner` is the wrapped store (tests count its calls), `changed`
    reports the cache keys a write touched."""

    def __init__(self, inner: object, changed: Changed) -> None:
        self.inner = inner
        self._changed = changed

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.inner!r})"


class NotifyingSanctions(_Notifying):
    """A SanctionStore whose writes report `room:<room>` and `bans:<pseudonym>`."""

    inner: SanctionStore

    async def put(self, sanction: Sanction) -> None:
        """See SanctionStore."""
        await self.inner.put(sanction)
        keys = [f"room:{sanction.room}"] if sanction.room is not None else []
        if is_ban(sanction) and sanction.pseudonym is not None:
            keys.append(f"bans:{sanction.pseudonym}")
        await self._changed(*keys)

    async def get(self, sanction_id: str) -> Sanction | None:
        """See SanctionStore."""
        return await self.inner.get(sanction_id)

    async def for_room(self, room: str, pseudonym: str | None) -> list[Sanction]:
        """See SanctionStore."""
        return await self.inner.for_room(room, pseudonym)

    async def bans(self, pseudonym: str) -> list[Sanction]:
        """See SanctionStore."""
        return await self.inner.bans(pseudonym)

    async def erase(self, pseudonym: str, replacement: str) -> int:
        """See SanctionStore (rooms unknown here: every cached entry goes)."""
        n = await self.inner.erase(pseudonym, replacement)
        await self._changed("*")
        return n

    async def last_sent(self, room: str, pseudonym: str) -> float | None:
        """See SanctionStore."""
        return await self.inner.last_sent(room, pseudonym)

    async def set_last_sent(self, room: str, pseudonym: str, at: float, ttl: int) -> None:
        """See SanctionStore."""
        await self.inner.set_last_sent(room, pseudonym, at, ttl)


class NotifyingRooms(_Notifying):
    """A RoomStore whose membership writes report `members:<room>`."""

    inner: RoomStore

    async def members(self, room: str) -> list[Member]:
        """See RoomStore."""
        return await self.inner.members(room)

    async def sids(self, room: str) -> dict[str, bytes]:
        """See RoomStore."""
        return await self.inner.sids(room)

    async def has_sid(self, room: str, sid: str) -> bool:
        """See RoomStore."""
        return await self.inner.has_sid(room, sid)

    async def add(self, room: str, sid: str, member: Member, owner: str) -> None:
        """See RoomStore."""
        await self.inner.add(room, sid, member, owner)
        await self._changed(f"members:{room}")

    async def remove_sid(self, room: str, sid: str) -> Member | None:
        """See RoomStore."""
        gone = await self.inner.remove_sid(room, sid)
        await self._changed(f"members:{room}")
        return gone

    async def clear(self, room: str) -> list[Member]:
        """See RoomStore."""
        removed = await self.inner.clear(room)
        await self._changed(f"members:{room}")
        return removed

    async def next_epoch(self, room: str) -> int:
        """See RoomStore."""
        return await self.inner.next_epoch(room)

    async def epoch(self, room: str) -> int:
        """See RoomStore."""
        return await self.inner.epoch(room)

    async def next_seq(self, room: str, sender: str | None = None) -> int:
        """See RoomStore."""
        return await self.inner.next_seq(room, sender)

    async def sender_of(self, room: str, seq: int) -> str | None:
        """See RoomStore."""
        return await self.inner.sender_of(room, seq)

    async def erase_sender(self, rooms: list[str], pseudonym: str) -> int:
        """See RoomStore."""
        return await self.inner.erase_sender(rooms, pseudonym)

    async def forget(self, room: str) -> None:
        """See RoomStore."""
        await self.inner.forget(room)
        await self._changed(f"members:{room}")

    async def heartbeat(self, owner: str, now: float) -> None:
        """See RoomStore."""
        await self.inner.heartbeat(owner, now)

    async def dead_owners(self, now: float, max_age: float) -> list[str]:
        """See RoomStore."""
        return await self.inner.dead_owners(now, max_age)

    async def owner_connections(self, owner: str) -> list[tuple[str, str]]:
        """See RoomStore."""
        return await self.inner.owner_connections(owner)

    async def forget_owner(self, owner: str) -> None:
        """See RoomStore (its rooms unknown here: every cached entry goes)."""
        await self.inner.forget_owner(owner)
        await self._changed("*")


def notifying(stores: Stores, changed: Changed) -> Stores:
    """`stores` with the sanction and room ports reporting their writes to `changed`."""
    return replace(stores, sanctions=NotifyingSanctions(stores.sanctions, changed),
                   rooms=NotifyingRooms(stores.rooms, changed))
