"""Port: coordination between server processes: locks, once-only claims, windowed counters."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol


class ClaimStore(Protocol):
    """Shared by every process on one store."""

    def lock(self, name: str) -> AbstractAsyncContextManager[None]:
        """A mutual-exclusion lock shared by every process on this store."""
        ...

    async def claim_once(self, key: str, ttl_seconds: int) -> bool:
        """True for exactly one caller per `key` within `ttl_seconds` (scheduler transitions).
        Durable, so a restart does not announce a transition twice."""
        ...

    async def hit(self, key: str, window_seconds: int, now: float) -> int:
        """Count one event for `key` in the fixed window holding `now` (windows start at
        multiples of `window_seconds`); return the count so far in that window. Shared by
        every process; old windows are forgotten."""
        ...
