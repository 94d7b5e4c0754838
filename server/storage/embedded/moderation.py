"""Moderation port on SQLite: `moderation.sqlite3` in the data dir, owner-only.

A file of its own (like `staff.sqlite3`), so `python -m server admin audit --verify` reads it
while the server runs. The audit append is one `BEGIN IMMEDIATE` transaction that checks the head
and inserts the row, atomic across the processes that open the file. Last-send times (slow mode)
live in memory: they matter for seconds, not across a restart.
"""

from __future__ import annotations

import json
from pathlib import Path

from server.storage.embedded.sqlite_file import forget_wal, open_private

DB_FILE = "moderation.sqlite3"
BUSY_TIMEOUT_MS = 5000
MAX_LAST_SENT = 100_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS mod_flags (
    room TEXT NOT NULL, message_id TEXT NOT NULL, pseudonym TEXT NOT NULL, night TEXT NOT NULL,
    record TEXT NOT NULL, PRIMARY KEY (room, message_id));
CREATE INDEX IF NOT EXISTS mod_flags_night ON mod_flags (night, pseudonym);
CREATE TABLE IF NOT EXISTS mod_alerts (
    id TEXT PRIMARY KEY, room TEXT NOT NULL, message_id TEXT NOT NULL, active INTEGER NOT NULL,
    record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS mod_alerts_msg ON mod_alerts (room, message_id, active);
CREATE INDEX IF NOT EXISTS mod_alerts_active ON mod_alerts (active);
CREATE TABLE IF NOT EXISTS mod_duty (staff_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS mod_sanctions (
    id TEXT PRIMARY KEY, room TEXT, pseudonym TEXT, is_ban INTEGER NOT NULL,
    record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS mod_sanctions_room ON mod_sanctions (room);
CREATE INDEX IF NOT EXISTS mod_sanctions_ban ON mod_sanctions (pseudonym, is_ban);
CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY, entry BLOB NOT NULL, hash BLOB NOT NULL);
"""


class EmbeddedModerationStore:
    """ModerationStore on SQLite."""

    def __init__(self, data_dir: Path) -> None:
        self._db = open_private(data_dir, DB_FILE, busy_timeout_ms=BUSY_TIMEOUT_MS,
                                schema=_SCHEMA)
        self._last_sent: dict[tuple[str, str], float] = {}

    def __repr__(self) -> str:
        return "EmbeddedModerationStore()"

    async def get_flags(self, room: str, message_id: str) -> str | None:
        """See ModerationStore."""
        row = self._db.execute("SELECT record FROM mod_flags WHERE room = ? AND message_id = ?",
                               (room, message_id)).fetchone()
        return None if row is None else str(row[0])

    async def put_flags(self, room: str, message_id: str, pseudonym: str, night: str,
                        record: str) -> None:
        """See ModerationStore."""
        self._db.execute("INSERT OR REPLACE INTO mod_flags VALUES (?, ?, ?, ?, ?)",
                         (room, message_id, pseudonym, night, record))

    async def night_flags(self, night: str, pseudonym: str) -> list[str]:
        """See ModerationStore."""
        rows = self._db.execute("SELECT record FROM mod_flags WHERE night = ? AND pseudonym = ?",
                                (night, pseudonym)).fetchall()
        return [str(r[0]) for r in rows]

    async def drop_room(self, room: str) -> int:
        """See ModerationStore."""
        return self._db.execute("DELETE FROM mod_flags WHERE room = ?", (room,)).rowcount

    async def alert_for_message(self, room: str, message_id: str) -> str | None:
        """See ModerationStore."""
        row = self._db.execute(
            "SELECT record FROM mod_alerts WHERE room = ? AND message_id = ? AND active = 1",
            (room, message_id)).fetchone()
        return None if row is None else str(row[0])

    async def get_alert(self, alert_id: str) -> str | None:
        """See ModerationStore."""
        row = self._db.execute("SELECT record FROM mod_alerts WHERE id = ?",
                               (alert_id,)).fetchone()
        return None if row is None else str(row[0])

    async def put_alert(self, alert_id: str, room: str, message_id: str, active: bool,
                        record: str) -> None:
        """See ModerationStore."""
        self._db.execute("INSERT OR REPLACE INTO mod_alerts VALUES (?, ?, ?, ?, ?)",
                         (alert_id, room, message_id, int(active), record))

    async def active_alerts(self) -> list[str]:
        """See ModerationStore."""
        rows = self._db.execute("SELECT record FROM mod_alerts WHERE active = 1 ORDER BY id")
        return [str(r[0]) for r in rows.fetchall()]

    async def set_duty(self, staff_id: str, on: bool) -> None:
        """See ModerationStore."""
        if on:
            self._db.execute("INSERT OR IGNORE INTO mod_duty VALUES (?)", (staff_id,))
        else:
            self._db.execute("DELETE FROM mod_duty WHERE staff_id = ?", (staff_id,))

    async def on_duty(self) -> set[str]:
        """See ModerationStore."""
        return {str(r[0]) for r in self._db.execute("SELECT staff_id FROM mod_duty")}

    async def put_sanction(self, sanction_id: str, room: str | None, pseudonym: str | None,
                           is_ban: bool, record: str) -> None:
        """See ModerationStore."""
        self._db.execute("INSERT OR REPLACE INTO mod_sanctions VALUES (?, ?, ?, ?, ?)",
                         (sanction_id, None if is_ban else room, pseudonym, int(is_ban), record))

    async def get_sanction(self, sanction_id: str) -> str | None:
        """See ModerationStore."""
        row = self._db.execute("SELECT record FROM mod_sanctions WHERE id = ?",
                               (sanction_id,)).fetchone()
        return None if row is None else str(row[0])

    async def sanctions_for(self, room: str, pseudonym: str | None) -> list[str]:
        """See ModerationStore."""
        rows = self._db.execute(
            "SELECT record FROM mod_sanctions WHERE room = ? OR (is_ban = 1 AND pseudonym = ?) "
            "ORDER BY id", (room, pseudonym)).fetchall()
        return [str(r[0]) for r in rows]

    async def last_sent(self, room: str, pseudonym: str) -> float | None:
        """See ModerationStore."""
        return self._last_sent.get((room, pseudonym))

    async def set_last_sent(self, room: str, pseudonym: str, at: float, ttl: int) -> None:
        """See ModerationStore (memory, bounded: the oldest half goes when it is full)."""
        if len(self._last_sent) >= MAX_LAST_SENT:
            for key in sorted(self._last_sent, key=self._last_sent.__getitem__)[
                    :MAX_LAST_SENT // 2]:
                del self._last_sent[key]
        self._last_sent[(room, pseudonym)] = at

    async def erase_pseudonym(self, pseudonym: str, replacement: str, bans: list[str]) -> int:
        """See ModerationStore: one transaction."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            n = db.execute("DELETE FROM mod_flags WHERE pseudonym = ?", (pseudonym,)).rowcount
            n += db.execute("DELETE FROM mod_sanctions WHERE pseudonym = ? AND is_ban = 0",
                            (pseudonym,)).rowcount
            for record in bans:
                db.execute("UPDATE mod_sanctions SET pseudonym = ?, record = ? WHERE id = ? "
                           "AND pseudonym = ? AND is_ban = 1",
                           (replacement, record, str(json.loads(record)["id"]), pseudonym))
            rows = db.execute("SELECT id, record FROM mod_alerts").fetchall()
            gone = [str(i) for i, rec in rows if json.loads(rec).get("pseudonym") == pseudonym]
            db.executemany("DELETE FROM mod_alerts WHERE id = ?", [(i,) for i in gone])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        forget_wal(db)
        for key in [k for k in self._last_sent if k[1] == pseudonym]:
            del self._last_sent[key]
        return n + len(gone)

    async def ban_records(self, pseudonym: str) -> list[str]:
        """See ModerationStore."""
        rows = self._db.execute(
            "SELECT record FROM mod_sanctions WHERE pseudonym = ? AND is_ban = 1 ORDER BY id",
            (pseudonym,)).fetchall()
        return [str(r[0]) for r in rows]

    async def audit_head(self) -> tuple[int, bytes] | None:
        """See ModerationStore."""
        row = self._db.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
                               ).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    async def audit_try_append(self, expected: tuple[int, bytes] | None, entry: bytes,
                               row_hash: bytes) -> bool:
        """See ModerationStore: head check and insert in one immediate transaction."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if await self.audit_head() != expected:
                self._db.execute("ROLLBACK")
                return False
            seq = 0 if expected is None else expected[0] + 1
            self._db.execute("INSERT INTO audit_log VALUES (?, ?, ?)", (seq, entry, row_hash))
            self._db.execute("COMMIT")
            return True
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    async def audit_rows(self) -> list[tuple[bytes, bytes]]:
        """See ModerationStore."""
        rows = self._db.execute("SELECT entry, hash FROM audit_log ORDER BY seq").fetchall()
        return [(bytes(r[0]), bytes(r[1])) for r in rows]

    async def close(self) -> None:
        """See ModerationStore."""
        self._db.close()
