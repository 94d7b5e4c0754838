"""The moderation port: merged flags, alerts, the duty roster, sanctions and the audit log of
issue 10. The typed records are the pure models of `moderation/` (flags, alerts, sanctions,
audit); a store keeps them in the one JSON form of `moderation.records`.

Two implementations pass one contract suite (tests/server/storage/test_moderation_contract.py):
`server.storage.embedded.moderation.EmbeddedModerationStore` (SQLite `moderation.sqlite3` in the
data dir, a file of its own) and `server.storage.redis.moderation.RedisModerationStore` (on the
relay's Redis connection, durable with the append-only file on). `Stores.moderation` holds the
backend's one; `server.staff_wiring.open_moderation_store` opens it alone (the admin CLI).

Nothing stored here holds text a person typed or an address: flags and alerts are ids, levels
and categories; a sanction's free-text reason is the moderator's words to the person (shown to
them, never logged or audited); audit entries are `moderation.audit` rows.

Concurrency: the handlers change flags, alerts and sanctions under the relay store's lock
(`ClaimStore.lock`, `mod:alerts`), which is one lock across processes on Redis; the audit append is
itself atomic (a compare-and-set of the head, retried).
"""

from __future__ import annotations

from typing import Protocol

from moderation.audit import AuditEntry, AuditRow

__all__ = ["AuditConflict", "ModerationStore"]

AUDIT_APPEND_ATTEMPTS = 20
"""How often an append is retried when another process moved the head in between."""


class AuditConflict(Exception):
    """The audit head moved under an append too many times in a row."""


class ModerationStore(Protocol):
    """Where the moderation pipeline keeps its state."""

    # Flags: one merged record per (room, message id) ------------------------------------
    async def get_flags(self, room: str, message_id: str) -> str | None:
        """The merged-flags record (JSON) of one message."""
        ...

    async def put_flags(self, room: str, message_id: str, pseudonym: str, night: str,
                        record: str) -> None:
        """Write a message's merged flags (indexed by its writer's night, for the history)."""
        ...

    async def night_flags(self, night: str, pseudonym: str) -> list[str]:
        """Every merged-flags record of `pseudonym` in `night` (their risk history)."""
        ...

    async def drop_room(self, room: str) -> int:
        """Forget the room's flags (its night ended); returns how many were dropped."""
        ...

    # Alerts --------------------------------------------------------------------------------
    async def alert_for_message(self, room: str, message_id: str) -> str | None:
        """The alert record (JSON) open about a message, if any."""
        ...

    async def get_alert(self, alert_id: str) -> str | None:
        """One alert record (JSON)."""
        ...

    async def put_alert(self, alert_id: str, room: str, message_id: str, active: bool,
                        record: str) -> None:
        """Write an alert; `active` (open or acknowledged) keeps it in `active_alerts`."""
        ...

    async def active_alerts(self) -> list[str]:
        """Every open or acknowledged alert (for loads, deadlines and the night's end)."""
        ...

    # The duty roster (until staff sign in on the socket: keyed by user id) ------------------
    async def set_duty(self, staff_id: str, on: bool) -> None:
        """Put a moderator on or off duty."""
        ...

    async def on_duty(self) -> set[str]:
        """The staff ids on duty."""
        ...

    # Sanctions --------------------------------------------------------------------------------
    async def put_sanction(self, sanction_id: str, room: str | None, pseudonym: str | None,
                           is_ban: bool, record: str) -> None:
        """Write a sanction (new or lifted). Bans are indexed by pseudonym, the rest by room."""
        ...

    async def get_sanction(self, sanction_id: str) -> str | None:
        """One sanction record (JSON)."""
        ...

    async def sanctions_for(self, room: str, pseudonym: str | None) -> list[str]:
        """The room's sanctions and the pseudonym's bans (records; the caller checks time)."""
        ...

    async def last_sent(self, room: str, pseudonym: str) -> float | None:
        """When `pseudonym` last sent in `room` (for slow mode)."""
        ...

    async def set_last_sent(self, room: str, pseudonym: str, at: float, ttl: int) -> None:
        """Record a send (kept `ttl` seconds)."""
        ...

    # Audit -------------------------------------------------------------------------------------
    # Erasure (a person erasing their pseudonym) ---------------------------------------------
    async def erase_pseudonym(self, pseudonym: str, replacement: str, bans: list[str]) -> int:
        """Forget the pseudonym's flags (risk history, every night) and its sanctions other
        than bans; re-key its bans under `replacement`, their records rewritten to `bans` (one
        JSON per ban, its `id` field naming it, with the pseudonym replaced). Open and
        acknowledged alerts about the pseudonym go too. Returns how many rows went."""
        ...

    async def ban_records(self, pseudonym: str) -> list[str]:
        """The pseudonym's bans (records, ordered by id), lifted ones too."""
        ...

    async def audit_head(self) -> tuple[int, bytes] | None:
        """(seq, hash) of the last row, or None when the log is empty."""
        ...

    async def audit_try_append(self, expected: tuple[int, bytes] | None, entry: bytes,
                               row_hash: bytes) -> bool:
        """Append (canonical entry bytes, chain hash) only if the head is still `expected`."""
        ...

    async def audit_rows(self) -> list[tuple[bytes, bytes]]:
        """Every row as (entry bytes, stored hash), oldest first."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


def audit_row(entry: AuditEntry, row_hash: bytes) -> AuditRow:
    """An AuditRow from an entry and its stored hash."""
    return AuditRow(entry=entry, hash=row_hash)
