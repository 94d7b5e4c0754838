"""Port: tonight's rooms (members, connections, counters) and the liveness of the server
processes holding those connections.

Ephemeral: membership (a room lives for one night). Durable: the epoch and sequence counters.
Changes of membership are made under the room's lock (`ClaimStore.lock`).
"""

from __future__ import annotations

from typing import Protocol

from server.domain.records import Member


class RoomStore(Protocol):
    """Members and connections per room, counters, and process heartbeats."""

    async def members(self, room: str) -> list[Member]:
        """Every member of the room (any order)."""
        ...

    async def sids(self, room: str) -> dict[str, bytes]:
        """connection id -> identity key, for every connection in the room."""
        ...

    async def has_sid(self, room: str, sid: str) -> bool:
        """True if the connection is in the room (one lookup, not the room's whole list)."""
        ...

    async def add(self, room: str, sid: str, member: Member, owner: str) -> None:
        """Add a connection (and its member record). `owner` names the server process
        holding the connection (see `dead_owners`)."""
        ...

    async def remove_sid(self, room: str, sid: str) -> Member | None:
        """Drop a connection; return its member if the key has no connection left in the
        room (so it is no longer a member), else None."""
        ...

    async def clear(self, room: str) -> list[Member]:
        """Remove everyone; return the members that were there."""
        ...

    async def next_epoch(self, room: str) -> int:
        """Increment and return the room's membership epoch (first change gives 1)."""
        ...

    async def epoch(self, room: str) -> int:
        """The room's current epoch (0 before any change)."""
        ...

    async def next_seq(self, room: str, sender: str | None = None) -> int:
        """Increment and return the room's envelope sequence number (first gives 1). Numbers
        only grow, across restarts too; a crash may leave a gap. No disk write per call. With
        `sender` (the writer's pseudonym), the number is bound to them for the night in the
        same step (`sender_of`: a message's flags belong to its writer)."""
        ...

    async def sender_of(self, room: str, seq: int) -> str | None:
        """The pseudonym `next_seq` bound to `seq` in `room` tonight, None if unknown."""
        ...

    async def erase_sender(self, rooms: list[str], pseudonym: str) -> int:
        """Unbind every message of `pseudonym` in `rooms` (erasure); how many."""
        ...

    async def forget(self, room: str) -> None:
        """Drop the epoch and sequence counters and the senders of a room whose night has
        ended (how many messages and membership changes it had is group data too)."""
        ...

    async def heartbeat(self, owner: str, now: float) -> None:
        """Record that server process `owner` is alive at `now`."""
        ...

    async def dead_owners(self, now: float, max_age: float) -> list[str]:
        """Processes whose last heartbeat is older than `max_age` seconds."""
        ...

    async def owner_connections(self, owner: str) -> list[tuple[str, str]]:
        """(room, connection id) pairs still recorded for a process."""
        ...

    async def forget_owner(self, owner: str) -> None:
        """Drop a dead process's heartbeat and room records (after its connections were
        removed)."""
        ...
