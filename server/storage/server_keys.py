"""Port: what the store knows of the server's keys: only the public room key every process must
agree on, and secrets older versions kept here (read once to move them to the key file)."""

from __future__ import annotations

from typing import Protocol


class ServerKeyStore(Protocol):
    """Public key agreement and the migration of legacy secrets."""

    async def legacy_secret(self, name: str) -> bytes | None:
        """A server secret an older version kept in the store (server secrets now live in the
        key file, server/keyfile.py); read once to migrate it."""
        ...

    async def drop_legacy_secret(self, name: str) -> None:
        """Delete a migrated secret so no copy of it stays in the store's files."""
        ...

    async def agree_public_key(self, public_key: bytes) -> bytes:
        """Record the server's public room key if none is recorded; return the recorded one (so
        a process started with another key file notices). Public, not a secret."""
        ...
