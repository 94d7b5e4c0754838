"""KeyDirectory on the embedded store (SQLite)."""

from __future__ import annotations

from server.domain.records import Bundle, Prekey
from server.storage.embedded.db import Database


class EmbeddedKeyDirectory:
    """Bundles and one-time prekeys as JSON rows of their typed records."""

    def __init__(self, db: Database) -> None:
        self._d = db

    def __repr__(self) -> str:
        return "EmbeddedKeyDirectory()"

    async def put_bundle(self, identity_key: bytes, bundle: Bundle) -> None:
        """See KeyDirectory."""
        self._d.db.execute("INSERT OR REPLACE INTO bundles VALUES (?, ?)",
                           (identity_key, bundle.to_json()))

    async def get_bundle(self, identity_key: bytes) -> Bundle | None:
        """See KeyDirectory."""
        row = self._d.one("SELECT json FROM bundles WHERE identity_key = ?", (identity_key,))
        return None if row is None else Bundle.from_json(str(row[0]))

    async def add_one_time_prekeys(self, identity_key: bytes, prekeys: list[Prekey],
                                   max_stored: int) -> int:
        """See KeyDirectory."""
        db = self._d.db
        with db:
            db.execute("BEGIN")
            db.executemany("INSERT INTO otpks (identity_key, json) VALUES (?, ?)",
                           [(identity_key, p.to_json()) for p in prekeys])
            db.execute(
                "DELETE FROM otpks WHERE identity_key = ? AND n NOT IN (SELECT n FROM otpks "
                "WHERE identity_key = ? ORDER BY n DESC LIMIT ?)",
                (identity_key, identity_key, max_stored))
        return await self.count_one_time_prekeys(identity_key)

    async def pop_one_time_prekey(self, identity_key: bytes) -> Prekey | None:
        """See KeyDirectory."""
        row = self._d.one("DELETE FROM otpks WHERE n = (SELECT MIN(n) FROM otpks WHERE "
                          "identity_key = ?) RETURNING json", (identity_key,))
        return None if row is None else Prekey.from_json(str(row[0]))

    async def count_one_time_prekeys(self, identity_key: bytes) -> int:
        """See KeyDirectory."""
        row = self._d.one("SELECT COUNT(*) FROM otpks WHERE identity_key = ?", (identity_key,))
        return int(row[0]) if row else 0

    async def erase(self, identity_key: bytes) -> None:
        """See KeyDirectory."""
        db = self._d.db
        with db:
            db.execute("BEGIN")
            db.execute("DELETE FROM bundles WHERE identity_key = ?", (identity_key,))
            db.execute("DELETE FROM otpks WHERE identity_key = ?", (identity_key,))
        self._d.forget_wal()
