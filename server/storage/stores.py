"""The relay's stores, one port per aggregate, opened together on one backend.

    identities   IdentityStore    pseudonym bindings, authenticated sessions per key
    keys         KeyDirectory     bundles, one-time prekeys
    rooms        RoomStore        members, connections, counters, process heartbeats
    inbox        InboxStore       queued 1:1 envelopes
    claims       ClaimStore       locks, once-only claims, windowed counters
    server_keys  ServerKeyStore   public room key agreement, legacy secrets
    flags        FlagStore        merged flags per message, the night's risk history
    alerts       AlertStore       moderation alerts, active ones by message
    duty         DutyStore        moderators on duty (the alert pool)
    sanctions    SanctionStore    sanctions and room controls, last sends for slow mode
    audit        AuditStore       the hash-chained audit log
    cases        CaseStore        escalation cases, counsellor availability, encrypted notes
    changes      ChangeBus        "this changed" notices to the other processes' caches

`server.storage.embedded.open_embedded` (process memory + SQLite in the data dir) and
`server.storage.redis.open_redis` (shared by every process on one Redis) build one; both pass
the contract tests in tests/server/storage/. Staff accounts have their own store
(server/storage/staff.py) and file; the five moderation ports (flags to audit) share a file of
their own on the embedded backend (`moderation.sqlite3`, so the admin CLI verifies the audit
log while the server runs). Every port takes and returns typed records: server/domain/records.py
for the relay's, the pure models of `moderation/` for the moderation ports.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from server.storage.alerts import AlertStore
from server.storage.audit import AuditStore
from server.storage.cases import CaseStore
from server.storage.changes import ChangeBus, LocalChanges
from server.storage.claims import ClaimStore
from server.storage.duty import DutyStore
from server.storage.flags import FlagStore
from server.storage.identities import IdentityStore
from server.storage.inbox import InboxStore
from server.storage.keydir import KeyDirectory
from server.storage.rooms import RoomStore
from server.storage.sanctions import SanctionStore
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
    flags: FlagStore
    alerts: AlertStore
    duty: DutyStore
    sanctions: SanctionStore
    audit: AuditStore
    cases: CaseStore
    closer: Callable[[], Awaitable[None]]
    backend: str
    changes: ChangeBus = field(default_factory=LocalChanges)  # notices for process caches

    def __repr__(self) -> str:
        return f"Stores(backend={self.backend!r})"

    async def close(self) -> None:
        """Release connections and files."""
        await self.closer()
