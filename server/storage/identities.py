"""Port: identities (pseudonym bindings and the authenticated connections of each key).

Durable: bindings. Process-scoped: sessions (a dead process's are dropped by `forget_owner`).
"""

from __future__ import annotations

from typing import Protocol

from server.domain.records import Binding


class IdentityStore(Protocol):
    """Who holds which pseudonym, and how many connections each key holds."""

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

    async def session_add(self, identity_key: bytes, sid: str, owner: str, cap: int) -> bool:
        """Record an authenticated connection of the key, held by server process `owner`;
        False (nothing recorded) if the key already holds `cap` connections. Atomic."""
        ...

    async def session_remove(self, identity_key: bytes, sid: str) -> None:
        """Forget a connection of the key (no-op if unknown)."""
        ...

    async def forget_owner(self, owner: str) -> None:
        """Drop the sessions a dead (or stopping) server process held."""
        ...

    async def erase(self, identity_key: bytes) -> None:
        """Forget the key's binding (its pseudonym is free at once, with no reservation
        window). Its live sessions stay until their connections close (`session_remove`)."""
        ...
