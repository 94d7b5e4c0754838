"""The Redis connection every Redis store module shares: one client per purpose, reconnecting
with bounded exponential backoff.

A command that meets a dropped connection (Redis restarted, a failover, a network blip) is
retried up to `RETRIES` times, waiting 50 ms, 100 ms, ... up to `BACKOFF_CAP_SECONDS` between
attempts (about 6 s in all); then the error reaches the handler, which answers `internal`, and
the next request tries again. No retry loop is unbounded, and no request waits for ever.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Final

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

PREFIX: Final = "ilp:"
RETRIES: Final = 6
BACKOFF_BASE_SECONDS: Final = 0.05
BACKOFF_CAP_SECONDS: Final = 2.0
SOCKET_TIMEOUT_SECONDS: Final = 5.0
HEALTH_CHECK_SECONDS: Final = 15


def client(url: str, *, decode: bool = True) -> Any:
    """A redis-py client with the bounded backoff (typed Any: redis-py's stubs cannot express
    decode_responses=True, str rather than bytes)."""
    retry = Retry(ExponentialBackoff(cap=BACKOFF_CAP_SECONDS, base=BACKOFF_BASE_SECONDS),
                  RETRIES, (RedisConnectionError, RedisTimeoutError))
    return aioredis.Redis.from_url(
        url, decode_responses=decode, retry=retry,
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        socket_timeout=SOCKET_TIMEOUT_SECONDS, socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        health_check_interval=HEALTH_CHECK_SECONDS)


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
