"""IdentityStore on the embedded store: bindings in SQLite, sessions in memory."""

from __future__ import annotations

from typing import Any

from server.domain.records import Binding
from server.storage.embedded.db import Database

_COLUMNS = "identity_key, pseudonym, folded, last_seen"


def _binding(row: Any) -> Binding | None:
    if row is None:
        return None
    key, pseudonym, folded, last_seen = row
    return Binding(identity_key=bytes(key), pseudonym=str(pseudonym), folded=str(folded),
                   last_seen=float(last_seen))


class EmbeddedIdentities:
    """Single process: sessions need no sharing."""

    def __init__(self, db: Database) -> None:
        self._d = db
        self._sessions: dict[bytes, dict[str, str]] = {}  # identity key -> sid -> owner

    def __repr__(self) -> str:
        return "EmbeddedIdentities()"

    async def binding_of_key(self, identity_key: bytes) -> Binding | None:
        """See IdentityStore."""
        return _binding(self._d.one(f"SELECT {_COLUMNS} FROM bindings WHERE identity_key = ?",  # noqa: S608
                                    (identity_key,)))

    async def binding_of_name(self, folded: str) -> Binding | None:
        """See IdentityStore."""
        return _binding(self._d.one(f"SELECT {_COLUMNS} FROM bindings WHERE folded = ?",  # noqa: S608
                                    (folded,)))

    async def bind_if_free(self, binding: Binding, taken_since: float) -> bool:
        """See IdentityStore."""
        db = self._d.db
        with db:
            db.execute("BEGIN IMMEDIATE")
            holder = self._d.one("SELECT identity_key, last_seen FROM bindings WHERE folded = ?",
                                 (binding.folded,))
            if holder is not None and bytes(holder[0]) != binding.identity_key \
                    and float(holder[1]) >= taken_since:
                return False
            db.execute("DELETE FROM bindings WHERE folded = ? OR identity_key = ?",
                       (binding.folded, binding.identity_key))
            db.execute("INSERT INTO bindings VALUES (?, ?, ?, ?)",
                       (binding.identity_key, binding.pseudonym, binding.folded,
                        binding.last_seen))
        return True

    async def touch(self, identity_key: bytes, now: float) -> None:
        """See IdentityStore."""
        self._d.db.execute("UPDATE bindings SET last_seen = ? WHERE identity_key = ?",
                           (now, identity_key))

    async def session_add(self, identity_key: bytes, sid: str, owner: str, cap: int) -> bool:
        """See IdentityStore."""
        sids = self._sessions.setdefault(identity_key, {})
        if sid not in sids and len(sids) >= cap:
            return False
        sids[sid] = owner
        return True

    async def session_remove(self, identity_key: bytes, sid: str) -> None:
        """See IdentityStore."""
        sids = self._sessions.get(identity_key, {})
        sids.pop(sid, None)
        if not sids:
            self._sessions.pop(identity_key, None)

    async def forget_owner(self, owner: str) -> None:
        """See IdentityStore."""
        for key, sids in list(self._sessions.items()):
            for sid in [s for s, o in sids.items() if o == owner]:
                del sids[sid]
            if not sids:
                del self._sessions[key]

    async def erase(self, identity_key: bytes) -> None:
        """See IdentityStore."""
        self._d.db.execute("DELETE FROM bindings WHERE identity_key = ?", (identity_key,))
        self._d.forget_wal()
