"""SanctionStore on SQLite (`mod_sanctions` in moderation.sqlite3). Last-send times (slow mode)
live in memory: they matter for seconds, not across a restart."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from moderation.sanctions import Sanction
from server.storage.embedded.sqlite_file import forget_wal
from server.storage.sanctions import from_text, is_ban, record_text

MAX_LAST_SENT = 100_000


class EmbeddedSanctions:
    """One row per sanction; a ban is indexed by pseudonym, the rest by room."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._last_sent: dict[tuple[str, str], float] = {}

    def __repr__(self) -> str:
        return "EmbeddedSanctions()"

    async def put(self, sanction: Sanction) -> None:
        """See SanctionStore."""
        ban = is_ban(sanction)
        self._db.execute("INSERT OR REPLACE INTO mod_sanctions VALUES (?, ?, ?, ?, ?)",
                         (sanction.id, None if ban else sanction.room, sanction.pseudonym,
                          int(ban), record_text(sanction)))

    async def get(self, sanction_id: str) -> Sanction | None:
        """See SanctionStore."""
        row = self._db.execute("SELECT record FROM mod_sanctions WHERE id = ?",
                               (sanction_id,)).fetchone()
        return None if row is None else from_text(str(row[0]))

    async def for_room(self, room: str, pseudonym: str | None) -> list[Sanction]:
        """See SanctionStore."""
        rows = self._db.execute(
            "SELECT record FROM mod_sanctions WHERE room = ? OR (is_ban = 1 AND pseudonym = ?) "
            "ORDER BY id", (room, pseudonym)).fetchall()
        return [from_text(str(r[0])) for r in rows]

    async def bans(self, pseudonym: str) -> list[Sanction]:
        """See SanctionStore."""
        rows = self._db.execute(
            "SELECT record FROM mod_sanctions WHERE pseudonym = ? AND is_ban = 1 ORDER BY id",
            (pseudonym,)).fetchall()
        return [from_text(str(r[0])) for r in rows]

    async def erase(self, pseudonym: str, replacement: str) -> int:
        """See SanctionStore: one transaction, then the write-ahead log is emptied."""
        db = self._db
        bans = await self.bans(pseudonym)
        db.execute("BEGIN IMMEDIATE")
        try:
            n = int(db.execute("DELETE FROM mod_sanctions WHERE pseudonym = ? AND is_ban = 0",
                               (pseudonym,)).rowcount)
            for ban in bans:
                moved = replace(ban, pseudonym=replacement)
                db.execute("UPDATE mod_sanctions SET pseudonym = ?, record = ? WHERE id = ?",
                           (replacement, record_text(moved), ban.id))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        forget_wal(db)
        for key in [k for k in self._last_sent if k[1] == pseudonym]:
            del self._last_sent[key]
        return n

    async def last_sent(self, room: str, pseudonym: str) -> float | None:
        """See SanctionStore."""
        return self._last_sent.get((room, pseudonym))

    async def set_last_sent(self, room: str, pseudonym: str, at: float, ttl: int) -> None:
        """See SanctionStore (memory, bounded: the oldest half goes when it is full)."""
        if len(self._last_sent) >= MAX_LAST_SENT:
            for key in sorted(self._last_sent, key=self._last_sent.__getitem__)[
                    :MAX_LAST_SENT // 2]:
                del self._last_sent[key]
        self._last_sent[(room, pseudonym)] = at
