"""Appending to and verifying the hash-chained audit log (the encoding is moderation/audit.py).

`append` chains the entry onto the stored head and writes it with the store's compare-and-set,
retrying when another process appended in between, so sequence numbers stay consecutive and
every row's hash covers the one before, on both backends. Entries carry ids, codes and levels
only (`moderation.audit.DETAIL_KEYS`): never a typed reason, a message or an address.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from moderation.audit import (
    GENESIS,
    AuditEntry,
    AuditRow,
    Detail,
    chain_hash,
    verify,
)
from server.clock import Clock
from server.storage.audit import AUDIT_APPEND_ATTEMPTS, AuditConflict, AuditStore, Undecodable


async def append(store: AuditStore, clock: Clock, *, actor: str, action: str,
                 room: str | None = None, pseudonym: str | None = None,
                 details: Mapping[str, Detail] | None = None) -> AuditRow:
    """Append one entry at the clock's time; returns the stored row."""
    for _ in range(AUDIT_APPEND_ATTEMPTS):
        head = await store.head()
        seq = 0 if head is None else head[0] + 1
        prev = GENESIS if head is None else head[1]
        entry = AuditEntry(seq=seq, at_ms=int(clock.now() * 1000), actor=actor, action=action,
                           room=room, pseudonym=pseudonym, details=dict(details or {}))
        row = AuditRow(entry=entry, hash=chain_hash(prev, entry))
        if await store.try_append(head, row):
            return row
    raise AuditConflict("the audit head kept moving")


@dataclass(frozen=True)
class Verification:
    """The result of checking the whole chain."""

    rows: int
    broken_at: int | None  # index (= expected seq) of the first broken row
    reason: str = ""


async def check_chain(store: AuditStore) -> Verification:
    """Verify the chain of every stored row; name the first broken link."""
    raw = await store.rows()
    rows: list[AuditRow] = []
    for i, row in enumerate(raw):
        if isinstance(row, Undecodable):
            broken = verify(rows)
            return Verification(rows=len(raw), broken_at=i if broken is None else broken,
                                reason="undecodable" if broken is None else "hash")
        rows.append(row)
    broken = verify(rows)
    return Verification(rows=len(raw), broken_at=broken, reason="" if broken is None else "hash")
