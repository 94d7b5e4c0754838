"""ClaimStore on Redis.

    hit:<key>:<window>   string   fixed-window counters (prekey fetches), expire after 2 windows
    claim:<key>          string   SET NX EX (one scheduler transition per cluster)
    lock:<name>          redis-py Lock
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from server.storage.redis.connection import PREFIX, Connection

LOCK_TIMEOUT_SECONDS = 10


class RedisClaims:
    """Shared by every process on one Redis."""

    def __init__(self, conn: Connection) -> None:
        self._r = conn.r

    def __repr__(self) -> str:
        return "RedisClaims()"

    @asynccontextmanager
    async def lock(self, name: str) -> AsyncIterator[None]:
        """See ClaimStore."""
        # Poll every 10 ms (redis-py's default is 100 ms): at a group's start many joins
        # queue on one room lock.
        async with self._r.lock(f"{PREFIX}lock:{name}", timeout=LOCK_TIMEOUT_SECONDS,
                                blocking_timeout=LOCK_TIMEOUT_SECONDS, sleep=0.01):
            yield

    async def hit(self, key: str, window_seconds: int, now: float) -> int:
        """See ClaimStore."""
        name = f"{PREFIX}hit:{key}:{int(now // window_seconds)}"
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, 2 * window_seconds)
            count, _ = await pipe.execute()
        return int(count)

    async def claim_once(self, key: str, ttl_seconds: int) -> bool:
        """See ClaimStore."""
        return bool(await self._r.set(f"{PREFIX}claim:{key}", "1", nx=True, ex=ttl_seconds))
