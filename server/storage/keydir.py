"""Port: the key directory (published bundles and one-time prekeys). Durable."""

from __future__ import annotations

from typing import Protocol

from server.domain.records import Bundle, Prekey


class KeyDirectory(Protocol):
    """Bundles and one-time prekeys by identity key."""

    async def put_bundle(self, identity_key: bytes, bundle: Bundle) -> None:
        """Store (replace) the key's published bundle."""
        ...

    async def get_bundle(self, identity_key: bytes) -> Bundle | None:
        """The key's bundle, or None."""
        ...

    async def add_one_time_prekeys(self, identity_key: bytes, prekeys: list[Prekey],
                                   max_stored: int) -> int:
        """Append one-time prekeys (dropping the oldest beyond `max_stored`); return the count."""
        ...

    async def pop_one_time_prekey(self, identity_key: bytes) -> Prekey | None:
        """Remove and return the oldest one-time prekey, or None."""
        ...

    async def count_one_time_prekeys(self, identity_key: bytes) -> int:
        """How many one-time prekeys are left."""
        ...

    async def erase(self, identity_key: bytes) -> None:
        """Forget the key's bundle and every one-time prekey it published."""
        ...
