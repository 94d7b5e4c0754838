"""DutyStore on SQLite (`mod_duty` in moderation.sqlite3)."""

from __future__ import annotations

import sqlite3


class EmbeddedDuty:
    """One row per moderator on duty."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __repr__(self) -> str:
        return "EmbeddedDuty()"

    async def put(self, staff_id: str, on: bool) -> None:
        """See DutyStore."""
        if on:
            self._db.execute("INSERT OR IGNORE INTO mod_duty VALUES (?)", (staff_id,))
        else:
            self._db.execute("DELETE FROM mod_duty WHERE staff_id = ?", (staff_id,))

    async def on_duty(self) -> set[str]:
        """See DutyStore."""
        return {str(r[0]) for r in self._db.execute("SELECT staff_id FROM mod_duty")}
