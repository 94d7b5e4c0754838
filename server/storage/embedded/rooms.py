"""RoomStore on the embedded store: membership in process memory, counters in SQLite."""

from __future__ import annotations

from server.domain.records import Member
from server.storage.embedded.db import Database

# Sequence numbers leased from the file at a time (see `EmbeddedRooms.next_seq`).
SEQ_LEASE = 1000


class EmbeddedRooms:
    """One process holds every connection, so membership needs no sharing."""

    def __init__(self, db: Database) -> None:
        self._d = db
        self._members: dict[str, dict[bytes, Member]] = {}
        self._sids: dict[str, dict[str, bytes]] = {}
        self._owner_of: dict[tuple[str, str], str] = {}
        self._owned: dict[str, set[tuple[str, str]]] = {}
        self._beats: dict[str, float] = {}
        self._seq: dict[str, list[int]] = {}  # room -> [last given, leased ceiling on disk]
        # room -> seq -> writer's pseudonym, tonight's, in memory like the membership: no disk
        # write per send; a restart forgets it (a flag about an earlier message is then
        # `unknown_message`).
        self._senders: dict[str, dict[int, str]] = {}

    def __repr__(self) -> str:
        return f"EmbeddedRooms(rooms={len(self._sids)})"

    async def members(self, room: str) -> list[Member]:
        """See RoomStore."""
        return list(self._members.get(room, {}).values())

    async def sids(self, room: str) -> dict[str, bytes]:
        """See RoomStore."""
        return dict(self._sids.get(room, {}))

    async def has_sid(self, room: str, sid: str) -> bool:
        """See RoomStore."""
        return sid in self._sids.get(room, ())

    async def add(self, room: str, sid: str, member: Member, owner: str) -> None:
        """See RoomStore."""
        self._sids.setdefault(room, {})[sid] = member.identity_key
        self._members.setdefault(room, {})[member.identity_key] = member
        self._owner_of[(room, sid)] = owner
        self._owned.setdefault(owner, set()).add((room, sid))

    def _disown(self, room: str, sid: str) -> None:
        owner = self._owner_of.pop((room, sid), None)
        if owner is not None:
            self._owned.get(owner, set()).discard((room, sid))

    async def remove_sid(self, room: str, sid: str) -> Member | None:
        """See RoomStore."""
        self._disown(room, sid)
        sids = self._sids.get(room, {})
        key = sids.pop(sid, None)
        if key is None or key in sids.values():
            return None
        member = self._members.get(room, {}).pop(key, None)
        if not sids:
            self._sids.pop(room, None)
            self._members.pop(room, None)
        return member

    async def clear(self, room: str) -> list[Member]:
        """See RoomStore."""
        for sid in self._sids.pop(room, {}):
            self._disown(room, sid)
        return list(self._members.pop(room, {}).values())

    def _bump(self, room: str, name: str) -> int:
        row = self._d.one(
            "INSERT INTO counters VALUES (?, ?, 1) ON CONFLICT (room, name) "
            "DO UPDATE SET value = value + 1 RETURNING value", (room, name))
        assert row is not None
        return int(row[0])

    async def next_epoch(self, room: str) -> int:
        """See RoomStore."""
        return self._bump(room, "epoch")

    async def epoch(self, room: str) -> int:
        """See RoomStore."""
        row = self._d.one("SELECT value FROM counters WHERE room = ? AND name = 'epoch'",
                          (room,))
        return int(row[0]) if row else 0

    async def next_seq(self, room: str, sender: str | None = None) -> int:
        """See RoomStore. Numbers come from memory; the file holds a ceiling leased
        `SEQ_LEASE` at a time (one write per `SEQ_LEASE` envelopes), and `flush` (at close)
        writes the last number given. After a crash numbering goes on above the ceiling: a gap,
        never a number given twice."""
        state = self._seq.get(room)
        if state is None:
            row = self._d.one("SELECT value FROM counters WHERE room = ? AND name = 'seq'",
                              (room,))
            last = int(row[0]) if row else 0
            state = self._seq[room] = [last, last]
        state[0] += 1
        if state[0] > state[1]:
            state[1] = state[0] + SEQ_LEASE - 1
            self._set_seq(room, state[1])
        if sender is not None:
            self._senders.setdefault(room, {})[state[0]] = sender
        return state[0]

    async def sender_of(self, room: str, seq: int) -> str | None:
        """See RoomStore."""
        return self._senders.get(room, {}).get(seq)

    async def erase_sender(self, rooms: list[str], pseudonym: str) -> int:
        """See RoomStore."""
        removed = 0
        for room in rooms:
            senders = self._senders.get(room, {})
            for seq in [n for n, who in senders.items() if who == pseudonym]:
                del senders[seq]
                removed += 1
        return removed

    def _set_seq(self, room: str, value: int) -> None:
        self._d.db.execute("INSERT INTO counters VALUES (?, 'seq', ?) ON CONFLICT (room, name) "
                           "DO UPDATE SET value = excluded.value", (room, value))

    def flush(self) -> None:
        """Write the last sequence number given of every room (a clean close)."""
        for room, (last, _) in self._seq.items():
            self._set_seq(room, last)
        self._seq.clear()

    async def forget(self, room: str) -> None:
        """See RoomStore."""
        self._seq.pop(room, None)
        self._senders.pop(room, None)
        db = self._d.db
        with db:
            db.execute("DELETE FROM counters WHERE room = ?", (room,))
        # The write-ahead log still holds the old pages until a checkpoint; once a night.
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def heartbeat(self, owner: str, now: float) -> None:
        """See RoomStore."""
        self._beats[owner] = now

    async def dead_owners(self, now: float, max_age: float) -> list[str]:
        """See RoomStore."""
        return sorted(o for o, beat in self._beats.items() if now - beat > max_age)

    async def owner_connections(self, owner: str) -> list[tuple[str, str]]:
        """See RoomStore."""
        return sorted(self._owned.get(owner, set()))

    async def forget_owner(self, owner: str) -> None:
        """See RoomStore."""
        self._beats.pop(owner, None)
        for pair in self._owned.pop(owner, set()):
            self._owner_of.pop(pair, None)
