"""The embedded store: room membership in process memory, durable data in one SQLite file.

Zero set-up (the default): one process, no Redis. SQLite runs in WAL mode with
synchronous=NORMAL, so a commit costs a write to the log but no fsync per envelope; a power cut
can lose the last moments, a process crash loses nothing committed.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from server.storage.ports import Binding

MAX_HIT_COUNTERS = 100_000
# Sequence numbers leased from the file at a time (see `EmbeddedStore.next_seq`).
SEQ_LEASE = 1000

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
"""
DB_FILE = "iltapiiri.sqlite3"


class EmbeddedStore:
    """Store port on SQLite + memory. Single process only."""

    def __init__(self, data_dir: Path) -> None:
        # Health-related metadata: owner-only access. SQLite gives its -wal and -shm files the
        # database file's permissions. (Server keys live in the key file, server/keyfile.py.)
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = data_dir / DB_FILE
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten, not left in free pages (a room's counters after its
        # night, acknowledged envelopes): what is deleted is gone from the file.
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.executescript(_SCHEMA)
        self._migrate()
        self._locks: dict[str, asyncio.Lock] = {}
        self._members: dict[str, dict[str, str]] = {}
        self._sids: dict[str, dict[str, str]] = {}
        self._owner_of: dict[tuple[str, str], str] = {}
        self._owned: dict[str, set[tuple[str, str]]] = {}
        self._seq: dict[str, list[int]] = {}  # room -> [last given, leased ceiling on disk]
        self._beats: dict[str, float] = {}
        self._sessions: dict[bytes, dict[str, str]] = {}  # identity key -> sid -> owner
        self._claimed: dict[str, float] = {}
        self._hits: dict[tuple[str, int], int] = {}
        self._inbox_n = 0

    def __repr__(self) -> str:
        return "EmbeddedStore()"

    def _migrate(self) -> None:
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(inbox)")}
        if "sender" not in columns:  # files from before the per-sender cap
            self._db.execute("ALTER TABLE inbox ADD COLUMN sender BLOB NOT NULL DEFAULT x''")
        self._db.execute("CREATE INDEX IF NOT EXISTS inbox_sender ON inbox (recipient, sender)")

    def _one(self, sql: str, args: tuple[object, ...]) -> Any:
        return self._db.execute(sql, args).fetchone()

    def _has_secrets_table(self) -> bool:
        return self._one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                         ("secrets",)) is not None

    async def legacy_secret(self, name: str) -> bytes | None:
        """See Store (files written before the key file had a `secrets` table)."""
        if not self._has_secrets_table():
            return None
        row = self._one("SELECT value FROM secrets WHERE name = ?", (name,))
        return None if row is None else bytes(row[0])

    async def agree_public_key(self, public_key: bytes) -> bytes:
        """See Store (one process: nothing to agree with)."""
        return public_key

    async def drop_legacy_secret(self, name: str) -> None:
        """See Store. Overwrites the freed pages and the WAL, so the bytes leave the files."""
        if not self._has_secrets_table():
            return
        self._db.execute("PRAGMA secure_delete = ON")
        self._db.execute("DELETE FROM secrets WHERE name = ?", (name,))
        if self._one("SELECT 1 FROM secrets LIMIT 1", ()) is None:
            self._db.execute("DROP TABLE secrets")
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.execute("VACUUM")
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @asynccontextmanager
    async def lock(self, name: str) -> AsyncIterator[None]:
        """See Store."""
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            yield
        if not lock.locked() and self._locks.get(name) is lock:
            del self._locks[name]

    async def hit(self, key: str, window_seconds: int, now: float) -> int:
        """See Store (process memory: the counters need not survive a restart)."""
        window = int(now // window_seconds)
        if len(self._hits) >= MAX_HIT_COUNTERS:  # forget windows that are over
            self._hits = {k: v for k, v in self._hits.items() if k[1] >= window}
        count = self._hits.get((key, window), 0) + 1
        self._hits[(key, window)] = count
        return count

    async def claim_once(self, key: str, ttl_seconds: int) -> bool:
        """See Store. Claims are durable so a restart does not announce a transition twice.
        (Wall time here only forgets old claims; it is not a domain decision.)"""
        now = time.time()
        if self._claimed.get(key, 0.0) > now:
            return False  # the scheduler asks every second: answer repeats from memory
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM claims WHERE expires_at < ?", (now,))
            cur = self._db.execute("INSERT OR IGNORE INTO claims VALUES (?, ?)",
                                   (key, now + ttl_seconds))
        if len(self._claimed) > 10_000:
            self._claimed.clear()
        self._claimed[key] = now + ttl_seconds
        return cur.rowcount == 1

    @staticmethod
    def _binding(row: Any) -> Binding | None:
        if row is None:
            return None
        key, pseudonym, folded, last_seen = row
        return Binding(identity_key=bytes(key), pseudonym=str(pseudonym),
                       folded=str(folded), last_seen=float(last_seen))

    async def binding_of_key(self, identity_key: bytes) -> Binding | None:
        """See Store."""
        return self._binding(self._one(
            "SELECT identity_key, pseudonym, folded, last_seen FROM bindings "
            "WHERE identity_key = ?", (identity_key,)))

    async def binding_of_name(self, folded: str) -> Binding | None:
        """See Store."""
        return self._binding(self._one(
            "SELECT identity_key, pseudonym, folded, last_seen FROM bindings WHERE folded = ?",
            (folded,)))

    async def bind_if_free(self, binding: Binding, taken_since: float) -> bool:
        """See Store."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            holder = self._one("SELECT identity_key, last_seen FROM bindings WHERE folded = ?",
                               (binding.folded,))
            if holder is not None and bytes(holder[0]) != binding.identity_key \
                    and float(holder[1]) >= taken_since:
                return False
            self._db.execute("DELETE FROM bindings WHERE folded = ? OR identity_key = ?",
                             (binding.folded, binding.identity_key))
            self._db.execute("INSERT INTO bindings VALUES (?, ?, ?, ?)",
                             (binding.identity_key, binding.pseudonym, binding.folded,
                              binding.last_seen))
        return True

    async def touch(self, identity_key: bytes, now: float) -> None:
        """See Store."""
        self._db.execute("UPDATE bindings SET last_seen = ? WHERE identity_key = ?",
                         (now, identity_key))

    async def put_bundle(self, identity_key: bytes, bundle_json: str) -> None:
        """See Store."""
        self._db.execute("INSERT OR REPLACE INTO bundles VALUES (?, ?)",
                         (identity_key, bundle_json))

    async def get_bundle(self, identity_key: bytes) -> str | None:
        """See Store."""
        row = self._one("SELECT json FROM bundles WHERE identity_key = ?", (identity_key,))
        return None if row is None else str(row[0])

    async def add_one_time_prekeys(self, identity_key: bytes, prekeys_json: list[str],
                                   max_stored: int) -> int:
        """See Store."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT INTO otpks (identity_key, json) VALUES (?, ?)",
                                 [(identity_key, p) for p in prekeys_json])
            self._db.execute(
                "DELETE FROM otpks WHERE identity_key = ? AND n NOT IN (SELECT n FROM otpks "
                "WHERE identity_key = ? ORDER BY n DESC LIMIT ?)",
                (identity_key, identity_key, max_stored))
        return await self.count_one_time_prekeys(identity_key)

    async def pop_one_time_prekey(self, identity_key: bytes) -> str | None:
        """See Store."""
        row = self._one("DELETE FROM otpks WHERE n = (SELECT MIN(n) FROM otpks WHERE "
                        "identity_key = ?) RETURNING json", (identity_key,))
        return None if row is None else str(row[0])

    async def count_one_time_prekeys(self, identity_key: bytes) -> int:
        """See Store."""
        row = self._one("SELECT COUNT(*) FROM otpks WHERE identity_key = ?", (identity_key,))
        return int(row[0]) if row else 0

    async def room_members(self, room: str) -> dict[str, str]:
        """See Store."""
        return dict(self._members.get(room, {}))

    async def room_sids(self, room: str) -> dict[str, str]:
        """See Store."""
        return dict(self._sids.get(room, {}))

    async def room_add(self, room: str, sid: str, key_b64: str, member_json: str,
                       owner: str) -> None:
        """See Store."""
        self._sids.setdefault(room, {})[sid] = key_b64
        self._members.setdefault(room, {})[key_b64] = member_json
        self._owner_of[(room, sid)] = owner
        self._owned.setdefault(owner, set()).add((room, sid))

    def _disown(self, room: str, sid: str) -> None:
        owner = self._owner_of.pop((room, sid), None)
        if owner is not None:
            self._owned.get(owner, set()).discard((room, sid))

    async def room_remove_sid(self, room: str, sid: str) -> str | None:
        """See Store."""
        self._disown(room, sid)
        sids = self._sids.get(room, {})
        key = sids.pop(sid, None)
        if key is None or key in sids.values():
            return None
        self._members.get(room, {}).pop(key, None)
        if not sids:
            self._sids.pop(room, None)
            self._members.pop(room, None)
        return key

    async def room_clear(self, room: str) -> dict[str, str]:
        """See Store."""
        for sid in self._sids.pop(room, {}):
            self._disown(room, sid)
        return self._members.pop(room, {})

    async def heartbeat(self, owner: str, now: float) -> None:
        """See Store."""
        self._beats[owner] = now

    async def dead_owners(self, now: float, max_age: float) -> list[str]:
        """See Store."""
        return sorted(o for o, beat in self._beats.items() if now - beat > max_age)

    async def owner_connections(self, owner: str) -> list[tuple[str, str]]:
        """See Store."""
        return sorted(self._owned.get(owner, set()))

    async def forget_owner(self, owner: str) -> None:
        """See Store."""
        self._beats.pop(owner, None)
        for pair in self._owned.pop(owner, set()):
            self._owner_of.pop(pair, None)
        for key, sids in list(self._sessions.items()):
            for sid in [s for s, o in sids.items() if o == owner]:
                del sids[sid]
            if not sids:
                del self._sessions[key]

    async def session_add(self, identity_key: bytes, sid: str, owner: str, cap: int) -> bool:
        """See Store."""
        sids = self._sessions.setdefault(identity_key, {})
        if sid not in sids and len(sids) >= cap:
            return False
        sids[sid] = owner
        return True

    async def session_remove(self, identity_key: bytes, sid: str) -> None:
        """See Store."""
        sids = self._sessions.get(identity_key, {})
        sids.pop(sid, None)
        if not sids:
            self._sessions.pop(identity_key, None)

    def _bump(self, room: str, name: str) -> int:
        row = self._one(
            "INSERT INTO counters VALUES (?, ?, 1) ON CONFLICT (room, name) "
            "DO UPDATE SET value = value + 1 RETURNING value", (room, name))
        assert row is not None
        return int(row[0])

    async def next_epoch(self, room: str) -> int:
        """See Store."""
        return self._bump(room, "epoch")

    async def epoch(self, room: str) -> int:
        """See Store."""
        row = self._one("SELECT value FROM counters WHERE room = ? AND name = 'epoch'", (room,))
        return int(row[0]) if row else 0

    async def next_seq(self, room: str) -> int:
        """See Store. Numbers come from memory; the file holds a ceiling leased `SEQ_LEASE` at
        a time (one write per `SEQ_LEASE` envelopes), and `close` writes the last number given.
        After a crash numbering goes on above the ceiling: a gap, never a number given twice."""
        state = self._seq.get(room)
        if state is None:
            row = self._one("SELECT value FROM counters WHERE room = ? AND name = 'seq'", (room,))
            last = int(row[0]) if row else 0
            state = self._seq[room] = [last, last]
        state[0] += 1
        if state[0] > state[1]:
            state[1] = state[0] + SEQ_LEASE - 1
            self._set_seq(room, state[1])
        return state[0]

    def _set_seq(self, room: str, value: int) -> None:
        self._db.execute("INSERT INTO counters VALUES (?, 'seq', ?) ON CONFLICT (room, name) "
                         "DO UPDATE SET value = excluded.value", (room, value))

    async def room_has_sid(self, room: str, sid: str) -> bool:
        """See Store."""
        return sid in self._sids.get(room, ())

    async def room_forget(self, room: str) -> None:
        """See Store."""
        with self._db:
            self._db.execute("DELETE FROM counters WHERE room = ?", (room,))
        self._seq.pop(room, None)  # the in-memory sequence lease goes with the night too
        # The write-ahead log still holds the old pages until a checkpoint; once a night.
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def inbox_put(self, recipient: bytes, sender: bytes, envelope_id: str,
                        envelope_json: str, expires_at: float, now: float, cap: int,
                        per_sender_cap: int) -> bool:
        """See Store."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM inbox WHERE recipient = ? AND expires_at <= ?",
                             (recipient, now))
            row = self._one("SELECT COUNT(*), COALESCE(MAX(n), 0) FROM inbox "
                            "WHERE recipient = ?", (recipient,))
            assert row is not None
            if int(row[0]) >= cap:
                return False
            mine = self._one("SELECT COUNT(*) FROM inbox WHERE recipient = ? AND sender = ?",
                             (recipient, sender))
            if mine is not None and int(mine[0]) >= per_sender_cap:
                return False
            self._db.execute(
                "INSERT INTO inbox (id, recipient, json, expires_at, n, sender) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (envelope_id, recipient, envelope_json, expires_at, int(row[1]) + 1, sender))
        return True

    async def inbox_list(self, recipient: bytes, now: float, limit: int) -> list[str]:
        """See Store."""
        self._db.execute("DELETE FROM inbox WHERE recipient = ? AND expires_at <= ?",
                         (recipient, now))
        rows = self._db.execute("SELECT json FROM inbox WHERE recipient = ? ORDER BY n LIMIT ?",
                                (recipient, limit)).fetchall()
        return [str(r[0]) for r in rows]

    async def inbox_ack(self, recipient: bytes, ids: list[str]) -> int:
        """See Store."""
        if not ids:
            return 0
        marks = ",".join("?" * len(ids))
        cur = self._db.execute(f"DELETE FROM inbox WHERE recipient = ? AND id IN ({marks})",  # noqa: S608
                               (recipient, *ids))
        return int(cur.rowcount)

    async def inbox_sweep(self, now: float, max_recipients: int) -> int:
        """See Store. (Here the batch bounds envelopes rather than inboxes: same purpose.)"""
        cur = self._db.execute(
            "DELETE FROM inbox WHERE id IN (SELECT id FROM inbox WHERE expires_at <= ? LIMIT ?)",
            (now, max_recipients * 100))
        return int(cur.rowcount)

    async def inbox_total(self, now: float) -> int:
        """See Store."""
        row = self._one("SELECT COUNT(*) FROM inbox WHERE expires_at > ?", (now,))
        return int(row[0]) if row else 0

    async def close(self) -> None:
        """See Store."""
        for room, (last, _) in self._seq.items():
            self._set_seq(room, last)
        self._seq.clear()
        self._db.close()
