"""The storage port: everything the relay keeps, as one `typing.Protocol`.

Two implementations pass the same contract suite (tests/server/test_store_contract.py):
`server.storage.embedded.EmbeddedStore` (process memory + SQLite in the data dir) and
`server.storage.redis_store.RedisStore` (shared by every process on one Redis).

Durable: pseudonym bindings, key bundles, inbox envelopes, room counters.
Ephemeral: room membership (a room lives for one night; nothing carries over).
Identity keys are passed as raw bytes; stored values are opaque JSON strings the handlers own.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, kw_only=True)
class Binding:
    """A pseudonym bound to an identity key, last seen at `last_seen` (Unix seconds)."""

    identity_key: bytes
    pseudonym: str
    folded: str
    last_seen: float

    def __repr__(self) -> str:
        return f"Binding(last_seen={self.last_seen})"


class Store(Protocol):
    """Everything the handlers keep. All methods are coroutine-safe."""

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

    def lock(self, name: str) -> AbstractAsyncContextManager[None]:
        """A mutual-exclusion lock shared by every process on this store."""
        ...

    async def claim_once(self, key: str, ttl_seconds: int) -> bool:
        """True for exactly one caller per `key` within `ttl_seconds` (scheduler transitions)."""
        ...

    # Pseudonyms ---------------------------------------------------------------------------------
    async def binding_of_key(self, identity_key: bytes) -> Binding | None:
        """The binding last made for this key (its name may since have been taken over)."""
        ...

    async def binding_of_name(self, folded: str) -> Binding | None:
        """The key currently holding the folded name, if any."""
        ...

    async def bind_if_free(self, binding: Binding, taken_since: float) -> bool:
        """Bind the name to the key, releasing the key's previous name, unless another key
        holds the name and was seen at or after `taken_since` (then False, nothing changed).
        A lapsed holder loses its binding. Atomic in both directions: racing calls never leave
        a name with two keys nor a key with two names, on every process."""
        ...

    async def touch(self, identity_key: bytes, now: float) -> None:
        """Record that the key was seen now (keeps its name reserved for the window)."""
        ...

    # Key directory ------------------------------------------------------------------------------
    async def put_bundle(self, identity_key: bytes, bundle_json: str) -> None:
        """Store (replace) the key's published bundle."""
        ...

    async def get_bundle(self, identity_key: bytes) -> str | None:
        """The key's bundle JSON, or None."""
        ...

    async def add_one_time_prekeys(self, identity_key: bytes, prekeys_json: list[str],
                                   max_stored: int) -> int:
        """Append one-time prekeys (dropping the oldest beyond `max_stored`); return the count."""
        ...

    async def pop_one_time_prekey(self, identity_key: bytes) -> str | None:
        """Remove and return the oldest one-time prekey JSON, or None."""
        ...

    async def count_one_time_prekeys(self, identity_key: bytes) -> int:
        """How many one-time prekeys are left."""
        ...

    async def hit(self, key: str, window_seconds: int, now: float) -> int:
        """Count one event for `key` in the fixed window holding `now` (windows start at
        multiples of `window_seconds`); return the count so far in that window. Shared by
        every process; old windows are forgotten."""
        ...

    # Rooms --------------------------------------------------------------------------------------
    async def room_members(self, room: str) -> dict[str, str]:
        """identity key (b64) -> member JSON, for every member of the room."""
        ...

    async def room_sids(self, room: str) -> dict[str, str]:
        """connection id -> identity key (b64), for every connection in the room."""
        ...

    async def room_has_sid(self, room: str, sid: str) -> bool:
        """True if the connection is in the room (one lookup, not the room's whole list)."""
        ...

    async def room_add(self, room: str, sid: str, key_b64: str, member_json: str,
                       owner: str) -> None:
        """Add a connection (and its member record) to the room. `owner` names the server
        process holding the connection (see `dead_owners`). Call under the room lock."""
        ...

    async def room_remove_sid(self, room: str, sid: str) -> str | None:
        """Drop a connection; return its key (b64) if that key has no connection left in the
        room (so it is no longer a member), else None. Call under the room lock."""
        ...

    async def room_clear(self, room: str) -> dict[str, str]:
        """Remove everyone; return the members that were there. Call under the room lock."""
        ...

    async def heartbeat(self, owner: str, now: float) -> None:
        """Record that server process `owner` is alive at `now`."""
        ...

    async def dead_owners(self, now: float, max_age: float) -> list[str]:
        """Processes whose last heartbeat is older than `max_age` seconds."""
        ...

    async def owner_connections(self, owner: str) -> list[tuple[str, str]]:
        """(room, connection id) pairs still recorded for a process."""
        ...

    async def forget_owner(self, owner: str) -> None:
        """Drop a dead process's heartbeat and records (after its connections were removed),
        including its authenticated sessions (see `session_add`)."""
        ...

    # Sessions -----------------------------------------------------------------------------------
    async def session_add(self, identity_key: bytes, sid: str, owner: str, cap: int) -> bool:
        """Record an authenticated connection of the key, held by server process `owner`;
        False (nothing recorded) if the key already holds `cap` connections. Atomic."""
        ...

    async def session_remove(self, identity_key: bytes, sid: str) -> None:
        """Forget a connection of the key (no-op if unknown)."""
        ...

    async def next_epoch(self, room: str) -> int:
        """Increment and return the room's membership epoch (first change gives 1)."""
        ...

    async def epoch(self, room: str) -> int:
        """The room's current epoch (0 before any change)."""
        ...

    async def next_seq(self, room: str) -> int:
        """Increment and return the room's envelope sequence number (first gives 1). Numbers
        only grow, across restarts too; a crash may leave a gap. No disk write per call."""
        ...

    async def room_forget(self, room: str) -> None:
        """Drop the epoch and sequence counters of a room whose night has ended (how many
        messages and membership changes it had is group data too)."""
        ...

    # Inbox --------------------------------------------------------------------------------------
    async def inbox_put(self, recipient: bytes, sender: bytes, envelope_id: str,
                        envelope_json: str, expires_at: float, now: float, cap: int,
                        per_sender_cap: int) -> bool:
        """Queue an envelope; False (nothing stored) if the recipient already holds `cap`
        unexpired ones, or `per_sender_cap` unexpired ones from this sender. Atomic."""
        ...

    async def inbox_list(self, recipient: bytes, now: float, limit: int) -> list[str]:
        """Unexpired envelopes, oldest first (expired ones are dropped on the way)."""
        ...

    async def inbox_ack(self, recipient: bytes, ids: list[str]) -> int:
        """Remove these envelopes; return how many were there."""
        ...

    async def inbox_sweep(self, now: float, max_recipients: int) -> int:
        """Drop expired envelopes of up to `max_recipients` inboxes (the scheduler calls it
        every tick); return how many envelopes were dropped."""
        ...

    async def inbox_total(self, now: float) -> int:
        """Envelopes queued across all recipients, for /metrics; cheap (no scan on Redis, where
        an expired envelope counts until it is swept)."""
        ...

    async def close(self) -> None:
        """Release connections and files."""
        ...
