"""The connection the Redis store modules share: text and bytes clients made with
`server.redis_options` (bounded, jittered reconnect backoff).

Each client's pool holds at most `POOL_SIZE` connections, and a command that finds them all busy
waits (at most `POOL_WAIT_SECONDS`) for one to come back. redis-py's default pool instead
raises MaxConnectionsError for the 101st command in flight: under a burst of sends (each
awaiting its store call) those sends were answered `internal`, and the fan-out bench's Redis
ramp stopped there (docs/benchmarks.md, perf12)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Final

import redis.asyncio as aioredis

from server.redis_options import redis_options

PREFIX: Final = "ilp:"
POOL_SIZE: Final = 100
"""Connections per client (redis-py's default limit), per server process."""
POOL_WAIT_SECONDS: Final = 10.0
"""Longest wait for a free pooled connection; then ConnectionError (retried as any other)."""


def client(url: str, *, decode: bool = True) -> Any:
    """A redis-py client with `redis_options()` (typed Any: redis-py's stubs cannot express
    decode_responses=True, str rather than bytes)."""
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=POOL_SIZE, timeout=POOL_WAIT_SECONDS, decode_responses=decode,
        **redis_options())
    return aioredis.Redis.from_pool(pool)  # the client owns its pool: aclose() closes it


@dataclass(frozen=True)
class Connection:
    """Text (`r`) and bytes (`raw`) clients on one Redis."""

    r: Any
    raw: Any

    def __repr__(self) -> str:
        return "Connection()"  # the URL may carry a password

    @classmethod
    def open(cls, url: str) -> Connection:
        """Both clients on `url` (connections are made on first use)."""
        return cls(client(url), client(url, decode=False))

    async def close(self) -> None:
        """Close both clients."""
        await self.r.aclose()
        await self.raw.aclose()


def b64key(key: bytes) -> str:
    """An identity key as it appears in Redis key names (standard base64)."""
    return base64.b64encode(key).decode("ascii")
