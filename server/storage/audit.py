"""Port: the hash-chained audit log (moderation/audit.py): rows of (entry, chain hash), oldest
first, appended with a compare-and-set of the head so several processes chain onto one another.

The records are `moderation.audit.AuditRow`; the adapters store the canonical entry bytes of
`moderation.audit.encode_entry` with the hash (byte-compatible with the stores written before
the ports were typed). Reading decodes each row; a row whose bytes no longer decode comes back
as `Undecodable`, so `audit --verify` can name it instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from moderation.audit import AuditRow, decode_entry
from moderation.limits import RuleError

__all__ = ["AUDIT_APPEND_ATTEMPTS", "AuditConflict", "AuditStore", "Head", "Undecodable",
           "decode_rows"]

AUDIT_APPEND_ATTEMPTS = 20
"""How often an append is retried when another process moved the head in between."""

Head = tuple[int, bytes]
"""(seq, hash) of the last row."""


class AuditConflict(Exception):
    """The audit head moved under an append too many times in a row."""


@dataclass(frozen=True)
class Undecodable:
    """A stored row whose entry bytes are not an audit entry (tampered or corrupt)."""

    index: int
    hash: bytes

    def __repr__(self) -> str:
        return f"Undecodable(index={self.index})"


class AuditStore(Protocol):
    """The audit log's rows and its head."""

    async def head(self) -> Head | None:
        """(seq, hash) of the last row, or None when the log is empty."""
        ...

    async def try_append(self, expected: Head | None, row: AuditRow) -> bool:
        """Append `row` only if the head is still `expected` (atomic)."""
        ...

    async def rows(self) -> list[AuditRow | Undecodable]:
        """Every row, oldest first."""
        ...


def decode_rows(raw: list[tuple[bytes, bytes]]) -> list[AuditRow | Undecodable]:
    """Stored (entry bytes, hash) pairs as rows."""
    out: list[AuditRow | Undecodable] = []
    for i, (entry, digest) in enumerate(raw):
        try:
            out.append(AuditRow(entry=decode_entry(entry), hash=digest))
        except RuleError:
            out.append(Undecodable(index=i, hash=digest))
    return out
