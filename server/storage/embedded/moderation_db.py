"""The moderation ports' SQLite file: `moderation.sqlite3` in the data dir, owner-only.

A file of its own (like `staff.sqlite3`), so `python -m server admin audit --verify` reads it
while the server runs. The flag, alert, duty, sanction and audit stores (one module each) share
one connection to it; the tables are the ones the single moderation store wrote before the ports
were split, so an existing file loads unchanged.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from server.storage.embedded.sqlite_file import open_private

DB_FILE = "moderation.sqlite3"
BUSY_TIMEOUT_MS = 5000
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
CREATE TABLE IF NOT EXISTS mod_duty_seen (staff_id TEXT PRIMARY KEY, seen REAL NOT NULL);
CREATE TABLE IF NOT EXISTS mod_sanctions (
    id TEXT PRIMARY KEY, room TEXT, pseudonym TEXT, is_ban INTEGER NOT NULL,
    record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS mod_sanctions_room ON mod_sanctions (room);
CREATE INDEX IF NOT EXISTS mod_sanctions_ban ON mod_sanctions (pseudonym, is_ban);
CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY, entry BLOB NOT NULL, hash BLOB NOT NULL);
"""


def open_moderation_db(data_dir: Path) -> sqlite3.Connection:
    """The moderation file in `data_dir` (created owner-only, with its tables, if missing)."""
    return open_private(data_dir, DB_FILE, busy_timeout_ms=BUSY_TIMEOUT_MS, schema=_SCHEMA)
