"""InboxStore on the embedded store (SQLite)."""

from __future__ import annotations

from server.domain.records import QueuedEnvelope
from server.storage.embedded.db import Database


class EmbeddedInbox:
    """Envelopes as JSON rows of their typed records, in arrival order (`n`)."""

    def __init__(self, db: Database) -> None:
        self._d = db

    def __repr__(self) -> str:
        return "EmbeddedInbox()"

    async def put(self, recipient: bytes, sender: bytes, envelope: QueuedEnvelope,
                  expires_at: float, now: float, cap: int, per_sender_cap: int) -> bool:
        """See InboxStore."""
        db = self._d.db
        with db:
            db.execute("BEGIN")
            db.execute("DELETE FROM inbox WHERE recipient = ? AND expires_at <= ?",
                       (recipient, now))
            row = self._d.one("SELECT COUNT(*), COALESCE(MAX(n), 0) FROM inbox "
                              "WHERE recipient = ?", (recipient,))
            assert row is not None
            if int(row[0]) >= cap:
                return False
            mine = self._d.one("SELECT COUNT(*) FROM inbox WHERE recipient = ? AND sender = ?",
                               (recipient, sender))
            if mine is not None and int(mine[0]) >= per_sender_cap:
                return False
            db.execute(
                "INSERT INTO inbox (id, recipient, json, expires_at, n, sender) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (envelope.id, recipient, envelope.to_json(), expires_at, int(row[1]) + 1,
                 sender))
        return True

    async def pending(self, recipient: bytes, now: float, limit: int) -> list[QueuedEnvelope]:
        """See InboxStore."""
        db = self._d.db
        db.execute("DELETE FROM inbox WHERE recipient = ? AND expires_at <= ?", (recipient, now))
        rows = db.execute("SELECT json FROM inbox WHERE recipient = ? ORDER BY n LIMIT ?",
                          (recipient, limit)).fetchall()
        return [QueuedEnvelope.from_json(str(r[0])) for r in rows]

    async def ack(self, recipient: bytes, ids: list[str]) -> int:
        """See InboxStore."""
        if not ids:
            return 0
        marks = ",".join("?" * len(ids))
        cur = self._d.db.execute(
            f"DELETE FROM inbox WHERE recipient = ? AND id IN ({marks})",  # noqa: S608
            (recipient, *ids))
        return int(cur.rowcount)

    async def erase(self, identity_key: bytes) -> int:
        """See InboxStore."""
        cur = self._d.db.execute("DELETE FROM inbox WHERE recipient = ? OR sender = ?",
                                 (identity_key, identity_key))
        self._d.forget_wal()
        return int(cur.rowcount)

    async def sweep(self, now: float, max_recipients: int) -> int:
        """See InboxStore. (Here the batch bounds envelopes rather than inboxes: same
        purpose.)"""
        cur = self._d.db.execute(
            "DELETE FROM inbox WHERE id IN (SELECT id FROM inbox WHERE expires_at <= ? LIMIT ?)",
            (now, max_recipients * 100))
        if cur.rowcount > 0:  # WAL mode keeps the old pages until a checkpoint: expired is gone
            self._d.forget_wal()
        return int(cur.rowcount)

    async def total(self, now: float) -> int:
        """See InboxStore."""
        row = self._d.one("SELECT COUNT(*) FROM inbox WHERE expires_at > ?", (now,))
        return int(row[0]) if row else 0
