"""FlagStore on SQLite (`mod_flags` in moderation.sqlite3)."""

from __future__ import annotations

import sqlite3

from moderation.flags import MessageFlags
from server.storage.embedded.sqlite_file import forget_wal
from server.storage.flags import from_text, record_text


class EmbeddedFlags:
    """One row per (room, message id), indexed by (night, pseudonym)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __repr__(self) -> str:
        return "EmbeddedFlags()"

    async def get(self, room: str, message_id: str) -> MessageFlags | None:
        """See FlagStore."""
        row = self._db.execute("SELECT record FROM mod_flags WHERE room = ? AND message_id = ?",
                               (room, message_id)).fetchone()
        return None if row is None else from_text(str(row[0]))

    async def put(self, flags: MessageFlags, *, night: str) -> None:
        """See FlagStore."""
        self._db.execute("INSERT OR REPLACE INTO mod_flags VALUES (?, ?, ?, ?, ?)",
                         (flags.room, flags.message_id, flags.pseudonym, night,
                          record_text(flags)))

    async def of_night(self, night: str, pseudonym: str) -> list[MessageFlags]:
        """See FlagStore."""
        rows = self._db.execute("SELECT record FROM mod_flags WHERE night = ? AND pseudonym = ?",
                                (night, pseudonym)).fetchall()
        return [from_text(str(r[0])) for r in rows]

    async def erase(self, pseudonym: str) -> int:
        """See FlagStore (the write-ahead log is emptied, so the old pages go too)."""
        n = int(self._db.execute("DELETE FROM mod_flags WHERE pseudonym = ?",
                                 (pseudonym,)).rowcount)
        forget_wal(self._db)
        return n

    async def drop_room(self, room: str) -> int:
        """See FlagStore."""
        return self._db.execute("DELETE FROM mod_flags WHERE room = ?", (room,)).rowcount
