"""The embedded store's SQLite file: opened once, shared by the per-aggregate stores.

Zero set-up (the default): one process, no Redis. SQLite runs in WAL mode with
synchronous=NORMAL, so a commit costs a write to the log but no fsync per envelope; a power cut
can lose the last moments, a process crash loses nothing committed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from server.storage.embedded.sqlite_file import forget_wal

DB_FILE = "iltapiiri.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bindings (
    identity_key BLOB PRIMARY KEY, pseudonym TEXT NOT NULL, folded TEXT NOT NULL UNIQUE,
    last_seen REAL NOT NULL);
CREATE TABLE IF NOT EXISTS bundles (identity_key BLOB PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS otpks (
    n INTEGER PRIMARY KEY AUTOINCREMENT, identity_key BLOB NOT NULL, json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS otpks_key ON otpks (identity_key, n);
CREATE TABLE IF NOT EXISTS counters (
    room TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (room, name));
CREATE TABLE IF NOT EXISTS inbox (
    id TEXT PRIMARY KEY, recipient BLOB NOT NULL, json TEXT NOT NULL, expires_at REAL NOT NULL,
    n INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS inbox_recipient ON inbox (recipient, n);
CREATE INDEX IF NOT EXISTS inbox_expiry ON inbox (expires_at);
CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS cases (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL, json TEXT NOT NULL, pseudonym TEXT NOT NULL,
    open INTEGER NOT NULL, queue_score REAL, due_at REAL, closed_at REAL, claimed_at REAL);
CREATE UNIQUE INDEX IF NOT EXISTS cases_open_person ON cases (pseudonym) WHERE open = 1;
CREATE INDEX IF NOT EXISTS cases_person ON cases (pseudonym);
CREATE INDEX IF NOT EXISTS cases_queue ON cases (queue_score, id) WHERE queue_score IS NOT NULL;
CREATE INDEX IF NOT EXISTS cases_due ON cases (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS cases_closed ON cases (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS cases_claimed ON cases (claimed_at) WHERE claimed_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS case_notes (
    n INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL, blob BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS case_notes_case ON case_notes (case_id, n);
CREATE TABLE IF NOT EXISTS team_keys (epoch INTEGER PRIMARY KEY, team_key BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS team_wraps (
    epoch INTEGER NOT NULL, to_key BLOB NOT NULL, json TEXT NOT NULL, PRIMARY KEY (to_key, epoch));
CREATE TABLE IF NOT EXISTS counsellors (id TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS duty (json TEXT PRIMARY KEY, ended_at REAL NOT NULL);
"""


class Database:
    """One SQLite connection (autocommit; explicit BEGIN where a step must be atomic)."""

    def __init__(self, data_dir: Path) -> None:
        # Health-related metadata: owner-only access. SQLite gives its -wal and -shm files the
        # database file's permissions. (Server keys live in the key file, server/keyfile.py.)
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = data_dir / DB_FILE
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten, not left in free pages (a room's counters after its
        # night, acknowledged envelopes): what is deleted is gone from the file.
        self.db.execute("PRAGMA secure_delete=ON")
        self.db.executescript(_SCHEMA)
        self._migrate()

    def __repr__(self) -> str:
        return "Database()"

    def _migrate(self) -> None:
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(inbox)")}
        if "sender" not in columns:  # files from before the per-sender cap
            self.db.execute("ALTER TABLE inbox ADD COLUMN sender BLOB NOT NULL DEFAULT x''")
        self.db.execute("CREATE INDEX IF NOT EXISTS inbox_sender ON inbox (recipient, sender)")

    def forget_wal(self) -> None:
        """See `server.storage.embedded.sqlite_file.forget_wal`."""
        forget_wal(self.db)

    def one(self, sql: str, args: tuple[object, ...]) -> Any:
        """The first row of a query, or None."""
        return self.db.execute(sql, args).fetchone()

    async def close(self) -> None:
        """Close the file."""
        self.db.close()
