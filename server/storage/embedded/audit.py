"""AuditStore on SQLite (`audit_log` in moderation.sqlite3): (seq, canonical entry bytes, hash).

The append is one `BEGIN IMMEDIATE` transaction that checks the head and inserts the row, atomic
across the processes that open the file (the server and the admin command line).
"""

from __future__ import annotations

import sqlite3

from moderation.audit import AuditRow, encode_entry
from server.storage.audit import Head, Undecodable, decode_rows


class EmbeddedAudit:
    """Rows by sequence number; the head is the last row."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __repr__(self) -> str:
        return "EmbeddedAudit()"

    async def head(self) -> Head | None:
        """See AuditStore."""
        row = self._db.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
                               ).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    async def try_append(self, expected: Head | None, row: AuditRow) -> bool:
        """See AuditStore: head check and insert in one immediate transaction."""
        entry = encode_entry(row.entry)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if await self.head() != expected:
                self._db.execute("ROLLBACK")
                return False
            seq = 0 if expected is None else expected[0] + 1
            self._db.execute("INSERT INTO audit_log VALUES (?, ?, ?)", (seq, entry, row.hash))
            self._db.execute("COMMIT")
            return True
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    async def rows(self) -> list[AuditRow | Undecodable]:
        """See AuditStore."""
        rows = self._db.execute("SELECT entry, hash FROM audit_log ORDER BY seq").fetchall()
        return decode_rows([(bytes(r[0]), bytes(r[1])) for r in rows])
