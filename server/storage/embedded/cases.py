"""CaseStore on the embedded store: SQLite, one transaction per change.

    cases        id, version, record JSON, and the indexes of `server.storage.cases.indexes`;
                 a unique partial index holds one open case per pseudonym
    case_notes   encrypted notes per case
    counsellors  availability records
    duty         finished duty intervals

`replace` is `UPDATE ... WHERE id = ? AND version = ?`: the compare-and-set is one statement.
"""

from __future__ import annotations

import sqlite3

from escalation.case import TERMINAL, Case, anonymised
from escalation.health import DutyInterval
from server.storage.cases import (
    MAX_NOTES_PER_CASE,
    CounsellorRecord,
    case_from_json,
    case_json,
    duty_from_json,
    duty_json,
    indexes,
)
from server.storage.embedded.db import Database


def _row(case: Case) -> tuple[object, ...]:
    ix = indexes(case)
    return (case.version, case_json(case), case.pseudonym, 1 if ix.open else 0, ix.queue_score,
            ix.due_at, ix.closed_at, ix.claimed_at)


class EmbeddedCases:
    """One process, one SQLite file."""

    def __init__(self, db: Database) -> None:
        self._d = db

    def __repr__(self) -> str:
        return "EmbeddedCases()"

    def _cases(self, sql: str, args: tuple[object, ...]) -> list[Case]:
        return [case_from_json(row[0]) for row in self._d.db.execute(sql, args)]

    async def create(self, case: Case) -> bool:
        """See CaseStore."""
        try:
            self._d.db.execute(
                "INSERT INTO cases (version, json, pseudonym, open, queue_score, due_at, "
                "closed_at, claimed_at, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*_row(case), case.id))
        except sqlite3.IntegrityError:  # the id, or the person's open case, exists
            return False
        return True

    async def get(self, case_id: str) -> Case | None:
        """See CaseStore."""
        row = self._d.one("SELECT json FROM cases WHERE id = ?", (case_id,))
        return None if row is None else case_from_json(row[0])

    async def open_of(self, pseudonym: str) -> Case | None:
        """See CaseStore."""
        row = self._d.one("SELECT json FROM cases WHERE pseudonym = ? AND open = 1", (pseudonym,))
        return None if row is None else case_from_json(row[0])

    async def replace(self, case: Case, *, expected_version: int) -> bool:
        """See CaseStore."""
        if case.version <= expected_version:
            return False
        try:
            cur = self._d.db.execute(
                "UPDATE cases SET version = ?, json = ?, pseudonym = ?, open = ?, "
                "queue_score = ?, due_at = ?, closed_at = ?, claimed_at = ? "
                "WHERE id = ? AND version = ?", (*_row(case), case.id, expected_version))
        except sqlite3.IntegrityError:  # reopening while the person has another open case
            return False
        return cur.rowcount == 1

    async def waiting(self, limit: int) -> list[Case]:
        """See CaseStore."""
        return self._cases("SELECT json FROM cases WHERE queue_score IS NOT NULL "
                           "ORDER BY queue_score, id LIMIT ?", (limit,))

    async def due(self, now: float, limit: int) -> list[Case]:
        """See CaseStore."""
        return self._cases("SELECT json FROM cases WHERE due_at IS NOT NULL AND due_at <= ? "
                           "ORDER BY due_at, id LIMIT ?", (now, limit))

    async def open_cases(self, limit: int) -> list[Case]:
        """See CaseStore."""
        return self._cases("SELECT json FROM cases WHERE open = 1 ORDER BY id LIMIT ?", (limit,))

    async def claimed_since(self, since: float, limit: int) -> list[Case]:
        """See CaseStore."""
        return self._cases("SELECT json FROM cases WHERE claimed_at >= ? "
                           "ORDER BY claimed_at DESC LIMIT ?", (since, limit))

    async def put_counsellor(self, record: CounsellorRecord) -> None:
        """See CaseStore."""
        self._d.db.execute("INSERT OR REPLACE INTO counsellors VALUES (?, ?)",
                           (record.id, record.to_json()))

    async def counsellor(self, counsellor_id: str) -> CounsellorRecord | None:
        """See CaseStore."""
        row = self._d.one("SELECT json FROM counsellors WHERE id = ?", (counsellor_id,))
        return None if row is None else CounsellorRecord.from_json(row[0])

    async def counsellors(self) -> list[CounsellorRecord]:
        """See CaseStore."""
        return [CounsellorRecord.from_json(row[0])
                for row in self._d.db.execute("SELECT json FROM counsellors ORDER BY id")]

    async def add_duty(self, interval: DutyInterval) -> None:
        """See CaseStore."""
        assert interval.end is not None
        self._d.db.execute("INSERT OR IGNORE INTO duty VALUES (?, ?)",
                           (duty_json(interval), interval.end))

    async def duty_since(self, since: float) -> list[DutyInterval]:
        """See CaseStore."""
        return [duty_from_json(row[0]) for row in self._d.db.execute(
            "SELECT json FROM duty WHERE ended_at >= ? ORDER BY ended_at", (since,))]

    async def add_note(self, case_id: str, ciphertext: bytes) -> bool:
        """See CaseStore."""
        db = self._d.db
        with db:
            db.execute("BEGIN IMMEDIATE")
            if self._d.one("SELECT 1 FROM cases WHERE id = ?", (case_id,)) is None:
                return False
            count = self._d.one("SELECT COUNT(*) FROM case_notes WHERE case_id = ?", (case_id,))
            if count[0] >= MAX_NOTES_PER_CASE:
                return False
            db.execute("INSERT INTO case_notes (case_id, blob) VALUES (?, ?)",
                       (case_id, ciphertext))
        return True

    async def notes(self, case_id: str) -> list[bytes]:
        """See CaseStore."""
        return [bytes(row[0]) for row in self._d.db.execute(
            "SELECT blob FROM case_notes WHERE case_id = ? ORDER BY n", (case_id,))]

    async def add_team_wraps(self, epoch: int, team_key: bytes, wraps: dict[bytes, str],
                             *, new_epoch: bool) -> bool:
        """See CaseStore."""
        db = self._d.db
        with db:
            db.execute("BEGIN IMMEDIATE")
            last = self._d.one("SELECT MAX(epoch) FROM team_keys", ())[0] or 0
            if new_epoch:
                if epoch != last + 1:
                    return False
                db.execute("INSERT INTO team_keys (epoch, team_key) VALUES (?, ?)",
                           (epoch, team_key))
            else:
                row = self._d.one("SELECT team_key FROM team_keys WHERE epoch = ?", (epoch,))
                if row is None or bytes(row[0]) != team_key:
                    return False
            for to, wire in wraps.items():
                db.execute("INSERT OR IGNORE INTO team_wraps (epoch, to_key, json) "
                           "VALUES (?, ?, ?)", (epoch, to, wire))
        return True

    async def team_keys(self) -> dict[int, bytes]:
        """See CaseStore."""
        return {int(row[0]): bytes(row[1]) for row in self._d.db.execute(
            "SELECT epoch, team_key FROM team_keys ORDER BY epoch")}

    async def team_wraps(self, to: bytes) -> list[str]:
        """See CaseStore."""
        return [str(row[0]) for row in self._d.db.execute(
            "SELECT json FROM team_wraps WHERE to_key = ? ORDER BY epoch", (to,))]

    async def forget_person(self, pseudonym: str) -> list[str]:
        """See CaseStore."""
        db = self._d.db
        done: list[str] = []
        with db:
            db.execute("BEGIN IMMEDIATE")
            for case in self._cases("SELECT json FROM cases WHERE pseudonym = ? AND open = 0",
                                    (pseudonym,)):
                if case.pseudonym != pseudonym or case.state not in TERMINAL:
                    continue
                kept = anonymised(case)
                db.execute("UPDATE cases SET version = ?, json = ?, pseudonym = ?, open = ?, "
                           "queue_score = ?, due_at = ?, closed_at = ?, claimed_at = ? "
                           "WHERE id = ? AND version = ?", (*_row(kept), kept.id, case.version))
                done.append(kept.id)
        return sorted(done)

    async def delete_finished(self, before: float, limit: int) -> list[str]:
        """See CaseStore."""
        db = self._d.db
        with db:
            db.execute("BEGIN IMMEDIATE")
            ids = [row[0] for row in db.execute(
                "SELECT id FROM cases WHERE closed_at IS NOT NULL AND closed_at <= ? "
                "ORDER BY closed_at LIMIT ?", (before, limit))]
            for case_id in ids:
                db.execute("DELETE FROM case_notes WHERE case_id = ?", (case_id,))
                db.execute("DELETE FROM cases WHERE id = ?", (case_id,))
            db.execute("DELETE FROM duty WHERE ended_at <= ?", (before,))
        return ids
