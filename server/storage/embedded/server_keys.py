"""ServerKeyStore on the embedded store (one process: nothing to agree with)."""

from __future__ import annotations

from server.storage.embedded.db import Database


class EmbeddedServerKeys:
    """Legacy secrets in the `secrets` table of files written before the key file."""

    def __init__(self, db: Database) -> None:
        self._d = db

    def __repr__(self) -> str:
        return "EmbeddedServerKeys()"

    def _has_secrets_table(self) -> bool:
        return self._d.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                           ("secrets",)) is not None

    async def legacy_secret(self, name: str) -> bytes | None:
        """See ServerKeyStore."""
        if not self._has_secrets_table():
            return None
        row = self._d.one("SELECT value FROM secrets WHERE name = ?", (name,))
        return None if row is None else bytes(row[0])

    async def agree_public_key(self, public_key: bytes) -> bytes:
        """See ServerKeyStore."""
        return public_key

    async def drop_legacy_secret(self, name: str) -> None:
        """See ServerKeyStore. Overwrites the freed pages and the WAL, so the bytes leave the
        files."""
        if not self._has_secrets_table():
            return
        db = self._d.db
        db.execute("PRAGMA secure_delete = ON")
        db.execute("DELETE FROM secrets WHERE name = ?", (name,))
        if self._d.one("SELECT 1 FROM secrets LIMIT 1", ()) is None:
            db.execute("DROP TABLE secrets")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("VACUUM")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
