"""DutyStore on SQLite (`mod_duty` and `mod_duty_seen` in moderation.sqlite3)."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection


class EmbeddedDuty:
    """One row per moderator on duty; one per moderator a process last saw connected."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __repr__(self) -> str:
        return "EmbeddedDuty()"

    async def put(self, staff_id: str, on: bool) -> None:
        """See DutyStore."""
        with self._db:
            if on:
                self._db.execute("INSERT OR IGNORE INTO mod_duty VALUES (?)", (staff_id,))
            else:
                self._db.execute("DELETE FROM mod_duty WHERE staff_id = ?", (staff_id,))
                self._db.execute("DELETE FROM mod_duty_seen WHERE staff_id = ?", (staff_id,))

    async def on_duty(self) -> set[str]:
        """See DutyStore."""
        return {str(r[0]) for r in self._db.execute("SELECT staff_id FROM mod_duty")}

    async def seen(self, staff_ids: Collection[str], now: float) -> None:
        """See DutyStore."""
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO mod_duty_seen VALUES (?, ?)",
                                 [(s, float(now)) for s in staff_ids])

    async def absent(self, before: float) -> set[str]:
        """See DutyStore."""
        rows = self._db.execute(
            "SELECT d.staff_id FROM mod_duty d LEFT JOIN mod_duty_seen s"
            " ON s.staff_id = d.staff_id WHERE s.seen IS NULL OR s.seen < ?", (float(before),))
        return {str(r[0]) for r in rows}

    async def drop_absent(self, staff_id: str, before: float) -> bool:
        """See DutyStore."""
        with self._db:
            gone = self._db.execute(
                "DELETE FROM mod_duty WHERE staff_id = ? AND NOT EXISTS (SELECT 1 FROM"
                " mod_duty_seen s WHERE s.staff_id = ? AND s.seen >= ?)",
                (staff_id, staff_id, float(before))).rowcount
            if gone:
                self._db.execute("DELETE FROM mod_duty_seen WHERE staff_id = ?", (staff_id,))
        return bool(gone)
