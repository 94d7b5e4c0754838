"""AlertStore on SQLite (`mod_alerts` in moderation.sqlite3)."""

from __future__ import annotations

import sqlite3

from moderation.alerts import Alert
from server.storage.alerts import from_text, is_active, record_text
from server.storage.embedded.sqlite_file import forget_wal


class EmbeddedAlerts:
    """One row per alert, with its message and whether it is active as columns."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __repr__(self) -> str:
        return "EmbeddedAlerts()"

    async def for_message(self, room: str, message_id: str) -> Alert | None:
        """See AlertStore."""
        row = self._db.execute(
            "SELECT record FROM mod_alerts WHERE room = ? AND message_id = ? AND active = 1",
            (room, message_id)).fetchone()
        return None if row is None else from_text(str(row[0]))

    async def get(self, alert_id: str) -> Alert | None:
        """See AlertStore."""
        row = self._db.execute("SELECT record FROM mod_alerts WHERE id = ?",
                               (alert_id,)).fetchone()
        return None if row is None else from_text(str(row[0]))

    async def put(self, alert: Alert) -> None:
        """See AlertStore."""
        self._db.execute("INSERT OR REPLACE INTO mod_alerts VALUES (?, ?, ?, ?, ?)",
                         (alert.id, alert.room, alert.message_id, int(is_active(alert)),
                          record_text(alert)))

    async def erase(self, pseudonym: str) -> int:
        """See AlertStore (the pseudonym is inside the record, so the rows are read; erasure
        is rare)."""
        rows = self._db.execute("SELECT id, record FROM mod_alerts").fetchall()
        gone = [str(i) for i, rec in rows if from_text(str(rec)).pseudonym == pseudonym]
        self._db.executemany("DELETE FROM mod_alerts WHERE id = ?", [(i,) for i in gone])
        forget_wal(self._db)
        return len(gone)

    async def active(self) -> list[Alert]:
        """See AlertStore."""
        rows = self._db.execute("SELECT record FROM mod_alerts WHERE active = 1 ORDER BY id")
        return [from_text(str(r[0])) for r in rows.fetchall()]
