"""ClaimStore on the embedded store: locks and counters in memory, claims in SQLite."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from server.storage.embedded.db import Database

MAX_HIT_COUNTERS = 100_000


class EmbeddedClaims:
    """One process: an asyncio lock per name; durable claims."""

    def __init__(self, db: Database) -> None:
        self._d = db
        self._locks: dict[str, asyncio.Lock] = {}
        self._claimed: dict[str, float] = {}
        self._hits: dict[tuple[str, int], int] = {}

    def __repr__(self) -> str:
        return "EmbeddedClaims()"

    @asynccontextmanager
    async def lock(self, name: str) -> AsyncIterator[None]:
        """See ClaimStore."""
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            yield
        if not lock.locked() and self._locks.get(name) is lock:
            del self._locks[name]

    async def hit(self, key: str, window_seconds: int, now: float) -> int:
        """See ClaimStore (process memory: the counters need not survive a restart)."""
        window = int(now // window_seconds)
        if len(self._hits) >= MAX_HIT_COUNTERS:  # forget windows that are over
            self._hits = {k: v for k, v in self._hits.items() if k[1] >= window}
        count = self._hits.get((key, window), 0) + 1
        self._hits[(key, window)] = count
        return count

    async def claim_once(self, key: str, ttl_seconds: int) -> bool:
        """See ClaimStore. (Wall time here only forgets old claims; it is not a domain
        decision.)"""
        now = time.time()
        if self._claimed.get(key, 0.0) > now:
            return False  # the scheduler asks every second: answer repeats from memory
        db = self._d.db
        with db:
            db.execute("BEGIN")
            db.execute("DELETE FROM claims WHERE expires_at < ?", (now,))
            cur = db.execute("INSERT OR IGNORE INTO claims VALUES (?, ?)",
                             (key, now + ttl_seconds))
        if len(self._claimed) > 10_000:
            self._claimed.clear()
        self._claimed[key] = now + ttl_seconds
        return cur.rowcount == 1
