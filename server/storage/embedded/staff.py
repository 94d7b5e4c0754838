"""Staff port on SQLite: `staff.sqlite3` in the data dir, owner-only.

A file of its own (not the relay's), so `python -m server admin ...` can write to it while the
server runs without either ever meeting the other's write lock on the busy relay file. Every
compare-and-set is one UPDATE ... WHERE, atomic across the processes that open the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from server.storage.embedded.sqlite_file import open_private
from server.storage.staff import StaffAccount, StaffInvite, StaffSession

DB_FILE = "staff.sqlite3"
BUSY_TIMEOUT_MS = 5000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS staff_accounts (
    folded TEXT PRIMARY KEY, username TEXT NOT NULL, role TEXT NOT NULL,
    password_hash TEXT NOT NULL, totp_sealed BLOB NOT NULL, totp_confirmed INTEGER NOT NULL,
    totp_last_step INTEGER NOT NULL, disabled INTEGER NOT NULL, created_at REAL NOT NULL,
    failures INTEGER NOT NULL, last_failure_at REAL NOT NULL, lead INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS staff_sessions (
    token_hash TEXT PRIMARY KEY, folded TEXT NOT NULL, role TEXT NOT NULL,
    created_at REAL NOT NULL, last_seen REAL NOT NULL, expires_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS staff_sessions_folded ON staff_sessions (folded);
CREATE TABLE IF NOT EXISTS staff_keys (
    folded TEXT PRIMARY KEY, identity_key BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS staff_invites (
    code_hash TEXT PRIMARY KEY, role TEXT NOT NULL, created_at REAL NOT NULL,
    expires_at REAL NOT NULL);
"""


def _account(row: Any) -> StaffAccount:
    # Columns in the order of the schema above.
    return StaffAccount(folded=row[0], username=row[1], role=row[2], password_hash=row[3],
                        totp_sealed=bytes(row[4]), totp_confirmed=bool(row[5]),
                        totp_last_step=int(row[6]), disabled=bool(row[7]),
                        created_at=float(row[8]), failures=int(row[9]),
                        last_failure_at=float(row[10]), lead=bool(row[11]))


def _session(row: Any) -> StaffSession:
    return StaffSession(token_hash=row[0], folded=row[1], role=row[2], created_at=row[3],
                        last_seen=row[4], expires_at=row[5])


class EmbeddedStaffStore:
    """StaffStore on SQLite."""

    def __init__(self, data_dir: Path) -> None:
        self._db = open_private(data_dir, DB_FILE, busy_timeout_ms=BUSY_TIMEOUT_MS,
                                schema=_SCHEMA)
        columns = {str(r[1]) for r in self._db.execute("PRAGMA table_info(staff_accounts)")}
        if "lead" not in columns:  # a file made before leads existed
            self._db.execute(
                "ALTER TABLE staff_accounts ADD COLUMN lead INTEGER NOT NULL DEFAULT 0")

    def __repr__(self) -> str:
        return "EmbeddedStaffStore()"

    def _changed(self, sql: str, args: tuple[object, ...]) -> bool:
        return self._db.execute(sql, args).rowcount > 0

    async def create_account(self, account: StaffAccount) -> bool:
        """See StaffStore."""
        a = account
        return self._changed(
            "INSERT OR IGNORE INTO staff_accounts (folded, username, role, password_hash, "
            "totp_sealed, totp_confirmed, totp_last_step, disabled, created_at, failures, "
            "last_failure_at, lead) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (a.folded, a.username, a.role, a.password_hash, a.totp_sealed, int(a.totp_confirmed),
             a.totp_last_step, int(a.disabled), a.created_at, a.failures, a.last_failure_at,
             int(a.lead)))

    async def get_account(self, folded: str) -> StaffAccount | None:
        """See StaffStore."""
        row = self._db.execute("SELECT * FROM staff_accounts WHERE folded = ?", (folded,)).fetchone()
        return None if row is None else _account(row)

    async def list_accounts(self) -> list[StaffAccount]:
        """See StaffStore."""
        rows = self._db.execute("SELECT * FROM staff_accounts ORDER BY folded")
        return [_account(row) for row in rows]

    async def is_staff_name(self, folded: str) -> bool:
        """See StaffStore."""
        return self._db.execute("SELECT 1 FROM staff_accounts WHERE folded = ?",
                                (folded,)).fetchone() is not None

    async def bind_key(self, folded: str, identity_key: bytes) -> bytes | None:
        """See StaffStore."""
        with self._db:  # one transaction: read the old key and write the new one together
            row = self._db.execute("SELECT identity_key FROM staff_keys WHERE folded = ?",
                                   (folded,)).fetchone()
            self._db.execute("INSERT OR REPLACE INTO staff_keys VALUES (?, ?)",
                             (folded, identity_key))
        return None if row is None else bytes(row[0])

    async def bound_keys(self) -> dict[str, bytes]:
        """See StaffStore."""
        return {r[0]: bytes(r[1]) for r in
                self._db.execute("SELECT folded, identity_key FROM staff_keys ORDER BY folded")}

    async def set_lead(self, folded: str, lead: bool) -> bool:
        """See StaffStore."""
        return self._changed("UPDATE staff_accounts SET lead = ? WHERE folded = ?",
                             (int(lead), folded))

    async def set_disabled(self, folded: str, disabled: bool) -> bool:
        """See StaffStore."""
        return self._changed("UPDATE staff_accounts SET disabled = ? WHERE folded = ?",
                             (int(disabled), folded))

    async def set_totp(self, folded: str, sealed: bytes) -> bool:
        """See StaffStore."""
        return self._changed(
            "UPDATE staff_accounts SET totp_sealed = ?, totp_confirmed = 0, totp_last_step = 0 "
            "WHERE folded = ?", (sealed, folded))

    async def use_totp_step(self, folded: str, step: int) -> bool:
        """See StaffStore."""
        return self._changed(
            "UPDATE staff_accounts SET totp_last_step = ?, totp_confirmed = 1 "
            "WHERE folded = ? AND totp_last_step < ?", (step, folded, step))

    async def set_password_hash(self, folded: str, password_hash: str) -> bool:
        """See StaffStore."""
        return self._changed("UPDATE staff_accounts SET password_hash = ? WHERE folded = ?",
                             (password_hash, folded))

    async def claim_attempt(self, folded: str, expected_failures: int, now: float) -> bool:
        """See StaffStore."""
        return self._changed(
            "UPDATE staff_accounts SET failures = failures + 1, last_failure_at = ? "
            "WHERE folded = ? AND failures = ?", (now, folded, expected_failures))

    async def reset_failures(self, folded: str) -> None:
        """See StaffStore."""
        self._db.execute("UPDATE staff_accounts SET failures = 0 WHERE folded = ?", (folded,))

    async def session_put(self, session: StaffSession) -> None:
        """See StaffStore."""
        s = session
        self._db.execute("INSERT OR REPLACE INTO staff_sessions VALUES (?, ?, ?, ?, ?, ?)",
                         (s.token_hash, s.folded, s.role, s.created_at, s.last_seen,
                          s.expires_at))

    async def session_get(self, token_hash: str) -> StaffSession | None:
        """See StaffStore."""
        row = self._db.execute("SELECT * FROM staff_sessions WHERE token_hash = ?",
                               (token_hash,)).fetchone()
        return None if row is None else _session(row)

    async def session_touch(self, token_hash: str, now: float) -> None:
        """See StaffStore."""
        self._db.execute("UPDATE staff_sessions SET last_seen = ? WHERE token_hash = ?",
                         (now, token_hash))

    async def session_delete(self, token_hash: str) -> bool:
        """See StaffStore."""
        return self._changed("DELETE FROM staff_sessions WHERE token_hash = ?", (token_hash,))

    async def revoke_sessions(self, folded: str) -> int:
        """See StaffStore."""
        return self._db.execute("DELETE FROM staff_sessions WHERE folded = ?",
                                (folded,)).rowcount

    async def invite_put(self, invite: StaffInvite) -> None:
        """See StaffStore."""
        i = invite
        self._db.execute("INSERT OR REPLACE INTO staff_invites VALUES (?, ?, ?, ?)",
                         (i.code_hash, i.role, i.created_at, i.expires_at))

    async def invite_take(self, code_hash: str, now: float) -> StaffInvite | None:
        """See StaffStore."""
        row = self._db.execute("DELETE FROM staff_invites WHERE code_hash = ? RETURNING *",
                               (code_hash,)).fetchone()
        if row is None or now >= row[3]:
            return None
        return StaffInvite(code_hash=row[0], role=row[1], created_at=row[2], expires_at=row[3])

    async def sweep(self, now: float) -> int:
        """See StaffStore."""
        gone = self._db.execute("DELETE FROM staff_sessions WHERE expires_at <= ?",
                                (now,)).rowcount
        return gone + self._db.execute("DELETE FROM staff_invites WHERE expires_at <= ?",
                                       (now,)).rowcount

    async def close(self) -> None:
        """See StaffStore."""
        self._db.close()
