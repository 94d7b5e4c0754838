"""One private SQLite file in the data directory, opened the way every embedded store needs it."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_private(data_dir: Path, name: str, *, busy_timeout_ms: int, schema: str
                 ) -> sqlite3.Connection:
    """Open (creating) `data_dir/name` readable by the owner only, in WAL mode, autocommit, secure delete,
    waiting up to `busy_timeout_ms` for another writer (the admin CLI), with `schema` applied."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = data_dir / name
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA secure_delete=ON")  # an erased row's bytes are overwritten, not left
    db.executescript(schema)
    return db


def forget_wal(db: sqlite3.Connection) -> None:
    """Copy the write-ahead log into the file and empty it: after an erasure, the frames that
    still held the erased rows' old pages are gone too (secure delete covers only the file)."""
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
