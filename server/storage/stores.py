"""The relay's stores, one port per aggregate, opened together on one backend.

    identities   IdentityStore    pseudonym bindings, authenticated sessions per key
    keys         KeyDirectory     bundles, one-time prekeys
    rooms        RoomStore        members, connections, counters, process heartbeats
    inbox        InboxStore       queued 1:1 envelopes
    claims       ClaimStore       locks, once-only claims, windowed counters
    server_keys  ServerKeyStore   public room key agreement, legacy secrets
    moderation   ModerationStore  flags, alerts, duty roster, sanctions, audit log (issue 10)

`server.storage.embedded.open_embedded` (process memory + SQLite in the data dir) and
`server.storage.redis.open_redis` (shared by every process on one Redis) build one; both pass
the contract tests in tests/server/storage/. Staff accounts have their own store
(server/storage/staff.py) and file; the embedded moderation store has its own file too
(`moderation.sqlite3`, so the admin CLI verifies the audit log while the server runs).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from server.storage.claims import ClaimStore
from server.storage.identities import IdentityStore
from server.storage.inbox import InboxStore
from server.storage.keydir import KeyDirectory
from server.storage.moderation import ModerationStore
from server.storage.rooms import RoomStore
from server.storage.server_keys import ServerKeyStore


@dataclass(frozen=True, kw_only=True)
class Stores:
    """One backend's stores; `close` releases its connections and files."""

    identities: IdentityStore
    keys: KeyDirectory
    rooms: RoomStore
    inbox: InboxStore
    claims: ClaimStore
    server_keys: ServerKeyStore
    moderation: ModerationStore
    closer: Callable[[], Awaitable[None]]
    backend: str

    def __repr__(self) -> str:
        return f"Stores(backend={self.backend!r})"

    async def close(self) -> None:
        """Release connections and files."""
        await self.closer()
